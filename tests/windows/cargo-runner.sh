#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (see tests/windows/env.sh): runs a
# Windows test binary under Wine, in a prefix of its own under target/wine,
# with the test-only ProcessPrng shim and WebView2Loader.dll beside it.
set -euo pipefail
exe="$1"; shift
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$(dirname "$exe")"

shim="$(cd "$here" && python3 -c 'import wine; print(wine.shim())')"
cp -f "$shim" "$dir/bcryptprimitives.dll"
# The gnu build loads WebView2Loader.dll at run time; tauri-build puts it
# beside the app, test binaries in deps/ need their own copy.
if [ ! -f "$dir/WebView2Loader.dll" ]; then
  loader="$(find "$root/target/x86_64-pc-windows-gnu" -path '*webview2-com-sys*/x64/WebView2Loader.dll' -print -quit 2>/dev/null || true)"
  [ -n "$loader" ] && cp -f "$loader" "$dir/WebView2Loader.dll"
fi

export WINEPREFIX="${SZ_CARGO_WINEPREFIX:-$root/target/wine/cargo-prefix}"
export WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree=;mshtml="
if [ ! -f "$WINEPREFIX/.ready" ]; then
  (cd "$here" && python3 -c 'import wine, sys; wine.clone_template(sys.argv[1])' "$WINEPREFIX")
fi
exec wine "$exe" "$@"
