"""A minimal W3C WebDriver client (stdlib only) for tauri-driver."""

import http.client
import json
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


class Session:
    def __init__(self, base, capabilities):
        self.base = base
        value = self._request("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.id = value["sessionId"]
        # The window a `leaving` action replaces (only then is a new one followed).
        self.left_window = None

    def _request(self, method, path, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(3):
            req = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    return json.loads(r.read() or b"{}").get("value")
            except urllib.error.HTTPError as e:
                raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None
            except (ConnectionResetError, http.client.RemoteDisconnected):
                # tauri-driver sometimes fails to forward a request to
                # WebKitWebDriver and drops the connection without an answer;
                # the command never reached the page, so sending it again is safe.
                if attempt == 2:
                    raise
                time.sleep(0.3)

    def cmd(self, method, path, body=None):
        try:
            return self._request(method, f"/session/{self.id}{path}", body)
        except WebDriverError as e:
            # After a session the app rebuilds its window (`start_over`):
            # commands then go to the new one.
            if "no such window" not in str(e) or not self.follow_window():
                raise
            return self._request(method, f"/session/{self.id}{path}", body)

    def window(self):
        return self._request("GET", f"/session/{self.id}/window")

    def follow_window(self):
        """After `leaving`, switches to the app's one open window if it is a
        new one; False otherwise (not leaving, or the new window not built
        yet), so a window lost anywhere else still fails its test."""
        if self.left_window is None:
            return False
        handles = self._request("GET", f"/session/{self.id}/window/handles") or []
        if len(handles) != 1 or handles[0] == self.left_window:
            return False
        self._request("POST", f"/session/{self.id}/window", {"handle": handles[0]})
        self.left_window = None
        return True

    def quit(self):
        try:
            self._request("DELETE", f"/session/{self.id}", timeout=30)
        except Exception:
            pass

    # ---- elements ----

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return v[ELEMENT]

    def click(self, css):
        self.cmd("POST", f"/element/{self.find(css)}/click", {})

    def leaving(self, action):
        """An action that replaces the window (the app starts over after a
        session): the old window may be gone before the action is answered.
        The next command goes to the new window (`cmd`)."""
        self.left_window = self.window()
        try:
            action()
        except WebDriverError as e:
            if not any(gone in str(e) for gone in ("stale element", "no such window", "no such frame")):
                raise

    def click_leaving(self, css):
        self.leaving(lambda: self.click(css))

    def type(self, css, text):
        self.cmd("POST", f"/element/{self.find(css)}/value", {"text": text})

    def text(self, css):
        return self.cmd("GET", f"/element/{self.find(css)}/text")

    def prop(self, css, name):
        return self.cmd("GET", f"/element/{self.find(css)}/property/{name}")

    # ---- scripts ----

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def invoke(self, command, args=None):
        """Calls an app command the way the UI would, bypassing the UI's checks.
        Returns {"ok": value} or {"err": {code, message}}."""
        script = (
            "const done = arguments[arguments.length - 1];"
            "window.__TAURI__.core.invoke(arguments[0], arguments[1] || {})"
            ".then(v => done({ok: v === undefined ? null : v}), e => done({err: e}));"
        )
        return self.cmd("POST", "/execute/async", {"script": script, "args": [command, args or {}]})

    def wait_for(self, script, *args, timeout=90, what=None):
        """Polls a JS expression until it is truthy. The timeout only guards
        against a hang; nothing is asserted about how long it took."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.js(script, *args)
                if last:
                    return last
            except WebDriverError as e:
                last = e
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what or script!r}; last value {last!r}")

    def js_async(self, script, *args):
        """An async script: it ends by calling arguments[arguments.length - 1]."""
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    # ---- keyboard ----

    KEY = {"Tab": "\ue004", "Enter": "\ue007", "Space": " ", "Shift": "\ue008", "Escape": "\ue00c"}

    def press(self, key, shift=False):
        """One key as a user presses it (WebDriver actions: real key events,
        so the browser moves focus itself). `key` is a name from KEY or a
        character."""
        value = self.KEY.get(key, key)
        acts = []
        if shift:
            acts.append({"type": "keyDown", "value": self.KEY["Shift"]})
        acts += [{"type": "keyDown", "value": value}, {"type": "keyUp", "value": value}]
        if shift:
            acts.append({"type": "keyUp", "value": self.KEY["Shift"]})
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": acts}]})

    def write(self, text):
        """Types text into whatever has focus, key by key."""
        acts = []
        for ch in text:
            acts += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": acts}]})

    def focused(self):
        """The focused element's id (or its tag, if it has none)."""
        return self.js("const e = document.activeElement; return e ? (e.id || e.tagName.toLowerCase()) : null")

    def screen(self):
        return self.js("return document.body.dataset.screen || null")

    def wait_screen(self, name, timeout=90):
        return self.wait_for("return document.body.dataset.screen === arguments[0]", name,
                             timeout=timeout, what=f"screen {name}")

    def screenshot(self, path):
        import base64
        png = self.cmd("GET", "/screenshot")
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))
