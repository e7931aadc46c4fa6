#!/usr/bin/env bash
# compare.py in one command on a fresh Debian 12 / Ubuntu machine: installs
# what it needs, builds the debug app (memory and wipe, driven through
# WebDriver), the release packages (their sizes), and release builds of the
# app and the bare Tauri window with the benchmark feature (start-up, tray;
# plain http to the local simulator), then measures
# under a private X server and D-Bus session. Prints the tables; writes the
# raw figures to target/bench/compare.json and the plot to docs/compare.png.
# Extra arguments go to compare.py (e.g. --parts consent,tray).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
for p in chromium-driver python3-matplotlib; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$p"
done
cargo build --locked --workspace
# The packages first: the benchmark build below replaces target/release's app.
bash tests/bench/packages.sh
cargo build --locked --release --features loopback-http --bin sprechzimmer --example floor
mkdir -p target/bench
xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \
  /usr/bin/python3 tests/bench/compare.py --json target/bench/compare.json --plot docs/compare.png "$@"
