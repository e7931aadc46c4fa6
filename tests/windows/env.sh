# Sourced by tests/run-all.sh and for local work: cross-building for
# Windows with Debian's mingw-w64, and running its tests under Wine.
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cargo-runner.sh"
