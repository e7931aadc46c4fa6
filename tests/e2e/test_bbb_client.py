"""End to end: a client joins a BigBlueButton session in the real app window.

The meeting window runs in its own (incognito) WebKit context, which WebDriver
cannot drive; the meeting side is observed through the simulated server's
state and through what the app's main window shows.
"""

import os
import shutil
import time
import unittest

import signal
import subprocess
import sys
import urllib.parse

from harness import (DiskChecks, APP, App, JitsiSim, Sim, TestHome, admit_client, app_pids, leave_meeting,
                     meeting_goes_on, save_artifacts, skip_on_windows, wait_until, workdir, through_devices)

# Windows (SZ_E2E_PLATFORM=windows) runs the happy path with its wipe check,
# the navigation guard for the page and for its frames, the hand-over to a
# running app and the crash sweep.
NEUTRAL = "not in the Windows subset: platform-neutral (Rust and UI), run on Linux"
ENDINGS = ("not in the Windows subset: every ending goes through the wipe the happy path "
           "checks on Windows; run on Linux")

class ClientCase(DiskChecks, unittest.TestCase):
    sim_args = ("--auto-confirm-end",)

    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, *self.sim_args)
        self.app = None

    def tearDown(self):
        # Screenshot and logs of every test end up in target/e2e for a look.
        save_artifacts(self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- helpers ----

    def start(self, *args, confirm_arrival=True):
        if getattr(self, "home_env_lang", None):
            self.home.lang = self.home_env_lang
        self.app = App(self.home, args, workdir=self.dir, confirm_arrival=confirm_arrival)
        return self.app.wd

    def running_meeting(self):
        mid, create_time = self.sim.create()
        self.sim.moderator_enters(mid)
        return mid, create_time

    def consent(self, wd):
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        wd.click("#consent-continue")
        through_devices(wd)

    def wait_guest(self, mid, status="WAIT"):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            guests = self.sim.guests(mid)
            if any(g["status"] == status for g in guests):
                return guests
            time.sleep(0.2)
        self.fail(f"no guest with status {status} in {self.sim.guests(mid)}")

    def wait_entered(self, mid):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if any(g["entered"] for g in self.sim.guests(mid)):
                return
            time.sleep(0.2)
        self.fail("the client never entered the meeting")

    def join_and_admit(self, wd, mid, while_knocking=None):
        """Consent, knock, admission. On Linux the app's window then gives
        way to the status window, returned (`harness.admit_client`);
        `while_knocking` runs before, with the app's window still there."""
        self.consent(wd)
        self.wait_guest(mid, "WAIT")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'",
                    what="waiting for admission")
        if while_knocking:
            while_knocking()
        status = admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"))
        self.wait_entered(mid)
        if not status:
            wd.wait_screen("meeting")
            wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="admitted")
        return status

    def guest_joins(self):
        return [c for c in self.sim.calls("join") if "guest=true" in c["query"]]

    def tokens(self, mid):
        return [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]

    # ---- tests ----

    def test_happy_path_leaves_nothing_behind(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid, name="Kim Klientin"))
        wd.wait_screen("consent")
        self.assertEqual(wd.text("#consent-org"), "Demo-Beratungsstelle Sprechzimmer")
        self.assertIn("Kim Klientin", wd.text("#consent-name"))
        self.assertIn("Datenschutzerklärung", wd.text("#privacy-title"))
        self.assertIn("AGB", wd.text("#terms-title"))
        self.assertIn("datenschutz@demo-beratung.invalid", wd.text("#withdrawal-contact"))
        before = self.home.snapshot()

        self.join_and_admit(wd, mid)
        guest = self.sim.guests(mid)[0]
        self.assertEqual(guest["fullName"], "Kim Klientin")
        self.assertTrue(guest["guest"])
        self.assertEqual(guest["role"], "VIEWER")
        self.assertEqual(len(self.home.sessions()), 1, "a running session has its folder")
        if sys.platform.startswith("linux"):
            # The invite came as argv[1]; every local user can read a
            # process's command line, so the running app no longer shows it.
            secrets = ["Kim", "Klientin", mid, "checksum", "sprechzimmer:"] + self.tokens(mid)
            self.assertTrue(app_pids(), "the app is running")
            for pid in app_pids():
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    shown = f.read().decode("utf-8", errors="replace")
                for s in secrets:
                    self.assertNotIn(s, shown, f"process {pid} shows part of the invite")

        # The client presses "leave" in the BBB client: it goes to the logoutURL.
        self.sim.control(f"meetings/{mid}/users/leave")
        wd.wait_screen("ended")
        self.assertEqual(wd.text("#ended-heading"), "Die Beratung ist beendet")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "ended")
        removed = wd.text("#ended-list")
        self.assertIn("Cookies", removed)
        self.assertIn("Ihr Name", removed)
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"})
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid] + self.tokens(mid))

        # "Done": a new start screen (on Linux a new window, elsewhere the
        # page loaded anew) with nothing of the session in it.
        wd.click_leaving("#ended-done")
        wd.wait_screen("start")
        self.assertEqual(wd.prop("#invite-input", "value"), "")
        self.assertNotIn("Kim", wd.js("return document.body.innerText"))
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"})

    @skip_on_windows(NEUTRAL)
    def test_unticked_consent_blocks_lobby_and_meeting(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        self.assertTrue(wd.prop("#consent-continue", "disabled"))
        wd.click("#privacy-check")
        self.assertTrue(wd.prop("#consent-continue", "disabled"), "one box is not enough")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        self.assertTrue(wd.prop("#consent-continue", "disabled"))

        # Whatever the UI sends, Rust decides: straight to the lobby is refused,
        # and so is the device check, which opens a window of the meeting's kind…
        self.assertEqual(wd.invoke("enter_lobby", {"cameraOff": False})["err"]["code"], "consent.required")
        self.assertEqual(wd.invoke("start_device_check")["err"]["code"], "consent.required")
        self.assertEqual(self.home.sessions(), [], "no check's folder without consent")
        # …and so is a forged consent for texts that were never shown.
        self.assertEqual(wd.invoke("session_status"), {"ok": "awaiting_consent"})
        res = wd.invoke("give_consent", {"request": {
            "sessionId": "forged", "privacyAccepted": True, "termsAccepted": True,
            "privacyDigest": "0" * 64, "termsDigest": "0" * 64}})
        self.assertIn(res["err"]["code"], ("consent.wrong_session", "consent.outdated"))
        self.assertEqual(wd.invoke("enter_lobby", {"cameraOff": False})["err"]["code"], "consent.required")
        self.assertEqual(wd.invoke("session_status"), {"ok": "awaiting_consent"})
        self.assertEqual(self.sim.calls("isMeetingRunning"), [], "no lobby without consent")
        self.assertEqual(self.guest_joins(), [], "no meeting without consent")

    @skip_on_windows(NEUTRAL)
    def test_lobby_waits_until_the_counsellor_opens_the_room(self):
        mid, _ = self.sim.create()
        wd = self.start(self.sim.invite(mid))
        self.consent(wd)
        wd.wait_screen("lobby")
        wd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'", what="waiting")
        self.assertIn("noch nicht geöffnet", wd.text("#lobby-status"))
        self.assertEqual(self.guest_joins(), [], "no join while the room is closed")
        self.assertEqual(wd.text("#lobby-schedule"), "", "no appointment time in this invite")
        self.assertGreaterEqual(len(self.sim.calls("isMeetingRunning")), 1)

        self.sim.moderator_enters(mid)
        self.wait_guest(mid, "WAIT")
        wd.wait_screen("meeting")
        if not admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit")):
            wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="admitted")
        self.wait_entered(mid)

    @skip_on_windows(NEUTRAL)
    def test_lobby_counts_down_to_the_appointment(self):
        mid, _ = self.sim.create()
        wd = self.start(self.sim.invite(mid, at="2099-01-01T09:30:00Z"))
        wd.wait_screen("consent")
        self.assertIn("2099", wd.text("#consent-time"))
        self.consent(wd)
        wd.wait_screen("lobby")
        wd.wait_for("return document.getElementById('lobby-schedule').textContent.includes('Ihr Termin beginnt in')",
                    what="countdown")

    def test_meeting_is_held_to_the_meeting_host(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))

        def not_offered_links_are_refused():
            # Links the app did not offer cannot be opened through it.
            for url in ("https://not-offered.example/", "javascript:alert(1)", "file:///etc/passwd"):
                self.assertIn("err", wd.invoke("open_external", {"url": url}), url)

        status = self.join_and_admit(wd, mid, while_knocking=not_offered_links_are_refused)
        # A top-level navigation to another host is blocked and offered in the app.
        self.sim.control(f"meetings/{mid}/users/navigate?to=https%3A%2F%2Foutside.example%2Fphish")
        if status:
            status.wait_label("outside.example")
            status.press(status.ignore_link)
        else:
            wd.wait_for("return !document.getElementById('external-offer').hidden", what="offer")
            self.assertIn("outside.example", wd.text("#external-url"))
            wd.click("#external-ignore")
            self.assertEqual(wd.screen(), "meeting")
        # The meeting goes on: the page was not taken away from the client.
        self.assertTrue(meeting_goes_on(wd, status))
        self.assertFalse([e for e in self.sim.state()["log"] if "phish" in e["path"]], "nothing fetched the page")

    def test_frames_in_the_meeting_are_held_to_the_meeting_host(self):
        # WebView2 reports a frame's navigation apart from the page's
        # (FrameNavigationStarting), so this is a test of its own on Windows.
        # The meeting page adds two frames through a javascript: URL (which
        # is no navigation): one on the meeting host, one on a host the
        # invite does not name (the other server, as localhost).
        outside = JitsiSim(self.dir)
        try:
            mid, _ = self.running_meeting()
            wd = self.start(self.sim.invite(mid))
            status = self.join_and_admit(wd, mid)
            foreign = outside.base.replace("127.0.0.1", "localhost") + "/frame-probe"
            # And a sandboxed frame that sends itself there (Chromium would
            # run it as a target of its own; see test_browser_fallback).
            sandboxed = ("var s = document.createElement('iframe'); s.setAttribute('sandbox', 'allow-scripts');"
                         " s.setAttribute('srcdoc', '<script>location.href=\\'%s\\'</scr' + 'ipt>');"
                         " document.body.appendChild(s);" % foreign.replace("/frame-probe", "/sandbox-probe"))
            script = ("javascript:void((function () { %s ['%s', '/frame-allowed'].forEach(function (u) {"
                      " var f = document.createElement('iframe'); f.src = u; document.body.appendChild(f); }) })())"
                      % (sandboxed, foreign))
            self.sim.control(f"meetings/{mid}/users/navigate?to=" + urllib.parse.quote(script, safe=""))
            # The frame on the meeting host loads: the page did add the frames.
            wait_until(lambda: [e for e in self.sim.state()["log"] if e["path"] == "/frame-allowed"],
                       "the frame on the meeting host to load")
            time.sleep(3)
            self.assertEqual([e for e in outside.state()["log"] if e["path"] in ("/frame-probe", "/sandbox-probe")], [],
                             "a frame reached a host outside the meeting's")
            self.assertTrue(meeting_goes_on(wd, status), "the meeting goes on")
        finally:
            outside.stop()

    def test_second_start_hands_the_link_to_the_running_app(self):
        mid, _ = self.running_meeting()
        wd = self.start()
        wd.wait_screen("start")
        seen = len(self.sim.state()["log"])
        second = subprocess.run([APP, self.sim.invite(mid)], env=self.home.env(), timeout=60,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertEqual(second.returncode, 0)
        wd.wait_screen("arrival")
        self.assertEqual(self.sim.state()["log"][seen:], [], "nothing contacted before the user has seen where")
        wd.click("#arrival-continue")
        wd.wait_screen("consent")
        self.assertEqual(wd.text("#consent-org"), "Demo-Beratungsstelle Sprechzimmer")

    def test_a_link_from_outside_contacts_nothing_until_the_user_goes_on(self):
        # A web page can open `sprechzimmer://` links unasked: the app names
        # the hosts the link leads to and contacts none of them until the
        # user goes on.
        mid, _ = self.running_meeting()
        host = urllib.parse.urlsplit(self.sim.base).netloc
        seen = len(self.sim.state()["log"])
        wd = self.start(self.sim.invite(mid), confirm_arrival=False)
        wd.wait_screen("arrival")
        self.assertEqual(wd.text("#arrival-profile"), f"Beratungsstelle: {host}")
        self.assertEqual(wd.text("#arrival-meeting"), f"Videotreffen: {host}")
        self.assertEqual(self.sim.state()["log"][seen:], [], "nothing contacted yet")
        wd.click("#arrival-cancel")
        wd.wait_screen("start")
        self.assertEqual(self.sim.state()["log"][seen:], [], "nor after cancelling")
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"})
        self.assertEqual(wd.prop("#invite-input", "value"), "", "the link is not kept")

    @skip_on_windows("Linux only: a Linux desktop logout ends apps with SIGTERM; Windows sends "
                     "WM_QUERYENDSESSION/WM_ENDSESSION, which this harness cannot send")
    def test_logout_sigterm_during_a_meeting_leaves_nothing(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.join_and_admit(wd, mid)
        self.assertEqual(len(self.home.sessions()), 1)
        # What a desktop logout or shutdown does to running apps.
        for pid in app_pids():
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while app_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(app_pids(), [], "SIGTERM quits the app")
        self.assert_nothing_left(before, [mid] + self.tokens(mid))

    @skip_on_windows(ENDINGS)
    def test_leave_from_the_app(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        leave_meeting(wd, self.join_and_admit(wd, mid))
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "left")
        self.assert_nothing_left(before, [mid] + self.tokens(mid))

    @skip_on_windows(ENDINGS)
    def test_counsellor_ends_the_meeting(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.join_and_admit(wd, mid)
        self.sim.end(mid)
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "ended")
        self.assert_nothing_left(before, [mid] + self.tokens(mid))

    @skip_on_windows(ENDINGS)
    def test_denied_in_the_waiting_room(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.consent(wd)
        self.wait_guest(mid, "WAIT")
        self.sim.control(f"meetings/{mid}/guests/deny")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "denied")
        self.assertIn("nicht in den Raum eingelassen", wd.text("#ended-reason"))
        self.assert_nothing_left(before, [mid] + self.tokens(mid))

    @skip_on_windows(NEUTRAL)
    def test_join_error_is_a_clear_message_not_xml(self):
        # The room was re-created since the invite was made: BBB answers the
        # join with mismatchCreateTimeParam XML.
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid, create_time="1000"))
        self.consent(wd)
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-detail", "dataset")["code"], "invite.expired")
        self.assertIn("abgelaufen", wd.text("#ended-detail"))
        self.assertNotIn("<", wd.text("#ended-detail"))

    def test_killed_during_meeting_next_start_removes_leftovers(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        before = self.home.snapshot()
        self.join_and_admit(wd, mid)
        during = self.home.sessions()
        self.assertEqual(len(during), 1, "the running session has a folder to clean up")

        self.app.kill9()
        self.assertEqual(self.home.sessions(), during, "a crash leaves the folder behind")
        self.app.close()

        self.app = App(self.home, (), workdir=self.dir)
        self.app.wd.wait_screen("start")
        self.assertEqual(self.home.sessions(), [], "the next start removed the leftovers")
        self.assert_nothing_left(before, [mid] + self.tokens(mid))

    @skip_on_windows(NEUTRAL)
    def test_bad_link_gets_a_clear_message(self):
        # A pasted link: the message sits under the field, tied to it, and
        # the link stays to be corrected.
        bad = "sprechzimmer://join?v=1&provider=bbb&profile=javascript:alert(1)"
        wd = self.start()
        wd.wait_screen("start")
        wd.type("#invite-input", bad)
        wd.click("#open-invite")
        wd.wait_for("return !document.getElementById('invite-error').hidden", what="the field's error")
        self.assertEqual(wd.screen(), "start")
        self.assertEqual(wd.prop("#invite-error", "dataset")["code"], "url.scheme")
        msg = wd.text("#invite-error")
        self.assertTrue(msg and "error." not in msg, msg)
        self.assertEqual(wd.js("const i = document.getElementById('invite-input');"
                               "return [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby'), i.value]"),
                         ["true", "invite-error", bad])
        self.assertEqual(wd.focused(), "invite-input", "focus back on the field")
        # Typing clears the error.
        wd.type("#invite-input", " ")
        self.assertTrue(wd.prop("#invite-error", "hidden"))
        self.assertIsNone(wd.js("return document.getElementById('invite-input').getAttribute('aria-invalid')"))

    @skip_on_windows(NEUTRAL)
    def test_back_from_an_error_keeps_the_pasted_link(self):
        # A pasted link whose server is down: the error screen (the link is
        # fine); "Zurück" leads to the start with the link still there.
        mid, _ = self.sim.create()
        self.sim.control("down")
        link = self.sim.invite(mid)
        wd = self.start()
        wd.wait_screen("start")
        wd.type("#invite-input", link)
        wd.click("#open-invite")
        wd.wait_screen("error")
        self.assertTrue(wd.prop("#error-message", "dataset")["code"].startswith("net."))
        wd.click("#error-back")
        wd.wait_screen("start")
        self.assertEqual(wd.prop("#invite-input", "value"), link)

    @skip_on_windows(NEUTRAL)
    def test_pasted_invite_for_a_foreign_host_is_refused(self):
        mid, _ = self.running_meeting()
        link = self.sim.invite(mid).replace("127.0.0.1", "localhost")
        wd = self.start()
        wd.type("#invite-input", link)
        wd.click("#open-invite")
        wd.wait_for("return !document.getElementById('invite-error').hidden", what="the field's error")
        self.assertEqual(wd.prop("#invite-error", "dataset")["code"], "invite.host_not_allowed")

    @skip_on_windows(NEUTRAL)
    def test_server_down_in_the_lobby_offers_retry(self):
        mid, _ = self.sim.create()
        wd = self.start(self.sim.invite(mid))
        self.consent(wd)
        wd.wait_screen("lobby")
        self.sim.control("down?on=1")
        wd.wait_for("return document.getElementById('lobby-status').dataset.state === 'unreachable'",
                    what="unreachable", timeout=120)
        self.assertFalse(wd.prop("#lobby-retry", "hidden"))
        self.sim.control("down?on=0")
        self.sim.moderator_enters(mid)
        wd.click("#lobby-retry")
        self.wait_guest(mid, "WAIT")

    @skip_on_windows("not in the Windows subset: the language comes from LANG on every platform "
                     "(src-tauri/core/src/i18n.rs); run on Linux")
    def test_english_system_locale(self):
        self.home_env_lang = "en_US.UTF-8"
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        self.assertEqual(wd.js("return document.documentElement.lang"), "en")
        self.assertEqual(wd.text("#privacy-title"), "Privacy notice")
        self.assertEqual(wd.text("#consent-continue"), "Continue")

    @skip_on_windows(NEUTRAL)
    def test_cancel_on_the_consent_screen_forgets_the_invite(self):
        mid, _ = self.running_meeting()
        wd = self.start(self.sim.invite(mid))
        wd.wait_screen("consent")
        wd.click("#consent-cancel")
        wd.wait_screen("start")
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"})
        self.assertEqual(wd.invoke("enter_lobby", {"cameraOff": False})["err"]["code"], "session.none")
        self.assertEqual(wd.screen(), "start", "no 'ended' screen: nothing had started")

    @skip_on_windows(NEUTRAL)
    def test_a_new_link_during_the_lobby_keeps_the_lobby(self):
        mid, _ = self.sim.create()
        wd = self.start(self.sim.invite(mid))
        self.consent(wd)
        wd.wait_screen("lobby")
        second = subprocess.run([APP, self.sim.invite(mid)], env=self.home.env(), timeout=60,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.assertEqual(second.returncode, 0)
        wd.wait_for("return !document.getElementById('toast').hidden", what="busy notice")
        self.assertEqual(wd.screen(), "lobby")
        self.assertEqual(wd.invoke("session_status"), {"ok": "lobby"})

    @skip_on_windows(NEUTRAL)
    def test_cancel_in_the_lobby(self):
        mid, _ = self.sim.create()
        wd = self.start(self.sim.invite(mid))
        self.consent(wd)
        wd.wait_screen("lobby")
        wd.click("#lobby-cancel")
        wd.wait_screen("ended")
        self.assertEqual(wd.prop("#ended-reason", "dataset")["reason"], "cancelled")
        self.assertEqual(wd.invoke("session_status"), {"ok": "idle"})


if __name__ == "__main__":
    unittest.main()
