"""End to end: a counsellor sets up, starts a session, a client joins with
the invite in a second app (its own D-Bus session and home, as on another
computer), the counsellor ends it for everyone, and both are wiped.

The secret goes through a real Secret Service: gnome-keyring-daemon in the
test's D-Bus session, its keyring files in the counsellor's test home, so
the check that no file holds the secret covers the keyring too.
"""

import json
import os
import shutil
import subprocess
import unittest
import urllib.parse

from harness import DiskChecks, App, Keyring, accept_counsellor_setup, Sim, TestHome, save_artifacts, skip_on_windows, wait_until, workdir

SERVICE = "de.sprechzimmer.desktop"



@skip_on_windows("Linux only: a second app in its own D-Bus session (isolated-app.sh) and "
                 "gnome-keyring's Secret Service; Windows keeps the secret in the Credential Manager")
class CounsellorCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end")
        self.apps = []
        # The counsellor's keyring, its files in this test's home.
        self.keyring = Keyring(self.home)

    def stop_keyring(self):
        self.keyring.stop()

    def tearDown(self):
        for i, app in enumerate(self.apps):
            save_artifacts(f"counsellor-{self._testMethodName}-{i}", self.dir, app)
        for app in reversed(self.apps):
            app.close()
        self.sim.stop()
        self.stop_keyring()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, home, *args, isolated=False, workdir_=None):
        app = App(home, args, workdir=workdir_ or self.dir, isolated=isolated)
        self.apps.append(app)
        return app.wd

    def keyring_secret(self):
        name = "bbb:" + urllib.parse.urlsplit(self.sim.base).netloc
        out = subprocess.run(["secret-tool", "lookup", "service", SERVICE, "username", name],
                             capture_output=True, text=True, env=dict(os.environ, HOME=self.home.path))
        return out.stdout if out.returncode == 0 else None

    def account_file(self):
        return os.path.join(self.home.path, ".config", "de.sprechzimmer.desktop", "counsellor.json")

    def set_up(self, wd, secret):
        if wd.screen() == "start":
            wd.click("#open-counsellor")
        wd.wait_screen("counsellor-setup")
        for sel, value in (("#cs-profile", self.sim.base + "/profile.json"),
                           ("#cs-server", self.sim.base + "/bigbluebutton/api"),
                           ("#cs-secret", secret), ("#cs-name", "Beratung Nord")):
            wd.js("document.querySelector(arguments[0]).value = ''", sel)
            wd.type(sel, value)
        wd.click("#cs-save")

    def test_setup_session_round_trip_and_removal(self):
        wd = self.start(self.home)
        wd.wait_screen("start")

        # A wrong secret is caught at setup and nothing is stored.
        self.set_up(wd, "not-the-secret")
        # The message sits by the secret's field, tied to it.
        wd.wait_for("const e = document.getElementById('cs-secret-error');"
                    "return e && !e.hidden && e.textContent.includes('Zugangsschlüssel nicht angenommen') &&"
                    " document.getElementById('cs-secret').getAttribute('aria-invalid') === 'true' &&"
                    " document.getElementById('cs-secret').getAttribute('aria-describedby').includes('cs-secret-error')",
                    what="the wrong-secret message")
        self.assertEqual(wd.screen(), "counsellor-setup")
        self.assertFalse(os.path.exists(self.account_file()))
        self.assertIsNone(self.keyring_secret())

        # The right one: stored in the keyring only, then the counsellor consent.
        self.set_up(wd, self.sim.secret)
        wd.wait_screen("counsellor-consent")
        self.assertEqual(self.keyring_secret(), self.sim.secret)
        self.assertIn("AGB für BeraterInnen", wd.text("#cc-terms-title"))
        self.assertTrue(wd.prop("#cc-continue", "disabled"))
        wd.click("#cc-privacy-check")
        self.assertTrue(wd.prop("#cc-continue", "disabled"), "both texts must be accepted")
        wd.click("#cc-terms-check")
        # The wrong-secret toast may still cover the bottom of the window.
        wd.js("document.getElementById('cc-continue').click()")
        wd.wait_screen("counsellor")
        with open(self.account_file()) as f:
            account = json.load(f)
        self.assertEqual(account["consent"]["termsVersion"], "2026-11")
        self.assertIn("givenAt", account["consent"])
        before = self.home.snapshot()

        # Start: BBB `create` with the safe parameters, the counsellor in the meeting window.
        wd.type("#cn-client-name", "Kim Klientin")
        wd.click("#cn-start")
        wd.wait_for("return !document.getElementById('cn-running').hidden", what="the running session")
        invite = wd.prop("#cn-invite", "value")
        self.assertTrue(invite.startswith("sprechzimmer://join?v=1&provider=bbb"))

        # Copied for the client, marked so clipboard managers keep no history
        # of it (KDE's hint, which Klipper and others honour).
        wd.click("#cn-copy")

        def clipboard(*target):
            r = subprocess.run(["xclip", "-selection", "clipboard", "-o", *target], capture_output=True, text=True, timeout=10)
            return r.stdout if r.returncode == 0 else ""
        wait_until(lambda: clipboard() == invite, "the invite on the clipboard")
        self.assertIn("x-kde-passwordManagerHint", clipboard("-t", "TARGETS").split())
        self.assertEqual(clipboard("-t", "x-kde-passwordManagerHint"), "secret")
        meetings = self.sim.state()["meetings"]
        self.assertEqual(len(meetings), 1)
        mid, meeting = next(iter(meetings.items()))
        params = meeting["createParams"]
        for key, value in (("guestPolicy", "ASK_MODERATOR"), ("record", "false"), ("autoStartRecording", "false"),
                           ("allowStartStopRecording", "false"), ("endWhenNoModerator", "true")):
            self.assertEqual(params.get(key), value, key)
        self.assertFalse([k for k in params if k.startswith("meta_")], "no personal data in meta_")
        self.assertNotIn("Kim", json.dumps(params), "the client's name is not in the meeting's data")
        self.assertGreaterEqual(len(mid), 32, "a long random meeting ID")
        self.assertTrue(meeting["logoutURL"].endswith("/?sprechzimmer=ended"))
        wait_until(lambda: any(u["role"] == "MODERATOR" and u["entered"] for u in self.sim.guests_all(mid)),
                   "the counsellor in the meeting")
        wd.wait_for("return document.getElementById('cn-status').dataset.state === 'open'", what="counsellor in the room")

        # The client, on "another computer", joins with the invite.
        client_dir = os.path.join(self.dir, "client")
        os.makedirs(client_dir)
        client_home = TestHome(client_dir)
        cwd = self.start(client_home, invite, isolated=True, workdir_=client_dir)
        cwd.wait_screen("consent")
        self.assertIn("Kim Klientin", cwd.text("#consent-name"))
        client_before = client_home.snapshot()
        cwd.click("#privacy-check")
        cwd.click("#terms-check")
        cwd.click("#consent-continue")
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the client to knock")
        self.sim.control(f"meetings/{mid}/guests/admit")  # what the counsellor does in BBB's client
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")
        cwd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="client admitted")

        # End for everyone.
        wd.click("#cn-end")
        wait_until(lambda: self.sim.state()["meetings"][mid]["ended"], "BBB `end`")
        self.assertTrue(any("checksum=" in c["query"] for c in self.sim.calls("end")), "a signed end call")
        wd.wait_screen("ended")
        cwd.wait_screen("ended")
        self.assertEqual(cwd.prop("#ended-reason", "dataset")["reason"], "ended")
        wait_until(lambda: clipboard() != invite, "the invite off the clipboard at the end")
        tokens = [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]
        self.assert_nothing_left(before, [mid, "Kim Klientin", "Kim+Klientin", self.sim.secret] + tokens)
        after_client = client_home.snapshot()
        self.assertEqual(sorted(p for p in after_client if p not in client_before), [], "the client's app left files")
        self.assertEqual(client_home.grep([mid, "Kim Klientin", "Kim+Klientin"] + tokens), [])

        # Removing the account removes the secret.
        wd.click("#ended-done")
        wd.click("#open-counsellor")
        wd.wait_screen("counsellor")
        wd.click("#cn-remove")
        wd.wait_screen("start")
        self.assertIsNone(self.keyring_secret())
        self.assertFalse(os.path.exists(self.account_file()))
        self.assertEqual(self.home.grep([self.sim.secret]), [], "the secret is in no file under the home")

    def test_jitsi_room_with_lobby_then_end_for_everyone(self):
        from harness import JitsiSim
        jitsi = JitsiSim(self.dir)
        try:
            wd = self.start(self.home)
            wd.wait_screen("start")
            wd.click("#open-counsellor")
            wd.wait_screen("counsellor-setup")
            wd.js("document.getElementById('cs-provider').value = 'jitsi';"
                  "document.getElementById('cs-provider').dispatchEvent(new Event('change'))")
            self.assertFalse(wd.prop("#cs-appid-field", "hidden"))
            wd.type("#cs-profile", jitsi.base + "/profile.json")
            wd.type("#cs-server", jitsi.base)
            wd.type("#cs-name", "Beratung Nord")
            accept_counsellor_setup(wd)
            before = self.home.snapshot()
            wd.click("#cn-start")
            wd.wait_for("return !document.getElementById('cn-running').hidden", what="the running session")
            invite = wd.prop("#cn-invite", "value")
            self.assertIn("provider=jitsi", invite)
            room = urllib.parse.parse_qs(urllib.parse.urlsplit(invite).query)["room"][0].rsplit("/", 1)[1]
            self.assertRegex(room, r"^Beratung-[0-9a-f]{24}$", "an unguessable room")
            state = lambda: jitsi.state()["rooms"].get(room.lower(), {})
            wait_until(lambda: any(p["status"] == "joined" for p in state().get("participants", {}).values()),
                       "the counsellor in the room")
            wait_until(lambda: state().get("lobby"), "the lobby switched on by the counsellor")
            moderator = next(iter(state()["participants"].values()))
            self.assertEqual(moderator["name"], "Beratung Nord")
            # A client knocks (here: straight at the simulated server): the
            # counsellor's page hears it and the app raises a notification.
            jitsi.control("api/join?" + urllib.parse.urlencode({"room": room, "name": "Kim", "config": "{}", "jwt": ""}))
            log = os.path.join(self.dir, "driver.log")
            wait_until(lambda: "a client is waiting" in open(log).read(), "the waiting-client signal")
            wd.click("#cn-end")
            wait_until(lambda: state().get("ended"), "the conference ended for everyone")
            self.assertEqual(state()["endedBy"], state()["lobbyBy"], "by the counsellor's page")
            wd.wait_screen("ended")
            self.assert_nothing_left(before, [room])
        finally:
            jitsi.stop()

    def cli(self, *args, stdin=b""):
        from harness import APP
        return subprocess.run([APP, *args], input=stdin, capture_output=True, env=self.home.env(), timeout=60)

    def test_command_line_setup_session_start_and_end(self):
        api = self.sim.base + "/bigbluebutton/api"
        setup = ["counsellor", "setup", "--profile", self.sim.base + "/profile.json", "--bbb", api, "--name", "Beratung Nord"]
        wrong = self.cli(*setup, stdin=b"wrong\n")
        self.assertEqual(wrong.returncode, 2)
        self.assertIn(b"[counsellor.wrong_secret]", wrong.stderr)
        self.assertFalse(os.path.exists(self.account_file()))

        ok = self.cli(*setup, stdin=self.sim.secret.encode() + b"\n")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(self.keyring_secret(), self.sim.secret)
        show = self.cli("counsellor", "show")
        self.assertEqual(show.returncode, 0)
        self.assertIn("Zugangsschlüssel: im Schlüsselbund".encode(), show.stdout, "German, as the system is")
        self.assertNotIn(self.sim.secret.encode(), show.stdout + show.stderr, "the secret is never printed")

        # Without the counsellor's consent, no session.
        refused = self.cli("session", "start", "--print-invite")
        self.assertEqual(refused.returncode, 2)
        self.assertIn(b"[counsellor.consent_required]", refused.stderr)
        self.assertEqual(self.sim.calls("create"), [], "nothing was created")

        # Consent in the app, then quit it.
        wd = self.start(self.home)
        wd.click("#open-counsellor")
        wd.wait_screen("counsellor-consent")
        wd.click("#cc-privacy-check")
        wd.click("#cc-terms-check")
        wd.click("#cc-continue")
        wd.wait_screen("counsellor")
        self.apps.pop().close()
        before = self.home.snapshot()

        from harness import APP
        proc = subprocess.Popen([APP, "session", "start", "--print-invite", "--client", "Kim Klientin"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.home.env())
        try:
            invite = proc.stdout.readline().decode().strip()
            self.assertTrue(invite.startswith("sprechzimmer://join?v=1&provider=bbb"), invite)
            mid = next(iter(self.sim.state()["meetings"]))
            wait_until(lambda: any(u["role"] == "MODERATOR" and u["entered"] for u in self.sim.guests_all(mid)),
                       "the counsellor in the meeting")
            again = self.cli("session", "start")
            self.assertEqual(again.returncode, 1, "one app at a time")

            end = self.cli("session", "end")
            self.assertEqual(end.returncode, 0, end.stderr)
            wait_until(lambda: self.sim.state()["meetings"][mid]["ended"], "BBB `end` from the command line")
            wait_until(lambda: not self.home.sessions(), "the counsellor's session folder to go")
        finally:
            proc.terminate()
            proc.wait(30)
        self.assert_nothing_left(before, [mid, "Kim Klientin", "Kim+Klientin", self.sim.secret])
        self.assertEqual(self.cli("session", "end").returncode, 1, "no app, no session")
        removed = self.cli("counsellor", "remove")
        self.assertEqual(removed.returncode, 0)
        self.assertIsNone(self.keyring_secret())

    def test_tray_start_holds_no_webview(self):
        """Autostart runs `sprechzimmer --tray`: with a counsellor access the
        app sits in the tray with no window, so no WebKit process exists."""
        from harness import APP, processes
        setup = ["counsellor", "setup", "--profile", self.sim.base + "/profile.json",
                 "--bbb", self.sim.base + "/bigbluebutton/api", "--name", "Beratung Nord"]
        done = self.cli(*setup, stdin=self.sim.secret.encode())
        self.assertEqual(done.returncode, 0, done.stderr)
        log = os.path.join(self.dir, "tray.log")
        with open(log, "wb") as err:
            proc = subprocess.Popen([APP, "--tray"], stdout=subprocess.DEVNULL, stderr=err, env=self.home.env())
        try:
            wait_until(lambda: b"started in the tray, without a window" in open(log, "rb").read(), "the tray start")
            tree = {pid for pid, (pgid, cmd) in processes().items() if pid == proc.pid}
            children = [cmd for pid, (pgid, cmd) in processes().items() if self.parent_of(pid) == proc.pid]
            self.assertEqual(tree, {proc.pid})
            self.assertFalse([c for c in children if "WebKit" in c], f"no webview in the tray: {children}")

            # A client link clicked now reaches the tray app, which builds its
            # window again; the window takes the link and shows where it
            # leads, having contacted nothing yet.
            mid, _ = self.sim.create()
            seen = len(self.sim.state()["log"])
            handed = self.cli(self.sim.invite(mid))
            self.assertEqual(handed.returncode, 0, "the second start hands over and exits")
            wait_until(lambda: b"a link arrived; shown before anything is contacted" in open(log, "rb").read(),
                       "the rebuilt window to take the link")
            self.assertEqual(self.sim.state()["log"][seen:], [], "nothing contacted before the user goes on")
        finally:
            proc.terminate()
            proc.wait(30)

    @staticmethod
    def parent_of(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None


if __name__ == "__main__":
    unittest.main()
