#!/usr/bin/env bash
# Builds what IT rolls out, as shipped (release profile, no benchmark
# features), for compare.py's sizes: the Linux binaries and the .deb, the
# Windows binaries (mingw-w64), the MSI and the per-user installer.
# Release builds use LTO; on 2 cores this takes about half an hour.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
tauri="target/tauri-cli/node_modules/.bin/tauri"
[ -x "$tauri" ] || bash tests/setup.sh

cargo build --locked --release -p sprechzimmer-tray
"$tauri" build --bundles deb --ci >/dev/null

source tests/windows/env.sh
cargo build --locked --release --workspace --target x86_64-pc-windows-gnu
python3 src-tauri/packaging/msi.py --profile release
python3 src-tauri/packaging/nsis.py --profile release
