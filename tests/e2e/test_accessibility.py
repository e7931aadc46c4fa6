"""End to end: every screen in every language passes axe-core (WCAG 2.0/2.1,
A and AA) in the real app window, and the whole client path works with the
keyboard alone.

axe-core is vendored (tests/e2e/vendor/axe-core, MPL-2.0) and injected over
WebDriver into the app's own page; nothing is loaded from the network.
"""

import json
import os
import shutil
import subprocess
import unittest

from harness import (APP, App, Keyring, accept_counsellor_setup, admit_client, fill_counsellor_setup, leave_meeting,
                     Sim, TestHome, save_artifacts, skip_on_windows, wait_until, workdir)

AXE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor", "axe-core", "axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["de", "ls", "en", "uk", "ar", "tr", "ru", "fa"]


def axe_violations(wd):
    """axe-core's violations on the page as it is now: [(rule, impact, targets)]."""
    if not wd.js("return !!window.axe"):
        with open(AXE, encoding="utf-8") as f:
            wd.js(f.read() + "\n;return true;")
    result = wd.js_async(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' ')).slice(0, 5)])),"
        " e => done([['axe-error', String(e), []]]));",
        TAGS)
    return result


@skip_on_windows("Linux only: the counsellor screens need gnome-keyring's Secret Service; the "
                 "client screens are the same HTML on every platform")
