"""Headless Chromium, driven over its DevTools pipe (fds 3 and 4, NUL-framed
JSON): what the invite page does in a real browser, with nothing but
Debian's Chromium and the standard library."""

import json
import os
import select
import shutil
import subprocess
import tempfile
import time


class Chromium:
    def __init__(self, *flags, log=None):
        self.profile = tempfile.mkdtemp(prefix="sz-cdp-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()

        # Basic password store: a Secret Service on the test's D-Bus would
        # otherwise hold up the profile (and every navigation) for a prompt.
        def child():
            # The pipe Chromium reads on 3 and writes on 4; pass_fds keeps both.
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [shutil.which("chromium") or "chromium", "--headless", "--remote-debugging-pipe", "--no-first-run",
             "--no-default-browser-check", "--disable-gpu", "--no-sandbox", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--password-store=basic",
             f"--user-data-dir={self.profile}", *flags, "about:blank"],
            pass_fds=(3, 4), preexec_fn=child, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.w, self.r = to_child_w, from_child_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        page = next(t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=self.session)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._recv(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    def _recv(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed its DevTools pipe")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\0", 1)
        return json.loads(line)

    def page(self, method, params=None):
        return self.call(method, params, session=self.session)

    def navigate(self, url):
        return self.page("Page.navigate", {"url": url})

    def eval(self, js):
        r = self.page("Runtime.evaluate", {"expression": js, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def wait_event(self, pred, what, timeout=30):
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for m in self.events[seen:]:
                if pred(m):
                    return m
            seen = len(self.events)
            try:
                self.events.append(self._recv(deadline))
            except TimeoutError:
                raise AssertionError(f"Chromium never showed: {what}") from None

    def wait_true(self, js, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # Until the page has loaded, its elements are not there yet.
            try:
                if self.eval(js):
                    return
            except RuntimeError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"never true in Chromium: {what}")

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        try:
            self.proc.kill()
            self.proc.wait(10)
        finally:
            os.close(self.w)
            os.close(self.r)
            shutil.rmtree(self.profile, ignore_errors=True)
