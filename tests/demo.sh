#!/usr/bin/env bash
# Sets everything up and starts Sprechzimmer on the built-in demo
# organisation: a simulated BigBlueButton server and organisation profile on
# 127.0.0.1, with a demo invite that the app opens right away. The demo
# counsellor opens the room a few seconds after you reach the waiting room
# and lets you in.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display. Run this in a desktop session, or under: xvfb-run -a bash tests/demo.sh" >&2
  exit 1
fi

workdir="$(mktemp -d)"
python3 tests/sim/bbb_sim.py --demo --ready-file "$workdir/ready" > "$workdir/invite" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$workdir"' EXIT
while [ ! -s "$workdir/ready" ]; do sleep 0.1; kill -0 $sim || exit 1; done
invite="$(head -n1 "$workdir/invite")"
echo "demo: simulated BigBlueButton server on $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base"])' "$workdir/ready")"
echo "demo: invite link (also opened right away):"
echo "$invite"

# Plain http to 127.0.0.1 is refused unless explicitly allowed, as here.
SPRECHZIMMER_ALLOW_LOOPBACK_HTTP=1 ./target/debug/sprechzimmer "$invite"
