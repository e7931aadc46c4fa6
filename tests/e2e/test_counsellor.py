"""End to end: a counsellor sets up, starts a session, a client joins with
the invite in a second app (its own D-Bus session and home, as on another
computer), the counsellor ends it for everyone, and both are wiped.

The secret goes through a real Secret Service: gnome-keyring-daemon in the
test's D-Bus session, its keyring files in the counsellor's test home, so
the check that no file holds the secret covers the keyring too.
"""

import json
import os
import re
import shutil
import subprocess
import unittest
import urllib.parse

from harness import DiskChecks, RELEASES_WINDOW, App, Keyring, accept_counsellor_setup, close_window_like_a_user, fill_counsellor_setup, Sim, TestHome, parent_of, processes, save_artifacts, skip_on_windows, wait_until, workdir, through_devices

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
        fill_counsellor_setup(wd, self.sim, secret)
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
        through_devices(cwd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the client to knock")
        cwd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="client knocks")
        if RELEASES_WINDOW:
            # Admitted, the client's app gives its window up until the end
            # (its status window is on that app's own D-Bus, out of reach here).
            cwd.left_window = cwd.window()
        self.sim.control(f"meetings/{mid}/guests/admit")  # what the counsellor does in BBB's client
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")
        if not RELEASES_WINDOW:
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

        # "Done" leads back to the counsellor's screen (a fresh window);
        # removing the account removes the secret.
        wd.click_leaving("#ended-done")
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

    def set_up_from_command_line(self):
        setup = ["counsellor", "setup", "--profile", self.sim.base + "/profile.json",
                 "--bbb", self.sim.base + "/bigbluebutton/api", "--name", "Beratung Nord"]
        done = self.cli(*setup, stdin=self.sim.secret.encode())
        self.assertEqual(done.returncode, 0, done.stderr)

    def start_tray(self, log):
        """`sprechzimmer --tray`, as autostart runs it."""
        from harness import APP
        with open(log, "wb") as err:
            return subprocess.Popen([APP, "--tray"], stdout=subprocess.DEVNULL, stderr=err, env=self.home.env())

    def wait_log(self, log, text, what):
        """Waits for `text` in `log`; a timeout shows the log."""
        try:
            wait_until(lambda: text.encode() in open(log, "rb").read(), what)
        except AssertionError:
            raise AssertionError(f"timed out waiting for {what}; {log}:\n" + open(log, errors="replace").read()[-3000:])

    def dbus(self, *args):
        # UTF-8 output, or gdbus prints '?' for every umlaut.
        out = subprocess.run(["gdbus", "call", "--session", *args], capture_output=True, text=True, timeout=30,
                             env=dict(self.home.env(), LC_ALL="C.UTF-8"))
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def tray_item(self, pid):
        """The agent's StatusNotifierItem on the session bus."""
        names = self.dbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                          "--method", "org.freedesktop.DBus.ListNames")
        found = re.findall(rf"org\.kde\.StatusNotifierItem-{pid}-\d+", names)
        return found[0] if found else None

    def test_tray_start_is_the_agent_without_webview_or_gtk(self):
        """Autostart runs `sprechzimmer --tray`: with a counsellor access
        that process becomes the tray agent, which maps no WebKit and no
        GTK, and offers the tray's menu in the user's language."""
        self.set_up_from_command_line()
        log = os.path.join(self.dir, "tray.log")
        proc = self.start_tray(log)
        try:
            self.wait_log(log, "tray agent: in the tray, without a window", "the agent")
            self.assertTrue(os.readlink(f"/proc/{proc.pid}/exe").endswith("/sprechzimmer-tray"), "the same process, now the agent")
            maps = open(f"/proc/{proc.pid}/maps").read()
            for lib in ("libwebkit2gtk", "libjavascriptcoregtk", "libgtk-3", "libgdk-3"):
                self.assertNotIn(lib, maps, f"the agent maps no {lib}")
            children = [pid for pid in processes() if parent_of(pid) == proc.pid]
            self.assertEqual(children, [], "no helper processes")

            item = wait_until(lambda: self.tray_item(proc.pid), "the agent's tray item on D-Bus")
            layout = self.dbus("--dest", item, "--object-path", "/MenuBar", "--method",
                               "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]")
            for label in ("Beratung starten …", "Sprechzimmer öffnen", "Einstellungen", "Beenden"):
                self.assertIn(label, layout, "German, as the system is")

            # A second autostart finds the agent and leaves it alone.
            again = os.path.join(self.dir, "tray2.log")
            second = self.start_tray(again)
            self.assertEqual(second.wait(60), 0)
            self.assertIsNone(proc.poll(), "the first agent still runs")

            # Logging out sends SIGTERM: the agent ends and takes its socket along.
            sock = os.path.join(self.home.path, ".cache", "de.sprechzimmer.desktop", "tray.sock")
            self.assertTrue(os.path.exists(sock))
            proc.terminate()
            self.assertEqual(proc.wait(30), 0)
            self.assertFalse(os.path.exists(sock), "no socket left after a logout")
        finally:
            proc.terminate()
            proc.wait(30)

    def test_a_link_while_the_agent_runs_opens_the_app_and_the_agent_leaves(self):
        """A client link clicked while only the agent runs starts the full
        app: the agent takes its tray down first, and the app shows where
        the link leads, having contacted nothing yet."""
        from harness import APP
        self.set_up_from_command_line()
        log = os.path.join(self.dir, "tray.log")
        agent = self.start_tray(log)
        app_log = os.path.join(self.dir, "app.log")
        app = None
        try:
            self.wait_log(log, "tray agent: in the tray, without a window", "the agent")
            mid, _ = self.sim.create()
            seen = len(self.sim.state()["log"])
            with open(app_log, "wb") as err:
                app = subprocess.Popen([APP, self.sim.invite(mid)], stdout=subprocess.DEVNULL, stderr=err, env=self.home.env())
            self.assertEqual(agent.wait(60), 0, "the agent left")
            self.assertIn(b"tray agent: the app takes the tray over", open(log, "rb").read())
            self.wait_log(app_log, "a link arrived; shown before anything is contacted", "the app to take the link")
            self.assertIn(b"took the tray over from the tray agent", open(app_log, "rb").read())
            self.assertEqual(self.sim.state()["log"][seen:], [], "nothing contacted before the user goes on")
            self.assertFalse(os.path.exists(os.path.join(self.home.path, ".cache", "de.sprechzimmer.desktop", "tray.sock")),
                             "the agent removed its socket")
        finally:
            for p in (agent, app):
                if p and p.poll() is None:
                    p.terminate()
                    p.wait(30)

    def test_the_agents_menu_opens_the_app_and_closing_its_window_hands_back(self):
        """"Sprechzimmer öffnen" in the agent's menu starts the full app,
        which takes the tray over; closing its window with no session
        running hands the tray back to a new agent and ends the app, so no
        webview stays behind."""
        self.set_up_from_command_line()
        log = os.path.join(self.dir, "tray.log")
        agent = self.start_tray(log)
        try:
            self.wait_log(log, "tray agent: in the tray, without a window", "the agent")
            item = wait_until(lambda: self.tray_item(agent.pid), "the agent's tray item on D-Bus")
            # A click on the icon, as the desktop's tray host sends it.
            self.dbus("--dest", item, "--object-path", "/StatusNotifierItem", "--method",
                      "org.kde.StatusNotifierItem.Activate", "0", "0")
            self.assertEqual(agent.wait(60), 0, "the agent left for the app")
            app = wait_until(lambda: [p for p, (_, cmd) in processes().items()
                                      if cmd.split(" ")[0].endswith("/sprechzimmer")], "the full app")[0]
            wait_until(lambda: "WebKitWebProcess" in " ".join(cmd for p, (_, cmd) in processes().items()
                                                             if parent_of(p) == app), "the app's window")
            # The window manager's close button.
            wait_until(lambda: close_window_like_a_user(app), "the app's window to close")
            wait_until(lambda: not os.path.exists(f"/proc/{app}") or open(f"/proc/{app}/stat").read().split(")")[1].split()[0] == "Z",
                       "the app to end")
            agents = wait_until(lambda: [p for p, (_, cmd) in processes().items() if cmd.split(" ")[0].endswith("/sprechzimmer-tray")],
                                "a new agent")
            wait_until(lambda: self.tray_item(agents[0]), "its tray item")
            # WebKit's own processes, by program (a WebDriver's command line
            # names WebKitWebDriver too).
            webkit = ("WebKitWebProcess", "WebKitNetworkProcess", "WebKitGPUProcess")
            wait_until(lambda: not [c for p, (_, c) in processes().items() if os.path.basename(c.split(" ")[0]) in webkit],
                       "the webview's processes to end")
        finally:
            if agent.poll() is None:
                agent.terminate()
            subprocess.run(["pkill", "-f", "sprechzimmer-tray"], capture_output=True)


if __name__ == "__main__":
    unittest.main()
