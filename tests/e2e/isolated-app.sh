#!/bin/sh
# Starts the app in a D-Bus session of its own, so a second app (the
# client's, in the counsellor round trip) is not handed over to the first
# by the single-instance check.
exec dbus-run-session -- "$SPRECHZIMMER_ISOLATED_BIN" "$@"
