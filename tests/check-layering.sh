#!/usr/bin/env bash
# The layering, checked on the dependency graph rather than promised:
# - the core crate (src-tauri/core) has no Tauri, wry, tao, GTK or WebKit in
#   its tree, on any target;
# - the tray agent (src-tauri/tray) has none in its tree, and its built
#   binary links none (readelf -d).
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

# The tray agent: neither its tree nor its binary reaches WebKit or GTK.
found="$(cargo tree --locked -p sprechzimmer-tray -e normal --target x86_64-unknown-linux-gnu --prefix none | grep -E "$forbidden" | sort -u || true)"
if [ -n "$found" ]; then
  echo "layering: the tray agent reaches a window toolkit:" >&2
  echo "$found" >&2
  fail=1
fi
for agent in target/debug/sprechzimmer-tray target/release/sprechzimmer-tray; do
  [ -x "$agent" ] || continue
  linked="$(readelf -d "$agent" | grep NEEDED || true)"
  if echo "$linked" | grep -qiE 'webkit|javascriptcore|gtk|gdk|soup'; then
    echo "layering: $agent links a window toolkit:" >&2
    echo "$linked" >&2
    fail=1
  else
    echo "layering: $agent links no WebKit or GTK ($(echo "$linked" | grep -c NEEDED) libraries: $(echo "$linked" | sed -E 's/.*\[(.*)\]/\1/' | tr '\n' ' '))"
  fi
done
exit "$fail"