class AccessibilityCase(unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end")
        self.keyring = Keyring(self.home)
        self.app = None

    def tearDown(self):
        save_artifacts("a11y-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        self.sim.stop()
        self.keyring.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, wd, lang, screen):
        found = axe_violations(wd)
        self.assertEqual(found, [], f"axe-core on the {screen} screen in {lang}")
        self.checked.add((lang, screen))

    def hand_over(self, link):
        """A link arriving from outside: a second start hands it over."""
        done = subprocess.run([APP, link], env=self.home.env(), timeout=60,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0)

    def set_language(self, wd, lang):
        self.assertEqual(wd.invoke("set_language", {"lang": lang, "remember": False}), {"ok": lang})
        # The old page is marked, so the wait sees the new one.
        wd.js("window.__old = true; location.reload()")
        wd.wait_for("return !window.__old && document.body && document.body.dataset.ready === 'true' && "
                    "document.body.dataset.screen === 'start'", what="the app to reload")

    def test_every_screen_in_every_language_passes_axe(self):
        setup = subprocess.run(
            [APP, "counsellor", "setup", "--profile", self.sim.base + "/profile.json",
             "--bbb", self.sim.base + "/bigbluebutton/api", "--name", "Beratung Nord"],
            input=self.sim.secret.encode(), capture_output=True, env=self.home.env(), timeout=60)
        self.assertEqual(setup.returncode, 0, setup.stderr)
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        self.checked = set()
        # The check itself finds what it should: a button without a name and
        # grey-on-white text.
        wd.js("const b = document.createElement('button'); b.id = 'axe-probe';"
              "const p = document.createElement('p'); p.id = 'axe-probe-text'; p.textContent = 'faint';"
              "p.style.color = '#bbb'; document.querySelector('#screen-start').append(b, p);")
        rules = {v[0] for v in axe_violations(wd)}
        self.assertTrue({"button-name", "color-contrast"} <= rules, rules)
        wd.js("document.getElementById('axe-probe').remove(); document.getElementById('axe-probe-text').remove()")
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                self.set_language(wd, lang)
                expected = {"ar": "rtl", "fa": "rtl"}.get(lang, "ltr")
                self.assertEqual(wd.js("return document.documentElement.dir"), expected)
                self.check(wd, lang, "start")

                # A pasted link that cannot be opened: the error by the field.
                wd.type("#invite-input", "sprechzimmer://join?v=1")
                wd.click("#open-invite")
                wd.wait_for("return !document.getElementById('invite-error').hidden", what="the field's error")
                self.check(wd, lang, "start with an error")
                wd.js("document.getElementById('invite-input').value = ''")

                wd.click("#open-settings")
                wd.wait_screen("settings")
                self.check(wd, lang, "settings")
                wd.click("#settings-done")
                wd.wait_screen("start")

                # A link from outside: first where it leads, then an error.
                mid, _ = self.sim.create()
                self.hand_over(self.sim.invite(mid))
                wd.wait_screen("arrival")
                self.check(wd, lang, "arrival")
                wd.click("#arrival-cancel")
                wd.wait_screen("start")
                self.hand_over("sprechzimmer://join?v=1")
                wd.wait_screen("error")
                self.check(wd, lang, "error")
                wd.click("#error-back")
                wd.wait_screen("start")

                # The client's path: consent, waiting room, meeting, end.
                wd.type("#invite-input", self.sim.invite(mid))
                wd.click("#open-invite")
                wd.wait_screen("consent")
                self.check(wd, lang, "consent")
                wd.click("#privacy-check")
                wd.click("#terms-check")
                wd.click("#consent-continue")
                wd.wait_screen("devices")
                self.check(wd, lang, "devices")
                # With the check's findings on screen.
                wd.click("#devices-check")
                wd.wait_for("return !document.getElementById('devices-camera').hidden", what="the findings")
                self.check(wd, lang, "devices with findings")
                wd.click("#devices-stop")
                wd.wait_for("return !document.getElementById('devices-closed').hidden", what="the check to end")
                wd.click("#devices-continue")
                wd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'",
                            what="the waiting room")
                self.check(wd, lang, "lobby")
                self.sim.moderator_enters(mid)
                wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the guest to knock")
                wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'",
                            what="the meeting screen")
                self.check(wd, lang, "meeting")
                status = admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"), lang)
                if status:
                    # The status window, read as a screen reader reads it:
                    # in this language, every button named and reachable.
                    shown = status.dump()
                    self.assertEqual([b["name"] for b in shown["buttons"]], [status.show, status.leave], lang)
                    self.assertTrue(all(b["focusable"] and b["sensitive"] for b in shown["buttons"]), lang)
                    self.assertTrue(all(label.strip() for label in shown["labels"]), lang)
                else:
                    wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'",
                                what="the meeting")
                leave_meeting(wd, status)
                wd.wait_screen("ended")
                self.check(wd, lang, "ended")
                wd.click_leaving("#ended-done")
                wd.wait_screen("start")

                # The counsellor's screens (Leichte Sprache leaves them German).
                wd.click("#open-counsellor")
                wd.wait_screen("counsellor-consent")
                self.check(wd, lang, "counsellor consent")
                wd.click("#cc-back")
                wd.wait_screen("start")
        screens = {s for _, s in self.checked}
        self.assertEqual(len(self.checked), len(LANGUAGES) * len(screens), "every screen in every language")

    def test_counsellor_setup_and_running_screens_pass_axe(self):
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        self.checked = set()
        for lang in ("de", "ar"):
            self.set_language(wd, lang)
            wd.click("#open-counsellor")
            wd.wait_screen("counsellor-setup")
            self.check(wd, lang, "counsellor setup")
            wd.click("#cs-cancel")
            wd.wait_screen("start")
        self.set_language(wd, "de")
        wd.click("#open-counsellor")
        fill_counsellor_setup(wd, self.sim)
        accept_counsellor_setup(wd)
        for lang in ("de", "ar"):
            self.set_language(wd, lang)
            wd.click("#open-counsellor")
            wd.wait_screen("counsellor")
            self.check(wd, lang, "counsellor")
            wd.click("#cn-back")
            wd.wait_screen("start")

    def test_the_client_path_with_the_keyboard_alone(self):
        # Tab, Shift+Tab, Space and Enter only; after each step, focus is
        # where a keyboard user needs it.
        mid, _ = self.sim.create()
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        wd.wait_screen("start")
        # Start: the invite field, then its button.
        self.tab_to(wd, "invite-input")
        wd.write(self.sim.invite(mid))
        self.tab_to(wd, "open-invite")
        wd.press("Enter")
        wd.wait_screen("consent")
        self.assertEqual(wd.focused(), wd.js("return document.querySelector('#screen-consent h1').id || 'h1'"),
                         "the new screen's heading has focus")
        # Consent: both boxes with Space; the document boxes are reachable.
        self.tab_to(wd, "privacy-text")
        self.tab_to(wd, "privacy-check")
        wd.press("Space")
        self.tab_to(wd, "terms-check")
        wd.press("Space")
        self.assertTrue(wd.prop("#privacy-check", "checked") and wd.prop("#terms-check", "checked"))
        # Shift+Tab goes back to the first box, and Tab forward again.
        self.tab_to(wd, "privacy-check", shift=True)
        self.tab_to(wd, "consent-continue")
        wd.press("Enter")
        # The device check's screen: its heading first, then on by keyboard.
        wd.wait_screen("devices")
        self.assertEqual(wd.focused(), "h1", "the device screen's heading has focus")
        self.tab_to(wd, "devices-camera-off")
        wd.press("Space")
        self.assertTrue(wd.prop("#devices-camera-off", "checked"))
        self.tab_to(wd, "devices-continue")
        wd.press("Enter")
        wd.wait_screen("lobby")
        self.assertEqual(wd.focused(), "h1", "the waiting room's heading has focus")
        self.sim.moderator_enters(mid)
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the guest to knock")
        status = admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"))
        if status:
            # The meeting window has the meeting and the focus; the status
            # window, which stands in for the app's, has "leave". Switched
            # to, its focus is on "show": Tab, Enter.
            status.keys()
            wait_until(lambda: status.focused() == [status.show], "focus on \"show\"")
            status.keys("Tab")
            wait_until(lambda: status.focused() == [status.leave], "Tab to reach \"leave\"")
            status.keys("Return")
        else:
            wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="the meeting")
            # The meeting window has the meeting; the app's window keeps "leave".
            wd.js("window.focus()")
            self.tab_to(wd, "meeting-leave")
            wd.press("Enter")
        wd.wait_screen("ended")
        self.assertEqual(wd.focused(), "ended-heading", "the end is announced: its heading has focus")
        # The user zoomed in (Ctrl and +): the window after "done" keeps it.
        wd.js("for (let i = 0; i < 2; i++) document.dispatchEvent("
              "new KeyboardEvent('keydown', {key: '+', ctrlKey: true, bubbles: true}))")
        self.assertEqual(wd.js("return document.documentElement.style.zoom"), "1.2")
        self.tab_to(wd, "ended-done")
        wd.leaving(lambda: wd.press("Enter"))
        wd.wait_screen("start")
        # Focus is on the new start screen's heading, as on every screen.
        wd.wait_for("return document.activeElement === document.querySelector('#screen-start h1')",
                    what="focus on the start screen's heading")
        self.assertEqual(wd.js("return document.documentElement.style.zoom"), "1.2")

    def test_the_language_switch_remembers_only_when_asked(self):
        settings = os.path.join(self.home.path, ".config", "de.sprechzimmer.desktop", "settings.json")
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        wd.wait_screen("start")
        self.assertFalse(wd.prop("#lang-switch", "hidden"), "the switch is on the start screen")
        choose = "const s = document.getElementById('lang-select'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));"
        wd.js(choose, "ar")
        wd.wait_for("return document.documentElement.lang === 'ar' && document.documentElement.dir === 'rtl'",
                    what="Arabic, right to left")
        self.assertNotEqual(wd.text("#screen-start h1"), "Einladung öffnen")
        self.assertFalse(os.path.exists(settings), "not remembered unless asked")
        # Remembered: the next start is in Ukrainian.
        wd.js(choose, "uk")
        # Clicked only once the page is laid out left to right again: a
        # click aimed while it flips lands where the box was.
        wd.wait_for("return document.documentElement.lang === 'uk' && document.documentElement.dir === 'ltr'",
                    what="Ukrainian, left to right")
        wd.click("#lang-remember")
        self.assertTrue(wd.prop("#lang-remember", "checked"), "the click ticked \"remember\"")
        wait_until(lambda: os.path.exists(settings) and '"uk"' in open(settings).read(), "the choice to be saved")
        self.app.close()
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        wd.wait_screen("start")
        self.assertEqual(wd.js("return document.documentElement.lang"), "uk")
        self.assertTrue(wd.prop("#lang-remember", "checked"))
        # Forgotten again when "remember" is switched off.
        wd.click("#lang-remember")
        wait_until(lambda: '"uk"' not in open(settings).read(), "the choice to be forgotten")

    def test_check_page(self):
        """The device check's page, as `org device-check-page` prints it, in
        headless Chromium with its fake camera and microphone: it finds
        both, shows the picture and the level, offers the devices by name,
        tells its own origin only what it found, and axe-core finds nothing,
        left to right and right to left."""
        import http.server
        import threading
        from chromium_cdp import Chromium
        for lang in ("de", "ar"):
            page = subprocess.run([APP, "org", "device-check-page", "--lang", lang], env=self.home.env(),
                                  capture_output=True, text=True, check=True).stdout
            heard = []

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/check":
                        body = page.encode()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html; charset=utf-8")
                        self.end_headers()
                        self.wfile.write(body)
                    else:
                        heard.append(self.path)
                        self.send_response(204)
                        self.end_headers()

                def log_message(self, *a):
                    pass

            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            chromium = Chromium("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
            try:
                chromium.navigate(f"http://127.0.0.1:{server.server_address[1]}/check")
                chromium.wait_true("document.getElementById('camera-state').textContent !== ''", "the findings")
                wait_until(lambda: "/check/report/ok/ok" in heard, "the page's findings at its origin")
                self.assertEqual(heard, ["/check/report/ok/ok"], "nothing but the closed words")
                self.assertEqual(chromium.eval("document.documentElement.dir"), "rtl" if lang == "ar" else "ltr")
                self.assertTrue(chromium.eval("!document.getElementById('preview').hidden && "
                                              "document.getElementById('preview').srcObject !== null"), "the camera's picture")
                self.assertFalse(chromium.eval("document.getElementById('level-box').hidden"), "the level meter")
                self.assertGreater(chromium.eval("document.getElementById('camera-select').options.length"), 0)
                self.assertEqual(chromium.eval("localStorage.length + sessionStorage.length"), 0, "nothing kept")
                with open(AXE, encoding="utf-8") as f:
                    chromium.eval(f.read())
                found = chromium.page("Runtime.evaluate", {
                    "expression": "axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})"
                                  ".then(r => r.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))]))"
                                  % json.dumps(TAGS),
                    "awaitPromise": True, "returnByValue": True})["result"]["value"]
                self.assertEqual(found, [], f"axe-core on the device check's page in {lang}")
                # "Done": its last word, and the streams stop.
                chromium.eval("document.getElementById('done').click()")
                wait_until(lambda: "/check/done" in heard, "\"done\" at its origin")
                chromium.wait_true("document.getElementById('preview').srcObject === null", "the streams to stop")
            finally:
                chromium.close()
                server.shutdown()

    def tab_to(self, wd, target, shift=False, limit=40):
        """Presses Tab (or Shift+Tab) until `target` has focus."""
        seen = []
        for _ in range(limit):
            wd.press("Tab", shift=shift)
            now = wd.focused()
            seen.append(now)
            if now == target:
                return
        self.fail(f"{target} never took focus; Tab went through {seen}")


if __name__ == "__main__":
    unittest.main()
