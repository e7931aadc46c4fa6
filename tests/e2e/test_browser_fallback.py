"""End to end: where the system webview has no WebRTC (Debian 12's
WebKitGTK), the meeting opens in Debian's `chromium` with a throwaway
profile, under the same consent gate, lobby and wipe.

These tests let the app decide for itself (automatic view): the webview
probe must find no WebRTC here and pick Chromium. The browser is observed
through its processes, the simulated servers and the app's main window.
Once the client is admitted, the app's window goes (with its web process)
and a native status window stands in until the session ends: it is read
and worked over AT-SPI, as a screen reader would (issue 15).
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid

from harness import (APP, DiskChecks, App, JitsiSim, Sim, TestHome, admit_client, app_pids, browser_pids,
                     close_window_like_a_user, kill_strays, processes, save_artifacts, skip_on_windows, wait_until,
                     web_processes, window_network_processes, window_web_processes, workdir, through_devices,
                     AtspiWindow, catalogue, library_pages_kb)



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
        through_devices(wd)

    def in_bbb_meeting(self, wd, sim, mid):
        """Consent, knock, admission; the status window then."""
        self.consent(wd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'",
                    what="waiting for admission")
        self.assert_browser_shown(wd)
        return self.released(wd, lambda: sim.control(f"meetings/{mid}/guests/admit"))

    def released(self, wd, admit):
        """`admit` lets the client in: the app's window goes, with its web
        process, and the status window stands in. Commands go to the window
        built again at the end (`wait_screen("ended")` follows it)."""
        status = admit_client(wd, admit)
        shown = status.dump()
        self.assertEqual(shown["role"], "frame")
        self.assertEqual([b["name"] for b in shown["buttons"]], [status.show, status.leave],
                         "both ways, named as on the meeting screen")
        for b in shown["buttons"]:
            self.assertTrue(b["focusable"] and b["sensitive"] and "click" in b["actions"], b)
        # The meeting keeps the focus. Switched to (Alt+Tab; here set
        # directly), the status window's keyboard starts on "show".
        status.keys()
        wait_until(lambda: status.focused() == [status.show], "focus on \"show\"")
        self.assertTrue(any("Chromium" in label for label in shown["labels"]), shown["labels"])
        wait_until(lambda: not web_processes(), "the app's window and its web process to go", timeout=30)
        self.assertTrue(browser_pids(self.home), "the meeting goes on in the browser")
        return status

    def assert_restored(self, wd, reason, status):
        """The session's end brings the app's window back, on "ended"."""
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], reason)
        status.wait_gone()

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
        status = self.in_bbb_meeting(wd, sim, mid)
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
        status.press(status.show)
        self.assertTrue(status.dump(), "the status window stays")
        self.assertTrue(browser_pids(self.home))

        sim.control(f"meetings/{mid}/users/leave")
        self.assert_restored(wd, "ended", status)
        self.assert_browser_gone()
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid]
                                 + [u["token"] for u in sim.state()["meetings"][mid]["users"]])

    def test_the_guard_keeps_the_browser_on_the_meeting(self):
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        status = self.in_bbb_meeting(wd, sim, mid)
        sim.control(f"meetings/{mid}/users/navigate?to=https%3A%2F%2Foutside.example%2Fphish")
        # The status window offers the link, as the app's window would.
        offered = status.wait_label("outside.example")
        names = [b["name"] for b in offered["buttons"]]
        self.assertEqual(names, [status.show, status.leave, status.open_link, status.ignore_link])
        self.assertEqual(status.focused(), [status.show], "an offer takes no keyboard focus: a key meant for the meeting opens nothing")
        status.press(status.ignore_link)
        wait_until(lambda: [b["name"] for b in status.dump()["buttons"]] == [status.show, status.leave], "the offer to go")
        # The page was not taken away: the session goes on.
        self.assertTrue(browser_pids(self.home))
        self.assertFalse([e for e in sim.state()["log"] if "phish" in e["path"]], "nothing fetched the page")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)
        self.assert_browser_gone()
        self.assertEqual(self.home.sessions(), [])

    def test_a_link_the_system_cannot_open_is_said_in_the_status_window(self):
        # A desktop with no program to open links: every tool on PATH but
        # the ones the app would ask (xdg-open and its kin).
        bin_dir = os.path.join(self.dir, "no-opener-bin")
        os.makedirs(bin_dir)
        openers = {"xdg-open", "gio", "gnome-open", "kde-open", "kde-open5", "wslview"}
        for d in ("/usr/local/bin", "/usr/bin", "/bin"):
            for name in os.listdir(d) if os.path.isdir(d) else []:
                if name not in openers and not os.path.exists(os.path.join(bin_dir, name)):
                    os.symlink(os.path.join(d, name), os.path.join(bin_dir, name))
        self.home.extra_env["PATH"] = bin_dir
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        status = self.in_bbb_meeting(wd, sim, mid)
        sim.control(f"meetings/{mid}/users/navigate?to=https%3A%2F%2Foutside.example%2Finfo")
        status.wait_label("outside.example")
        status.press(status.open_link)
        status.wait_alert(catalogue()["error.link.open_failed"])
        self.assertTrue(browser_pids(self.home), "the meeting goes on")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)

    def test_a_link_arriving_during_the_meeting_is_refused_in_the_status_window(self):
        # A second start hands a new invite over while the app's window is
        # released: no page could take it, so the status window says why,
        # and the session's end does not open it later.
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        status = self.in_bbb_meeting(wd, sim, mid)
        other, _ = sim.create()
        handed = subprocess.run([APP, sim.invite(other, name="Zweite Person")], env=self.home.env(), timeout=60,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertEqual(handed.returncode, 0, "the second start hands over and ends")
        shown = status.wait_alert(catalogue()["error.session.busy"])
        self.assertEqual([b["name"] for b in shown["buttons"]], [status.show, status.leave])
        self.assertTrue(browser_pids(self.home), "the meeting goes on")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)
        self.assertEqual(wd.invoke("take_pending_invite"), {"ok": None}, "nothing kept for later")
        self.assertEqual(wd.js("return document.body.dataset.screen"), "ended")
        self.assertEqual(self.home.sessions(), [])

    def test_browser_killed_mid_session_ends_and_wipes(self):
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
        session = self.home.sessions()[0]
        with open(os.path.join(self.home.app_dir(), "sessions", session, "browser.pid")) as f:
            main_pid = int(f.read())
        scratch = scratch_of(session)
        self.assertTrue(os.path.isdir(scratch), "Chromium's temporary files go to the session's scratch folder")
        os.kill(main_pid, signal.SIGKILL)
        self.assert_restored(wd, "closed", status)
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])
        self.assertFalse(os.path.exists(scratch), "the scratch folder went with the session")
        self.assertEqual(self.new_chromium_temp(), [], "nothing in the system's temporary folder either")

    def test_app_killed_takes_the_browser_along_and_next_start_cleans(self):
        sim, mid, wd, before, _ = self.bbb_meeting_in_chromium()
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
        snapshot from before consent, and the status window."""
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        status = self.in_bbb_meeting(wd, sim, mid)
        return sim, mid, wd, before, status

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
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
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
        self.assertTrue(browser_pids(self.home) and status.dump(), "the meeting goes on")
        downloaded = [p for p in self.home.snapshot() if "sprechzimmer-probe" in p]
        self.assertEqual(downloaded, [], "no download lands anywhere")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])

    def test_permissions_beyond_media_are_refused_without_asking(self):
        # Only camera and microphone are granted, to the meeting origin.
        # Anything else the page asks for is refused at once: no prompt the
        # client could wave through, and no question left hanging.
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
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
        self.assertTrue(browser_pids(self.home) and status.dump(), "the meeting goes on")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)
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
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
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
        self.assertTrue(browser_pids(self.home) and status.dump(), "the meeting goes on")
        status.press(status.leave)
        self.assert_restored(wd, "left", status)
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
        # Jitsi's room lets the client straight in: the window goes then.
        status = self.released(wd, lambda: self.consent(wd, name="Kim Pseudonym"))
        ps = wait_until(lambda: [p for p in sim.participants(room) if p["status"] == "joined"], "the client to join")
        self.assertEqual(ps[0]["name"], "Kim Pseudonym")
        cfg = ps[0]["config"]
        self.assertEqual(cfg["config.prejoinConfig.enabled"], False)
        self.assertEqual(cfg["config.disableThirdPartyRequests"], True)
        self.assertEqual(cfg["config.analytics.disabled"], True)

        sim.control(f"rooms/{room}/hangup")
        self.assert_restored(wd, "ended", status)
        self.assert_browser_gone()
        self.assert_nothing_left(before, ["Kim Pseudonym", "Kim%20Pseudonym", room])

    def test_the_keyboard_leaves_from_the_status_window(self):
        # No mouse and no screen reader: focus starts on "show", Tab moves it
        # to "leave", Enter leaves. Keys go to the window as typed keys do.
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
        self.assertEqual(len(status.window_ids()), 1, "one status window, and the app's own window gone")
        self.assertEqual(status.focused(), [status.show])
        status.keys("Tab")
        wait_until(lambda: status.focused() == [status.leave], "Tab to reach \"leave\"")
        status.keys("Return")
        self.assert_restored(wd, "left", status)
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])
        # The window built again is the app's, whole: "done" starts over.
        wd.click_leaving("#ended-done")
        wd.wait_screen("start")

    def test_closing_the_status_window_ends_the_session_and_the_app(self):
        # With no tray, the status window is the app, as its window was:
        # closing it ends the session, wipes, and quits.
        sim, mid, wd, before, status = self.bbb_meeting_in_chromium()
        pids = app_pids()
        self.assertEqual(sum(close_window_like_a_user(pid, ".* Sprechzimmer", only_visible=True) for pid in pids), 1)
        wait_until(lambda: not app_pids(), "the app to quit", timeout=30)
        self.assert_browser_gone()
        self.assert_nothing_left(before, [mid])
        self.assertEqual(sim.guests(mid)[0]["entered"], True)

    def test_the_released_windows_network_process_ends_in_the_browser(self):
        self.network_process_ends("browser")

    def test_the_released_windows_network_process_ends_in_the_embedded_view(self):
        self.network_process_ends("embedded")

    def network_process_ends(self, view):
        """While the window is released, the app ends its web context's
        network process, which WebKit would keep (about 20-30 MB), and
        hands back the pages of WebKit's code its own process still maps.
        WebKit ends the driver's session with the network process, so from
        then on the test reads and works the app as a screen reader does;
        the window built again after the meeting runs from the same code."""
        self.home.extra_env["SPRECHZIMMER_KEEP_NETWORK_PROCESS"] = None
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = view
        sim, mid = self.bbb()
        wd = self.start(sim.invite(mid, name="Kim Klientin"))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        kept = window_network_processes()
        self.assertTrue(kept, "the app's window has its network process")
        webkit = library_pages_kb("libwebkit2gtk")
        self.assertGreater(webkit, 4096, "the window runs WebKit's code")
        self.consent(wd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        status = admit_client(wd, lambda: sim.control(f"meetings/{mid}/guests/admit"))
        wait_until(lambda: not web_processes() if view == "browser" else not window_web_processes(),
                   "the app's window and its web process to go", timeout=30)
        wait_until(lambda: not (window_network_processes() & kept), "the released window's network process to go", timeout=30)
        self.assertFalse(window_network_processes(), "none started meanwhile")
        # WebKit's code only the window ran leaves the app process too.
        wait_until(lambda: library_pages_kb("libwebkit2gtk") < webkit / 4, "WebKit's pages to be handed back", timeout=30)
        wait_until(lambda: sim.guests(mid)[0]["entered"], "the client to enter")

        status.press(status.leave)
        status.wait_gone()
        # The window built again loads its page through a new network process.
        t = catalogue()
        window = AtspiWindow("Sprechzimmer")
        shown = window.wait_button(t["common.done"])
        self.assertIn(t["ended.heading"], shown["headings"], "the \"ended\" screen")
        self.assertTrue(window_network_processes() - kept, "a new network process serves the window")
        if view == "browser":
            self.assert_browser_gone()
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid])
        # The window is whole: "done" starts over.
        window.press(t["common.done"])
        window.wait_button(t["start.open"])

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
