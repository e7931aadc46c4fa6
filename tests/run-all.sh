#!/usr/bin/env bash
# Every test: formatting, lints and the crate layering; unit and
# integration tests (cargo test), the Windows build and
# its tests under Wine (unit, command line, MSI, per-user installer), the
# packaging tests (policy fragment, .deb), the workflow lint, then the
# end-to-end suite in the real app window
# under Xvfb, driven by tauri-driver and WebKitWebDriver against the
# simulated BigBlueButton and Jitsi servers (and Debian's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

# Every profile is built once here, so incremental caches only cost disk,
# and line tables keep backtraces' files and lines without the rest of the
# debug info: target/ stays a fraction of its size on a small CI disk.
export CARGO_INCREMENTAL=0
export CARGO_PROFILE_DEV_DEBUG=line-tables-only

# House style and lints first: cheap, and they fail fast.
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo build --locked --workspace
cargo test --locked --workspace
# The core crate stays window-free (cargo tree on every platform), and the
# tray agent links no WebKit or GTK (readelf).
bash tests/check-layering.sh
python3 tests/check-cycles.py

# Windows, cross-built with mingw-w64 and run under Wine (tests/windows/):
# no warnings, the unit tests, the command line and registry policy, then
# the per-machine MSI and the per-user installer, installed and removed.
source tests/windows/env.sh
cargo clippy --locked --workspace --target x86_64-pc-windows-gnu -- -D warnings
cargo build --locked --workspace --target x86_64-pc-windows-gnu
cargo test --locked --workspace --target x86_64-pc-windows-gnu --lib
xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/windows/test_cli_wine.py

# The packages IT rolls out: the policy fragment (wixl/msiinfo) and the .deb;
# the MSI and the per-user installer under Wine.
python3 tests/packaging/test_packages.py
xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/packaging/test_msi_wine.py
xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/packaging/test_nsis_wine.py

# The GitHub workflows (the Windows GUI runs there).
node tests/lint/lint_workflows.mjs

# Every parser of outside input under libFuzzer, 30 s each.
bash tests/fuzz-smoke.sh 30

# A private X server and D-Bus session, and a throwaway HOME for the session
# helpers D-Bus starts, so the tests touch nothing of the machine's user.
outer_home="$(mktemp -d)"
trap 'rm -rf "$outer_home"' EXIT
HOME="$outer_home" xvfb-run -a -s "-screen 0 1280x900x24" \
  dbus-run-session -- python3 tests/e2e/run.py 2> >(grep -v -E 'dbus-daemon|AccessDenied|portal|pw\.conf|Gtk-WARNING|fallback .C. locale|invalid max threads|^$' >&2)

# No third parties: the same sessions again with the whole process tree
# under strace (the app, WebKit's processes, the fallback Chromium); any
# attempt to reach anything but the simulator fails (harness.check_traffic).
SZ_E2E_TRACE=1 HOME="$outer_home" xvfb-run -a -s "-screen 0 1280x900x24" \
  dbus-run-session -- python3 tests/e2e/run.py "test_*.py" \
    test_happy_path_leaves_nothing_behind test_bbb_in_chromium_then_leave_leaves_nothing \
    test_happy_path_then_hang_up test_jitsi_in_chromium_then_hang_up test_setup_session_round_trip_and_removal \
    2> >(grep -v -E 'dbus-daemon|AccessDenied|portal|pw\.conf|Gtk-WARNING|fallback .C. locale|invalid max threads|^$' >&2)
