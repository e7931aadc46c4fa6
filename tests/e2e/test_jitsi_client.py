"""End to end: a client joins a Jitsi Meet session with the same guarantees.

The meeting window shows our host page (its own scheme, no capability) with
the simulated server's IFrame API; the test observes the conference side
through the simulator and plays the moderator through its controls.
"""

import os
import shutil
import signal
import time
import unittest
import uuid

from harness import App, JitsiSim, TestHome, app_pids, save_artifacts, workdir


class JitsiCase(unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = JitsiSim(self.dir)
        self.app = None
        self.room = "Beratung-" + uuid.uuid4().hex[:12]

    def tearDown(self):
        save_artifacts("jitsi-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, *args, env=None):
        self.app = App(self.home, args, workdir=self.dir)
        return self.app.wd

    def wait_participant(self, status):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ps = self.sim.participants(self.room)
            if any(p["status"] == status for p in ps):
                return ps
            time.sleep(0.2)
        self.fail(f"no participant {status}: {self.sim.participants(self.room)}")

    def consent(self, wd, name="Kim"):
        wd.wait_screen("consent")
        self.assertFalse(wd.prop("#name-field", "hidden"), "Jitsi lets the client choose a name")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        self.assertTrue(wd.prop("#consent-continue", "disabled"), "a name is needed")
        wd.type("#name-input", name)
        wd.click("#consent-continue")

    def assert_nothing_left(self, before, needles):
        after = self.home.snapshot()
        self.assertEqual(sorted(p for p in after if p not in before), [], "the session left files behind")
        self.assertEqual(self.home.sessions(), [])
        self.assertEqual(self.home.grep(needles), [], "session data found on disk")

    def test_happy_path_then_hang_up(self):
        wd = self.start(self.sim.invite(self.room))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.consent(wd, name="Kim Pseudonym")
        ps = self.wait_participant("joined")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="joined")
        cfg = ps[0]["config"]
        self.assertEqual(ps[0]["name"], "Kim Pseudonym", "the chosen name is used")
        self.assertEqual(cfg["config.prejoinConfig.enabled"], False)
        self.assertEqual(cfg["config.prejoinPageEnabled"], False)
        self.assertEqual(cfg["config.disableDeepLinking"], True)
        self.assertEqual(cfg["config.disableThirdPartyRequests"], True)
        self.assertEqual(cfg["config.analytics.disabled"], True)
        self.assertEqual(cfg["config.gravatar.disabled"], True)
        self.assertEqual(cfg["config.doNotStoreRoom"], True)
        self.assertEqual(cfg["config.defaultLanguage"], "de")
        self.sim.control(f"rooms/{self.room}/hangup")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "ended")
        self.assert_nothing_left(before, ["Kim Pseudonym", self.room])


if __name__ == "__main__":
    unittest.main()
