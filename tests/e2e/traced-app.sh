#!/bin/sh
# Starts the app under strace, following every process it starts (the
# webview's, the fallback browser's), and logs each attempt to reach
# anything: connect() and the send calls that can carry an address. See
# harness.check_traffic.
exec strace -f -qq -yy -e trace=bind,connect,sendto,sendmsg,sendmmsg -e signal=none -o "$SZ_TRACE_FILE" -- "$SPRECHZIMMER_ISOLATED_BIN" "$@"
