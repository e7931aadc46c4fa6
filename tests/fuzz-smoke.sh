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
# cargo fuzz has no --locked: a stale src-tauri/fuzz/Cargo.lock would be
# resolved afresh on every run, so it is checked here first.
cargo metadata --locked --format-version 1 --manifest-path src-tauri/fuzz/Cargo.toml >/dev/null
cargo +nightly fuzz build --fuzz-dir src-tauri/fuzz "${mode[@]}"
for target in invite profile bbb_xml policy cdp; do
  corpus="$(mktemp -d)"
  cp -r "src-tauri/fuzz/corpus/$target/." "$corpus/"
  echo "fuzz: $target for ${seconds}s"
  log="$(mktemp)"
  if ! cargo +nightly fuzz run --fuzz-dir src-tauri/fuzz "${mode[@]}" "$target" "$corpus" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    # The whole report: the input that failed and where.
    grep -v '^#[0-9]' "$log" | tail -n 80
    echo "fuzz: $target FAILED (the input is under src-tauri/fuzz/artifacts/$target/)"
    exit 1
  fi
  grep -E '^Done|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log"
  rm -rf "$corpus" "$log"
done
