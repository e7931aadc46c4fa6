"""End to end: a whole day in one app run. Session after session, what a
session costs must end with it: after each one the app's process tree has
as many processes as before the first, and no file or process of that
session remains (issue 16).

Both views: the embedded one, whose window runs in a process of its own
(`meeting-view`) that exits with the session, and the fallback browser.
"""

import os
import shutil
import unittest

from harness import (DiskChecks, App, Keyring, Sim, TestHome, accept_counsellor_setup, admit_client, app_tree, browser_pids,
                     fill_counsellor_setup, kill_strays, leave_meeting, save_artifacts, skip_on_windows, wait_until,
                     web_processes, window_web_processes, workdir, through_devices)

CLIENT_SESSIONS = 5
COUNSELLOR_SESSIONS = 2


@skip_on_windows("Linux only: /proc; the Windows workflow checks WebView2's process exit (docs/support-matrix.md)")
class SoakCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end")
        self.app = None
        self.keyring = None

    def tearDown(self):
        save_artifacts("soak-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        kill_strays(self.home)
        self.sim.stop()
        if self.keyring:
            self.keyring.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def settled_tree(self, want):
        """The app's tree once it has `want` processes (a process that is
        ending takes a moment); the tree as it is if it never gets there."""
        try:
            return wait_until(lambda: (lambda t: t if len(t) == want else None)(app_tree()), f"{want} processes", timeout=20)
        except AssertionError:
            return app_tree()

    def client_session(self, wd, i):
        mid, _ = self.sim.create()
        self.sim.moderator_enters(mid)
        name = f"Kim Soak{i}"
        before = self.home.snapshot()
        wd.wait_screen("start")
        wd.js("document.getElementById('invite-input').value = ''")
        wd.type("#invite-input", self.sim.invite(mid, name=name))
        wd.click("#open-invite")
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        wd.click("#consent-continue")
        through_devices(wd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the guest to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="knocking")
        # The page cannot start over (and lose the running session's screen).
        self.assertEqual(wd.invoke("start_over", {"page": "start"}).get("err", {}).get("code"), "session.busy")
        # Admitted, the client needs the app's window no more: it goes (Linux).
        window = window_web_processes()
        self.assertTrue(window, "the app window's web process, found before it goes")
        status = admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"))
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")
        if status:
            wait_until(lambda: not (web_processes() & window), "the app's web process to go with its window", timeout=30)
        else:
            wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="admitted")
        leave_meeting(wd, status)
        wd.wait_screen("ended")
        tokens = [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]
        self.assert_nothing_left(before, [name, name.replace(" ", "+"), mid] + tokens)
        self.done_starts_over(wd, "start")

    def done_starts_over(self, wd, screen):
        """"Done" rebuilds the app's window: a new web process holds the
        page, the session's is gone (what it held and grew with it)."""
        old = web_processes()
        self.assertTrue(old, "the app window's web process")
        wd.click_leaving("#ended-done")
        wd.wait_screen(screen)
        wait_until(lambda: not (web_processes() & old), "the session's web process to end", timeout=20)
        self.assertTrue(web_processes(), "a new web process holds the page")

    def assert_tree_back(self, baseline, after):
        tree = self.settled_tree(len(baseline))
        extra = {pid: cmd for pid, cmd in tree.items() if pid not in baseline}
        self.assertEqual(len(tree), len(baseline), f"after {after}: processes left: {extra}")
        self.assertFalse(browser_pids(self.home), f"after {after}: the fallback browser still runs")

    def run_client_sessions(self):
        wd = self.app.wd
        wd.wait_screen("start")
        baseline = self.settled_tree(3)
        self.assertTrue(baseline, "the app runs")
        for i in range(CLIENT_SESSIONS):
            self.client_session(wd, i)
            self.assert_tree_back(baseline, f"client session {i + 1}")
        return baseline

    def test_client_sessions_in_the_embedded_view(self):
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "embedded"
        self.app = App(self.home, (), workdir=self.dir)
        self.run_client_sessions()

    def test_client_sessions_in_the_fallback_browser(self):
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "browser"
        self.app = App(self.home, (), workdir=self.dir)
        self.run_client_sessions()

    def test_counsellor_sessions_after_client_sessions_embedded(self):
        self.counsellor_day("embedded")

    def test_counsellor_sessions_after_client_sessions_in_the_browser(self):
        self.counsellor_day("browser")

    def counsellor_day(self, view):
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = view
        self.keyring = Keyring(self.home)
        self.app = App(self.home, (), workdir=self.dir)
        baseline = self.run_client_sessions()
        wd = self.app.wd
        wd.wait_screen("start")
        fill_counsellor_setup(wd, self.sim)
        accept_counsellor_setup(wd)
        # The counsellor's tray is a thread of the app, not a process: the
        # baseline stays.
        for i in range(COUNSELLOR_SESSIONS):
            before = self.home.snapshot()
            known = set(self.sim.state()["meetings"])
            wd.wait_screen("counsellor")
            wd.js("document.getElementById('cn-client-name').value = ''")
            wd.type("#cn-client-name", f"Klient Soak{i}")
            wd.click("#cn-start")
            wd.wait_for("return !document.getElementById('cn-running').hidden", what="the session to run")
            wd.wait_for("return document.getElementById('cn-status').dataset.state === 'open'", what="counsellor in the room")
            mid = next(m for m in self.sim.state()["meetings"] if m not in known)
            wd.click("#cn-end")
            wait_until(lambda: self.sim.state()["meetings"][mid]["ended"], "BBB `end`")
            wd.wait_screen("ended")
            tokens = [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]
            self.assert_nothing_left(before, [f"Klient Soak{i}", f"Klient+Soak{i}", mid] + tokens)
            self.done_starts_over(wd, "counsellor")
            self.assert_tree_back(baseline, f"counsellor session {i + 1}")


if __name__ == "__main__":
    unittest.main()
