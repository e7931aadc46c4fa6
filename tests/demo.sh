#!/usr/bin/env bash
# Sets everything up and starts Sprechzimmer on the built-in demo
# organisation: a simulated BigBlueButton server and organisation profile on
# 127.0.0.1, with a demo invite that the app opens right away. The demo
# counsellor opens the room a few seconds after you reach the waiting room
# and lets you in. `bash tests/demo.sh jitsi` does the same with a simulated
# Jitsi Meet server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --locked --workspace

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display. Run this in a desktop session, or under: xvfb-run -a bash tests/demo.sh" >&2
  exit 1
fi

workdir="$(mktemp -d)"
case "${1:-bbb}" in
  bbb) sim_script=tests/sim/bbb_sim.py ;;
  jitsi) sim_script=tests/sim/jitsi_sim.py ;;
  *) echo "usage: bash tests/demo.sh [bbb|jitsi]" >&2; exit 2 ;;
esac
python3 "$sim_script" --demo --ready-file "$workdir/ready" > "$workdir/invite" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$workdir"' EXIT
while [ ! -s "$workdir/ready" ]; do sleep 0.1; kill -0 $sim || exit 1; done
invite="$(head -n1 "$workdir/invite")"
echo "demo: simulated ${1:-bbb} server on $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base"])' "$workdir/ready")"
echo "demo: invite link (also opened right away):"
echo "$invite"

# Plain http to 127.0.0.1 is refused unless explicitly allowed, as here.
SPRECHZIMMER_ALLOW_LOOPBACK_HTTP=1 ./target/debug/sprechzimmer "$invite"
