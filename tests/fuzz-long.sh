#!/usr/bin/env bash
# The long fuzz runs (issue 11): every target for SECONDS (default 600)
# with the optimised AddressSanitizer build, one after another, each from a
# copy of its seed corpus. Results go to docs/testing.md by hand; the
# reports (libFuzzer's final stats) are kept in OUT (default
# target/fuzz-long). The binaries run directly, so editing the sources
# while this runs does not rebuild or change what is fuzzed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
out="${2:-target/fuzz-long}"
mkdir -p "$out"
cargo +nightly fuzz build --fuzz-dir src-tauri/fuzz -O
bin=src-tauri/fuzz/target/x86_64-unknown-linux-gnu/release
git rev-parse HEAD > "$out/commit"
git status --porcelain -- src-tauri/src src-tauri/fuzz > "$out/uncommitted"
for target in invite profile bbb_xml policy cdp; do
  corpus="$(mktemp -d)"
  cp -r "src-tauri/fuzz/corpus/$target/." "$corpus/"
  echo "fuzz: $target for ${seconds}s"
  status=0
  "$bin/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="src-tauri/fuzz/artifacts/$target/" >"$out/$target.log" 2>&1 || status=$?
  echo "exit=$status corpus=$(ls "$corpus" | wc -l)" >> "$out/$target.log"
  grep -E '^Done|^stat::(number_of_executed_units|new_units_added|peak_rss_mb|slowest_unit_time_sec)|^exit=' "$out/$target.log"
  rm -rf "$corpus"
  [ "$status" -eq 0 ] || { echo "fuzz: $target FAILED"; exit 1; }
done
