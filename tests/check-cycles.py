#!/usr/bin/env python3
"""Fails when modules of a crate depend on each other in a cycle.

A module is a file (or folder) under a crate's src/; `lib` is the crate
root. An edge a -> b is any `crate::b` path in a's code, comments and
tests left out (tests may reach anywhere). Prints every module's edges
with --list, and each cycle found (as a strongly connected component).
"""
import re
import sys
from pathlib import Path

CRATES = ["src-tauri/src", "src-tauri/core/src", "src-tauri/tray/src"]


def module_of(src: Path, f: Path) -> str:
    rel = f.relative_to(src)
    name = rel.parts[0]
    return "lib" if name in ("lib.rs", "main.rs") else name.removesuffix(".rs")


def strip(code: str) -> str:
    # Unit tests may use anything; they are not part of the module graph.
    code = re.split(r"#\[cfg\(test\)\]\s*mod \w+", code)[0]
    code = re.sub(r'r(#+)"(?:.|\n)*?"\1', '""', code)
    code = re.sub(r"'(?:\\[\s\S]|[^'\\])'", "' '", code)
    code = re.sub(r'"(?:\\[\s\S]|[^"\\])*"', '""', code)
    return re.sub(r"//[^\n]*", "", code)


def edges(src: Path) -> dict:
    mods = {module_of(src, f) for f in src.rglob("*.rs")}
    graph = {m: set() for m in mods}
    root = strip((src / "lib.rs").read_text()) if (src / "lib.rs").exists() else ""
    reexported = set()
    for group in re.findall(r"pub use \w+::\{([^}]*)\}", root):
        reexported |= set(re.findall(r"\w+", group))
    for f in src.rglob("*.rs"):
        me = module_of(src, f)
        code = strip(f.read_text())
        targets = set(re.findall(r"\bcrate::(\w+)", code))
        for group in re.findall(r"\bcrate::\{([^}]*)\}", code):
            targets |= set(re.findall(r"(?:^|,)\s*(\w+)", group))
        if me == "lib":
            # The root names its modules without `crate::`.
            targets |= {m for m in mods if re.search(rf"(?<![\w:]){m}::", code)}
        # `crate::item` of something the root defines itself (not one of
        # its modules, not a name it re-exports from another crate).
        targets = {t if t in mods else "lib" for t in targets if t in mods or t not in reexported}
        graph[me] |= {t for t in targets if t != me}
    return graph


def sccs(graph: dict) -> list:
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    failed = False
    for crate in CRATES:
        graph = edges(root / crate)
        if "--list" in sys.argv:
            print(f"{crate}:")
            for m in sorted(graph):
                print(f"  {m} -> {', '.join(sorted(graph[m])) or '-'}")
        for comp in sccs(graph):
            # The crate root declares every module; only its own uses count,
            # and `lib` in a cycle means the root is used as a helper module.
            print(f"cycle in {crate}: {' <-> '.join(comp)}")
            failed = True
    if not failed:
        print("no module cycles in " + ", ".join(CRATES))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
