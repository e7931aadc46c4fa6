"""End to end: the organisation's invite page (`sprechzimmer org invite-page`).

Invites then travel as https links, which every mail program opens: the
page hands the invite in its fragment to the app, or explains how to
install it. The page is served by the simulated server, as the
organisation would host it, and opened in Debian's headless Chromium;
the app takes the same https link and the client is let in.
"""

import json
import os
import shutil
import subprocess
import unittest
import urllib.parse

from chromium_cdp import Chromium

HERE = os.path.dirname(os.path.abspath(__file__))
from harness import (APP, App, DiskChecks, Keyring, Sim, TestHome, accept_counsellor_terms, admit_client, catalogue,
                     counsellor_setup_cli, save_artifacts, skip_on_windows, wait_until, workdir, through_devices)


def write_page(home, base, path):
    """What the organisation's IT does once: the page for its profile."""
    out = subprocess.run([APP, "org", "invite-page", f"{base}/profile.json"], capture_output=True, env=home.env(),
                         timeout=60, check=True)
    with open(path, "wb") as f:
        f.write(out.stdout)
    return out.stdout.decode()


@skip_on_windows("platform-neutral: the page runs in a browser and the link is parsed by the core; run on Linux")
class InvitePageCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        page_file = os.path.join(self.dir, "join.html")
        self.sim = Sim(self.dir, "--auto-confirm-end", "--invite-page", page_file)
        self.page = f"{self.sim.base}/join.html"
        self.html = write_page(self.home, self.sim.base, page_file)
        self.app = None
        self.browser = None

    def tearDown(self):
        save_artifacts(self._testMethodName, self.dir, self.app)
        if self.browser:
            self.browser.close()
        if self.app:
            self.app.close()
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def meeting(self):
        mid, _ = self.sim.create()
        self.sim.moderator_enters(mid)
        invite = self.sim.invite(mid, name="Kim Klientin")
        return mid, invite, f"{self.page}#{invite.split('?', 1)[1]}"

    def test_the_page_hands_the_invite_to_the_app_or_explains_the_install(self):
        mid, invite, link = self.meeting()
        self.assertIn("Demo-Beratungsstelle Sprechzimmer", self.html, "the organisation's name is in the page")
        self.browser = c = Chromium("--lang=en-GB", "--accept-lang=en-GB,en")
        seen_before = len(self.sim.state()["log"])
        c.navigate(link)
        asked = c.wait_event(lambda m: m.get("method") == "Page.frameRequestedNavigation"
                             and m["params"]["url"].startswith("sprechzimmer:"), "the page asking to open the app")
        self.assertEqual(asked["params"]["url"], invite, "exactly the invite, handed to the app")
        # Headless Chromium opens no app: after a moment, the page explains.
        c.wait_true("!document.getElementById('help').hidden", "the install help")
        en = catalogue("en")
        self.assertEqual(c.eval("document.documentElement.lang"), "en", "the browser's language")
        self.assertEqual(c.eval("document.title"), en["page.title"])
        self.assertEqual(c.eval("document.getElementById('install').textContent"), en["page.install"])
        self.assertEqual(c.eval("document.getElementById('install').href"), f"{self.sim.base}/download",
                         "the profile's install_url")
        self.assertEqual(c.eval("document.getElementById('open').href"), invite, "a button opens it again")
        self.assertEqual(c.eval("document.getElementById('link').value"), link, "the link to paste into the app")
        self.assertEqual(c.eval("document.getElementById('org').textContent"), "Sprechzimmer Demo Counselling")
        self.assertIn("+49 341 123456-0", c.eval("document.getElementById('support').textContent"))
        # The invite leaves the address bar and the history entry.
        self.assertEqual(c.eval("location.href"), self.page)
        # The fragment never reached the server, and nothing else was loaded.
        served = self.sim.state()["log"][seen_before:]
        self.assertEqual([(e["path"], e["query"]) for e in served if e["path"] != "/favicon.ico"], [("/join.html", "")],
                         "the page's server saw the page alone")
        for secret in (mid, "Kim", "checksum"):
            self.assertNotIn(secret, json.dumps(served), "the invite never reaches the page's server")
        others = [u for u in c.requests() if u not in (self.page, f"{self.sim.base}/favicon.ico", invite)]
        self.assertEqual(others, [], "the page loads nothing else")
        # Arabic, chosen on the page: right to left.
        c.eval("const s = document.getElementById('lang'); s.value = 'ar'; s.dispatchEvent(new Event('change'))")
        self.assertEqual(c.eval("document.documentElement.dir"), "rtl")
        self.assertEqual(c.eval("document.title"), catalogue("ar")["page.title"])

    def test_a_broken_link_on_the_page_says_so_and_opens_nothing(self):
        self.browser = c = Chromium("--lang=de-DE", "--accept-lang=de-DE,de")
        c.navigate(f"{self.page}#v=1")  # cut off in the mail
        c.wait_true("!document.getElementById('broken').hidden", "the broken-link message")
        self.assertEqual(c.eval("document.getElementById('broken').textContent"), catalogue("de")["page.broken"])
        self.assertTrue(c.eval("document.getElementById('invite').hidden"))
        c.navigate(f"{self.page}#config.startWithVideoMuted=false")
        c.wait_true("document.readyState === 'complete' && !document.getElementById('broken').hidden", "refused")
        self.assertFalse([e for e in c.events if e.get("method") == "Page.frameRequestedNavigation"
                          and e["params"]["url"].startswith("sprechzimmer:")], "nothing was handed to the app")

    def test_the_page_link_opens_the_session_in_the_app(self):
        mid, _, link = self.meeting()
        self.app = App(self.home, (link,), workdir=self.dir)
        wd = self.app.wd
        wd.wait_screen("consent")
        self.assertEqual(wd.text("#consent-org"), "Demo-Beratungsstelle Sprechzimmer")
        self.assertIn("Kim Klientin", wd.text("#consent-name"))
        before = self.home.snapshot()
        wd.click("#privacy-check")
        wd.click("#terms-check")
        wd.click("#consent-continue")
        through_devices(wd)
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the client to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="knocking")
        admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"))
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")
        self.sim.control(f"meetings/{mid}/users/leave")
        wd.wait_screen("ended")
        tokens = [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid] + tokens)


