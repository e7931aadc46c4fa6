"""End to end: the device check between the consent and the waiting room
(issue 14, part 4).

The check runs in the view the meeting would use: the meeting view's own
process (embedded, as on Windows and macOS) or the fallback browser (Debian's
WebKitGTK has no WebRTC). It has a session folder of its own, which goes
when the check ends, like a meeting's. What the page found reaches the app's
window; Xvfb has no camera or microphone, so the page finds none and the
plain explanation is shown. The client's camera-off choice reaches the
meeting: BigBlueButton's camera-off join, Jitsi's `startWithVideoMuted`.
"""

import shutil
import unittest
import uuid

from harness import (DiskChecks, App, JitsiSim, Sim, TestHome, browser_pids, catalogue, close_window_like_a_user,
                     kill_strays, processes, save_artifacts, skip_on_windows, wait_until, workdir)


LINUX = ("Linux only: the findings rest on Xvfb having no devices, the processes are read from /proc, "
         "and the fallback browser is Unix-only (docs/support-matrix.md)")


def check_views():
    """The meeting view processes (`sprechzimmer meeting-view`) that run."""
    return [pid for pid, (_, cmd) in processes().items() if " meeting-view" in cmd]


class DeviceCheckCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sims = []
        self.app = None
        self.de = catalogue("de")

    def tearDown(self):
        save_artifacts("check-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        kill_strays(self.home)
        for sim in self.sims:
            sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def consent(self, link, name=None):
        self.app = App(self.home, (link,), workdir=self.dir)
        wd = self.app.wd
        wd.wait_screen("consent")
        before = self.home.snapshot()
        wd.click("#privacy-check")
        wd.click("#terms-check")
        if name:
            wd.type("#name-input", name)
        wd.click("#consent-continue")
        wd.wait_screen("devices")
        self.assertFalse(wd.prop("#devices-camera-off", "checked"), "the camera is on unless the client says otherwise")
        return wd, before

    def run_check(self, wd):
        """Opens the check; returns once its page said what it found."""
        wd.click("#devices-check")
        wd.wait_for("return !document.getElementById('devices-running').hidden", what="the check to open")
        self.assertEqual(len(self.home.sessions()), 1, "the check has a session folder of its own")
        wd.wait_for("return !document.getElementById('devices-camera').hidden", what="the check page's findings")
        camera, microphone = wd.text("#devices-camera"), wd.text("#devices-microphone")
        words = {self.de[f"check.{kind}_{found}"]: found
                 for kind in ("camera", "microphone") for found in ("ok", "none", "denied", "busy", "failed")}
        self.assertIn(camera, words, "a finding, in the app's words")
        self.assertIn(microphone, words)
        # Xvfb has no devices: the plain explanation, and the way on stays open.
        self.assertEqual(camera, self.de["check.camera_none"])
        self.assertEqual(microphone, self.de["check.microphone_none"])
        self.assertIn("trotzdem teilnehmen", camera)
        self.assertFalse(wd.prop("#devices-continue", "disabled"))
        return camera, microphone

    def assert_check_gone(self, wd, before):
        wd.wait_for("return !document.getElementById('devices-closed').hidden", what="the check to end")
        self.assertTrue(wd.prop("#devices-running", "hidden"))
        wait_until(lambda: not check_views() and not browser_pids(self.home), "the check's processes to end", timeout=30)
        # Its folder went, and nothing else of it is on disk.
        self.assert_nothing_left(before, ["sessions/sz-"])

    @skip_on_windows(LINUX)
    def test_embedded_check(self):
        """In the meeting view's process: "end the check" closes it and wipes
        its folder; the camera-off join reaches BigBlueButton."""
        sim = Sim(self.dir, "--auto-confirm-end")
        self.sims.append(sim)
        mid, _ = sim.create()
        wd, before = self.consent(sim.invite(mid, name="Kim Klientin"))
        self.run_check(wd)
        self.assertEqual(len(check_views()), 1, "in the meeting view's own process")
        self.assertEqual(browser_pids(self.home), [])
        self.assertEqual(wd.focused(), "devices-stop", "the keyboard is on \"end the check\"")
        wd.click("#devices-stop")
        self.assert_check_gone(wd, before)
        self.assertEqual(wd.focused(), "devices-check", "and back on \"check\" once it ended")
        # Checked again, then on to the waiting room with the camera off:
        # the check closes first.
        self.run_check(wd)
        wd.click("#devices-camera-off")
        wd.click("#devices-continue")
        wd.wait_screen("lobby")
        wait_until(lambda: not check_views() or sim.guests(mid), "the check to close before the meeting")
        sim.moderator_enters(mid)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        joins = [c["query"] for c in sim.calls("join") if "guest=true" in c["query"]]
        self.assertTrue(joins and all("userdata-bbb_auto_share_webcam=false" in q for q in joins), joins)
        self.assertEqual(len(self.home.sessions()), 1, "only the meeting's folder")

    @skip_on_windows(LINUX)
    def test_browser_check(self):
        """In the fallback browser: closing its window ends the check and
        wipes its profile; the camera-off choice reaches Jitsi."""
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "auto"
        sim = JitsiSim(self.dir)
        self.sims.append(sim)
        room = "Beratung-" + uuid.uuid4().hex[:12]
        wd, before = self.consent(sim.invite(room), name="Kim Geprüft")
        self.run_check(wd)
        self.assertTrue(browser_pids(self.home), "in the fallback browser")
        self.assertEqual(check_views(), [])
        cmdlines = " ".join(cmd for pid, (_, cmd) in processes().items() if pid in browser_pids(self.home))
        self.assertIn("--host-resolver-rules=MAP * ~NOTFOUND", cmdlines, "the check's browser resolves no name")
        # Closed like a user closes a window.
        # The browser's own process has the window; once it is asked to
        # close, the others go with it and must not be written to.
        closed = 0
        for pid in browser_pids(self.home):
            closed = close_window_like_a_user(pid, self.de["check.title"], only_visible=True)
            if closed:
                break
        self.assertEqual(closed, 1, "the check's window")
        self.assert_check_gone(wd, before)
        self.assertEqual(sim.participants(room), [], "the check contacts no meeting")
        wd.click("#devices-camera-off")
        wd.click("#devices-continue")
        wait_until(lambda: any(p["status"] == "joined" for p in sim.participants(room)), "the client in the room")
        cfg = sim.participants(room)[0]["config"]
        self.assertEqual(cfg.get("config.startWithVideoMuted"), True, "Jitsi starts with the camera off")

    @skip_on_windows(LINUX)
    def test_cancel_wipes(self):
        """Cancelling while the check runs ends it like a session: closed,
        wiped, and said on the "ended" screen."""
        self.home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "browser"
        sim = Sim(self.dir, "--auto-confirm-end")
        self.sims.append(sim)
        mid, _ = sim.create()
        wd, before = self.consent(sim.invite(mid, name="Kim Abgebrochen"))
        self.run_check(wd)
        wd.click("#devices-cancel")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "cancelled")
        wait_until(lambda: not browser_pids(self.home), "the check's browser to end", timeout=30)
        self.assert_nothing_left(before, ["Kim Abgebrochen", mid])


if __name__ == "__main__":
    unittest.main()
