#!/usr/bin/env bash
# Every test: unit and integration tests (cargo test), the packaging tests
# (MSI fragment, .deb), then the end-to-end suite in the real app window
# under Xvfb, driven by tauri-driver and WebKitWebDriver against the
# simulated BigBlueButton and Jitsi servers (and Debian's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --locked
cargo test --locked

# The packages IT rolls out: a test MSI from the WiX fragment (wixl), the .deb.
python3 tests/packaging/test_packages.py

# A private X server and D-Bus session, and a throwaway HOME for the session
# helpers D-Bus starts, so the tests touch nothing of the machine's user.
outer_home="$(mktemp -d)"
trap 'rm -rf "$outer_home"' EXIT
HOME="$outer_home" xvfb-run -a -s "-screen 0 1280x900x24" \
  dbus-run-session -- python3 tests/e2e/run.py 2> >(grep -v -E 'dbus-daemon|AccessDenied|portal|pw\.conf|Gtk-WARNING|fallback .C. locale|invalid max threads|^$' >&2)
