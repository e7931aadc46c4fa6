"""End to end: booked appointments. The counsellor books ahead; the invite
goes out before any meeting exists; the client waits in the lobby with a
countdown; the counsellor starts the booked session and lets the client in;
the booking is gone afterwards. Bookings are encrypted on disk with the key
in the Secret Service, purged by the retention clock, and cancelled.
"""

import datetime
import json
import os
import shutil
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import (App, DiskChecks, Keyring, NoRedirect, RELEASES_WINDOW, Sim, TestHome, accept_counsellor_terms,
                     counsellor_setup_cli, save_artifacts, skip_on_windows, wait_until, workdir, through_devices)

SERVICE = "de.sprechzimmer.desktop"


@skip_on_windows("Linux only: gnome-keyring's Secret Service holds the key; a second app on its own D-Bus")
class BookingsCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end")
        self.keyring = Keyring(self.home)
        self.apps = []

    def tearDown(self):
        for i, app in enumerate(self.apps):
            save_artifacts(f"bookings-{self._testMethodName}-{i}", self.dir, app)
        for app in reversed(self.apps):
            app.close()
        self.sim.stop()
        self.keyring.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, home, *args, isolated=False, workdir_=None):
        app = App(home, args, workdir=workdir_ or self.dir, isolated=isolated)
        self.apps.append(app)
        return app.wd

    def bookings_file(self):
        return os.path.join(self.home.path, ".config", SERVICE, "bookings.bin")

    def key_in_keyring(self):
        out = subprocess.run(["secret-tool", "lookup", "service", SERVICE, "username", "bookings-key"],
                             capture_output=True, text=True, env=dict(os.environ, HOME=self.home.path))
        return out.returncode == 0 and len(out.stdout.strip()) == 64

    def counsellor(self):
        """Set up on the command line, consent in the app: the counsellor screen."""
        setup = counsellor_setup_cli(self.home, self.sim.base, "--bbb", self.sim.base + "/bigbluebutton/api",
                                     secret=self.sim.secret)
        self.assertEqual(setup.returncode, 0, setup.stderr)
        wd = self.start(self.home)
        wd.click("#open-counsellor")
        accept_counsellor_terms(wd)
        return wd

    def book(self, wd, name, when):
        wd.type("#cn-client-name", name)
        wd.js(f"document.getElementById('cn-at').value = {json.dumps(when.strftime('%Y-%m-%dT%H:%M'))}")
        wd.js("const s = document.getElementById('cn-length'); s.value = '50'; s.dispatchEvent(new Event('change'))")
        n = len(wd.js("return [...document.querySelectorAll('#cn-bookings-list li')].map(li => li.dataset.booking)"))
        wd.click("#cn-book")
        wd.wait_for(f"return document.querySelectorAll('#cn-bookings-list li').length === {n + 1}", what="the new booking")
        return wd.js("return [...document.querySelectorAll('#cn-bookings-list li')].map(li => li.dataset.booking)")

    def clipboard(self):
        r = subprocess.run(["xclip", "-selection", "clipboard", "-o"], capture_output=True, text=True, timeout=10)
        return r.stdout if r.returncode == 0 else ""

    def copy_invite(self, wd, booking):
        wd.click(f"[data-booking='{booking}'] .booking-copy")
        wait_until(lambda: self.clipboard().startswith("sprechzimmer://join?"), "the booking's invite on the clipboard")
        return self.clipboard()

    def test_booked_ahead_the_client_waits_and_the_counsellor_starts_it(self):
        wd = self.counsellor()
        before = self.home.snapshot()
        when = datetime.datetime.now() + datetime.timedelta(days=2)
        (booking,) = self.book(wd, "Kim Klientin", when)
        line = wd.text(f"#booking-{booking}")
        self.assertIn("Kim Klientin", line)
        self.assertIn("50", line)
        invite = self.copy_invite(wd, booking)
        self.assertEqual(self.sim.calls("create"), [], "no meeting exists yet")
        join = urllib.parse.parse_qs(urllib.parse.urlsplit(invite).query)["join"][0]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(join).query)
        mid = q["meetingID"][0]
        self.assertNotIn("createTime", q, "a join that fits the meeting created later")
        self.assertEqual(q["fullName"], ["Kim Klientin"])
        # Copied again: the same invite.
        subprocess.run(["xclip", "-selection", "clipboard", "-i"], input="", text=True, timeout=10)
        self.assertEqual(self.copy_invite(wd, booking), invite)

        # On disk: encrypted, the key in the Secret Service.
        raw = open(self.bookings_file(), "rb").read()
        self.assertTrue(raw.startswith(b"SZB1"))
        for plain in (b"Kim", mid.encode(), b"Klientin"):
            self.assertNotIn(plain, raw)
        self.assertTrue(self.key_in_keyring())
        self.assertEqual(oct(os.stat(self.bookings_file()).st_mode & 0o777), "0o600")

        # The client, on another computer, opens the invite days ahead: it waits.
        client_dir = os.path.join(self.dir, "client")
        os.makedirs(client_dir)
        client_home = TestHome(client_dir)
        cwd = self.start(client_home, invite, isolated=True, workdir_=client_dir)
        cwd.wait_screen("consent")
        cwd.click("#privacy-check")
        cwd.click("#terms-check")
        cwd.click("#consent-continue")
        through_devices(cwd)
        cwd.wait_screen("lobby")
        cwd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'", what="waiting")
        schedule = cwd.text("#lobby-schedule")
        self.assertIn(str(when.year), schedule, "an appointment on another day is shown with its date")
        self.assertIn(when.strftime("%H:%M"), schedule)

        # The counsellor starts the booked session: the meeting under the booked ID.
        wd.click(f"[data-booking='{booking}'] .booking-start")
        wd.wait_for("return !document.getElementById('cn-running').hidden", what="the running session")
        self.assertEqual(wd.prop("#cn-invite", "value"), invite, "the invite sent ahead")
        creates = self.sim.calls("create")
        self.assertEqual(len(creates), 1)
        self.assertEqual(urllib.parse.parse_qs(creates[0]["query"])["meetingID"], [mid])
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the client to knock", timeout=120)

        # An interpreter joins too: an invite of their own, waiting like the client.
        wd.js("document.getElementById('cn-companion').open = true")
        wd.type("#cn-companion-name", "Ana Dolmetschung")
        wd.click("#cn-companion-make")
        wd.wait_for("return document.querySelectorAll('#cn-companion-list li').length === 1", what="the companion's invite")
        companion = wd.js("return document.querySelector('#cn-companion-list .companion-invite').value")
        self.assertNotEqual(companion, invite)
        cjoin = urllib.parse.parse_qs(urllib.parse.urlsplit(companion).query)["join"][0]
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(cjoin).query)["meetingID"], [mid])
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(cjoin, timeout=10)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 302, "the server took the signed join")
        ana = [g for g in self.sim.guests(mid) if g["fullName"] == "Ana Dolmetschung"]
        self.assertEqual([(g["guest"], g["status"]) for g in ana], [(True, "WAIT")], "waiting to be let in")
        if RELEASES_WINDOW:
            cwd.left_window = cwd.window()
        self.sim.control(f"meetings/{mid}/guests/admit")
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")

        wd.click("#cn-end")
        wait_until(lambda: self.sim.state()["meetings"][mid]["ended"], "BBB `end`")
        wd.wait_screen("ended")
        cwd.wait_screen("ended")
        # The booking went with its session: no file, no key, nothing to find.
        wait_until(lambda: not os.path.exists(self.bookings_file()), "the booking to be deleted")
        self.assertFalse(self.key_in_keyring())
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", "Ana Dolmetschung", "Ana+Dolmetschung", mid, self.sim.secret])

    def test_the_retention_clock_purges_a_booking_and_cancelling_deletes_at_once(self):
        wd = self.counsellor()
        before = self.home.snapshot()
        when = datetime.datetime.now() + datetime.timedelta(days=1)
        (old,) = self.book(wd, "Alex Alt", when)
        old_invite = self.copy_invite(wd, old)
        later = self.book(wd, "Bo Bald", when + datetime.timedelta(days=30))
        (cancelled,) = [b for b in later if b != old]
        self.assertTrue(os.path.exists(self.bookings_file()))
        self.apps.pop().close()

        # 181 days after the first appointment: past its deadline (180 days).
        future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=182)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.home.extra_env["SPRECHZIMMER_NOW"] = future
        wd = self.start(self.home)
        wd.click("#open-counsellor")
        wd.wait_screen("counsellor")
        wd.wait_for("return document.querySelectorAll('#cn-bookings-list li').length === 1", what="one booking left")
        self.assertEqual(wd.js("return document.querySelector('#cn-bookings-list li').dataset.booking"), cancelled)
        old_mid = urllib.parse.parse_qs(urllib.parse.urlsplit(
            urllib.parse.parse_qs(urllib.parse.urlsplit(old_invite).query)["join"][0]).query)["meetingID"][0]

        # Cancelled: deleted at once, and the meeting ended on the server if it was ever created.
        wd.click(f"[data-booking='{cancelled}'] .booking-cancel")
        wd.wait_for("return document.querySelectorAll('#cn-bookings-list li').length === 0", what="no booking left")
        self.assertFalse(wd.prop("#cn-bookings-none", "hidden"))
        self.assertEqual(len(self.sim.calls("end")), 1, "BBB `end` for the cancelled meeting")
        self.assertFalse(os.path.exists(self.bookings_file()), "no bookings file")
        self.assertFalse(self.key_in_keyring(), "no key")
        self.assert_nothing_left(before, ["Alex Alt", "Alex+Alt", "Bo Bald", "Bo+Bald", old_mid])


    def test_jitsi_booking_holds_early_then_admits(self):
        """Jitsi: a client with an invite days ahead is held out of the room;
        at the time, they knock and are let in. (A short name: the keyring's
        socket lives below the test home, and socket paths are short.)"""
        from harness import JitsiSim
        jitsi = JitsiSim(self.dir)
        try:
            setup = counsellor_setup_cli(self.home, jitsi.base, "--jitsi", jitsi.base)
            self.assertEqual(setup.returncode, 0, setup.stderr)
            wd = self.start(self.home)
            wd.click("#open-counsellor")
            accept_counsellor_terms(wd)
            later, soon = datetime.datetime.now() + datetime.timedelta(days=2), datetime.datetime.now() + datetime.timedelta(minutes=5)
            (b_later,) = self.book(wd, "Kim", later)
            (b_soon,) = [b for b in self.book(wd, "Sam", soon) if b != b_later]

            def invite_of(b):
                wd.click(f"[data-booking='{b}'] .booking-copy")
                wait_until(lambda: "provider=jitsi" in self.clipboard(), "the booking's invite")
                link = self.clipboard()
                subprocess.run(["xclip", "-selection", "clipboard", "-i"], input="", text=True, timeout=10)
                return link, urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["room"][0].rsplit("/", 1)[1]

            later_link, later_room = invite_of(b_later)
            soon_link, soon_room = invite_of(b_soon)
            self.assertNotEqual(later_room, soon_room, "each booking its own room")

            def consent(cwd, name):
                cwd.wait_screen("consent")
                cwd.click("#privacy-check")
                cwd.click("#terms-check")
                cwd.type("#name-input", name)

            # Two days ahead: the client's app holds them in its own lobby,
            # out of the room, whose lobby nobody has switched on yet.
            d = os.path.join(self.dir, "client")
            os.makedirs(d)
            cwd = self.start(TestHome(d), later_link, isolated=True, workdir_=d)
            consent(cwd, "Kim")
            cwd.click("#consent-continue")
            through_devices(cwd)
            cwd.wait_screen("lobby")
            cwd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'", what="held")
            self.assertEqual(jitsi.participants(later_room), [], "not in the empty room")
            cwd.click("#lobby-cancel")
            cwd.wait_screen("ended")
            cwd.click_leaving("#ended-done")
            cwd.wait_screen("start")

            # Five minutes ahead, started by the counsellor: the client knocks and is let in.
            wd.click(f"[data-booking='{b_soon}'] .booking-start")
            wd.wait_for("return !document.getElementById('cn-running').hidden", what="the running session")
            self.assertEqual(wd.prop("#cn-invite", "value"), soon_link, "the invite sent ahead")
            state = lambda: jitsi.state()["rooms"].get(soon_room.lower(), {})
            wait_until(lambda: state().get("lobby"), "the lobby switched on by the counsellor's page")
            cwd.type("#invite-input", soon_link)
            cwd.click("#open-invite")
            consent(cwd, "Sam")
            if RELEASES_WINDOW:
                cwd.left_window = cwd.window()
            cwd.click("#consent-continue")
            through_devices(cwd)
            wait_until(lambda: any(p["status"] == "knocking" for p in jitsi.participants(soon_room)), "the client to knock")
            jitsi.control(f"rooms/{soon_room}/admit")
            wait_until(lambda: sum(p["status"] == "joined" for p in jitsi.participants(soon_room)) == 2, "both in the room")
            wd.click("#cn-end")
            wait_until(lambda: state().get("ended"), "the conference ended for everyone")
            wd.wait_screen("ended")
            # The session's booking went; the other is still there.
            wd.click_leaving("#ended-done")
            wd.wait_screen("counsellor")
            wd.wait_for("return document.querySelectorAll('#cn-bookings-list li').length === 1", what="one booking left")
            self.assertEqual(wd.js("return document.querySelector('#cn-bookings-list li').dataset.booking"), b_later)
        finally:
            jitsi.stop()


if __name__ == "__main__":
    unittest.main()
