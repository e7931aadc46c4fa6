"""What both simulated servers share: binding to 127.0.0.1 only, telling the
test harness where they listen, and staying up until stopped."""

import json
import os
import sys
import threading
import time
from http.server import ThreadingHTTPServer


def start(handler, port, state):
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.state = state
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def announce(ready_file, info, label):
    """Writes `info` atomically to `ready_file`, so a reader never sees half."""
    if ready_file:
        with open(ready_file + ".tmp", "w") as f:
            json.dump(info, f)
        os.replace(ready_file + ".tmp", ready_file)
    print(f"{label} listening on {info['base']}", file=sys.stderr, flush=True)


def wait_forever():
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
