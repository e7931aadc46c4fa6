#!/usr/bin/env bash
# compare.py in one command on a fresh Debian 12 machine (after the README's
# set-up, which brings Rust; about an hour on 2 cores from cold). Installs
# what it needs, builds the release packages (their sizes) and the
# benchmark build of the app, its tray agent and the bare Tauri window
# (target/bench-release: the release profile plus plain http to the local
# simulator and a test policy root), then measures under a private X server
# and D-Bus session. Prints the tables; writes the raw figures to
# target/bench/compare.json and the plot to docs/compare.png.
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
bash tests/bench/packages.sh
# The benchmark build, beside what ships.
cargo build --locked --profile bench-release -p sprechzimmer-tray
cargo build --locked --profile bench-release --features loopback-http --bin sprechzimmer --example floor
mkdir -p target/bench
# A full run replaces the plot in docs/; a partial one (any arguments) only
# writes under target/bench.
plot=docs/compare.png
if [ $# -gt 0 ]; then plot=target/bench/compare.png; fi
xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \
  /usr/bin/python3 tests/bench/compare.py --json target/bench/compare.json --plot "$plot" "$@"