@skip_on_windows("Linux only: gnome-keyring's Secret Service holds the counsellor's secret here")
class CounsellorInvitePageCase(DiskChecks, unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end", "--invite-page", os.path.join(self.dir, "join.html"))
        self.keyring = Keyring(self.home)
        self.app = None

    def tearDown(self):
        save_artifacts(self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        self.sim.stop()
        self.keyring.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def cli(self, *args, stdin=b""):
        return subprocess.run([APP, *args], input=stdin, capture_output=True, env=self.home.env(), timeout=60)

    def test_the_counsellors_invite_is_a_link_to_the_page_with_mail_and_calendar(self):
        """The invite links to the page; the e-mail draft and the calendar
        file say when, how to install, and whom to ask."""
        # What the desktop's mail program gets: a stand-in for xdg-open.
        bin_dir = os.path.join(self.dir, "bin")
        os.makedirs(bin_dir)
        opened = os.path.join(self.dir, "opened.txt")
        with open(os.path.join(bin_dir, "xdg-open"), "w") as f:
            f.write(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{opened}'\n")
        os.chmod(os.path.join(bin_dir, "xdg-open"), 0o755)
        self.home.extra_env["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
        setup = counsellor_setup_cli(self.home, self.sim.base, "--bbb", self.sim.base + "/bigbluebutton/api",
                                     secret=self.sim.secret)
        self.assertEqual(setup.returncode, 0, setup.stderr)
        self.app = App(self.home, (), workdir=self.dir)
        wd = self.app.wd
        wd.click("#open-counsellor")
        accept_counsellor_terms(wd)
        wd.type("#cn-client-name", "Kim Klientin")
        wd.js("document.getElementById('cn-at').value = '2030-01-15T10:30'")
        wd.js("const s = document.getElementById('cn-length'); s.value = '50'; s.dispatchEvent(new Event('change'))")
        wd.click("#cn-start")
        wd.wait_for("return !document.getElementById('cn-running').hidden", what="the running session")
        invite = wd.prop("#cn-invite", "value")
        page, fragment = invite.split("#", 1)
        self.assertEqual(page, f"{self.sim.base}/join.html", "the profile's invite page")
        self.assertTrue(fragment.startswith("v=1&provider=bbb&profile="), fragment)
        checked = self.cli("check-invite", invite)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertEqual(json.loads(checked.stdout)["provider"], "bbb")
        mid = next(iter(self.sim.state()["meetings"]))
        self.assertIn(urllib.parse.quote(mid), fragment, "the same meeting, behind the page")

        # The e-mail draft, in English for this client.
        wd.js("const s = document.getElementById('cn-letter-lang'); s.value = 'en'; s.dispatchEvent(new Event('change'))")
        wd.click("#cn-mail")
        wait_until(lambda: os.path.exists(opened), "the mail program to be asked")
        mailto = open(opened).read().strip()
        self.assertTrue(mailto.startswith("mailto:?subject="), mailto)
        fields = urllib.parse.parse_qs(urllib.parse.urlsplit(mailto).query)
        subject, body = fields["subject"][0], fields["body"][0]
        self.assertEqual(subject, "Invitation to video counselling – Sprechzimmer Demo Counselling")
        for want in ("Appointment: 2030-01-15 at 10:30 (UTC", "about 50 minutes.",
                     f"Install the free Sprechzimmer app once: {self.sim.base}/download", invite,
                     "this link is for you alone", "+49 341 123456-0, hilfe@demo-beratung.invalid (Monday to Friday"):
            self.assertIn(want, body)
        self.assertNotIn("Kim", body.replace(invite, ""), "the name only inside the signed link")

        # The calendar file: no name unless asked, the link, the counsellor's time.
        wd.click("#cn-calendar")
        wd.wait_for("return [...document.querySelectorAll('[role=status], .notice, #notice')].some("
                    "(e) => e.textContent.includes('.ics'))", what="the saved-file notice")
        saved = [os.path.join(d, f) for d in (os.path.join(self.home.path, "Downloads"), self.home.path)
                 if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".ics")]
        self.assertEqual(len(saved), 1, saved)
        self.assertEqual(os.path.basename(saved[0]), "Sprechzimmer-2030-01-15-1030.ics", "no name in the file name")
        parsed = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "ics_tool.py"), saved[0]],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(parsed.returncode, 0, parsed.stderr)
        ics = json.loads(parsed.stdout)
        self.assertEqual(ics["version"], "2.0")
        self.assertEqual(ics["summary"], "Video counselling – Sprechzimmer Demo Counselling")
        self.assertEqual(ics["url_line"], invite)
        self.assertEqual(urllib.parse.unquote(ics["url"]), urllib.parse.unquote(invite))
        self.assertIn(urllib.parse.unquote(invite), urllib.parse.unquote(ics["description"]))
        self.assertTrue(ics["start"].startswith("2030-01-15T10:30:00"), ics)
        self.assertTrue(ics["end"].startswith("2030-01-15T11:20:00"), ics)
        self.assertEqual(ics["zones"], [ics["tzid"]], "the time zone is in the file")
        self.assertEqual(ics["alarm"], ["-1 day, 23:45:00"], "a reminder 15 minutes before")
        self.assertTrue(ics["crlf"] and ics["longest_line"] <= 75, ics)
        self.assertNotIn("Kim", open(saved[0], encoding="utf-8", newline="").read().replace("\r\n ", "").replace(
            invite, ""), "no name unless asked")
        # The saved-file notice may still cover the lower part of the window.
        wd.js("document.getElementById('cn-calendar-name').click(); document.getElementById('cn-calendar').click()")
        wait_until(lambda: os.path.exists(saved[0].replace(".ics", " (2).ics")), "the second calendar file")
        named = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "ics_tool.py"), saved[0].replace(".ics", " (2).ics")],
                               capture_output=True, text=True, timeout=60)
        self.assertIn("with Kim Klientin", json.loads(named.stdout)["summary"])
        wd.click("#toast-dismiss")
        wd.click("#cn-end")
        wait_until(lambda: self.sim.state()["meetings"][mid]["ended"], "BBB `end`")
        wd.wait_screen("ended")


if __name__ == "__main__":
    unittest.main()
