#!/usr/bin/env bash
# Fuzzing smoke for every target in src-tauri/fuzz: SECONDS each (default 30)
# from a copy of its seed corpus (libFuzzer adds what it finds, and the repo
# keeps only the seeds). A panic, a hang (10 s per input) or more than 2 GB
# fails it. The long runs and their results: docs/testing.md.
#
# The smoke builds without AddressSanitizer and unoptimised: it compiles in
# a fraction of the time on CI's two cores, and the parsers are safe Rust,
# where libFuzzer's own checks (panic, hang, memory) are what matters. The
# long runs use the optimised AddressSanitizer build (`-O`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
mode=(--dev --sanitizer none)
cargo +nightly fuzz build --fuzz-dir src-tauri/fuzz "${mode[@]}"
for target in invite profile bbb_xml policy cdp; do
  corpus="$(mktemp -d)"
  cp -r "src-tauri/fuzz/corpus/$target/." "$corpus/"
  echo "fuzz: $target for ${seconds}s"
  cargo +nightly fuzz run --fuzz-dir src-tauri/fuzz "${mode[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 12
  rm -rf "$corpus"
done
