"""End to end: proof of consent. The organisation's endpoint (on the
simulated server) receives a receipt without any name; the client may save
their own copy; an undelivered receipt is said and blocks nothing, unless
the profile requires it, and then no meeting is joined.
"""

import hashlib
import json
import os
import re
import shutil
import unittest

import importlib.util

from harness import ROOT, App, DiskChecks, Sim, TestHome, admit_client, catalogue, save_artifacts, skip_on_windows, wait_until, workdir, through_devices


def verifier():
    """docs/tools/verify_receipt.py: what an organisation runs on a receipt."""
    spec = importlib.util.spec_from_file_location("verify_receipt", os.path.join(ROOT, "docs", "tools", "verify_receipt.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class ReceiptBase(DiskChecks, unittest.TestCase):
    mode = "optional"

    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.sim = Sim(self.dir, "--auto-confirm-end", "--consent-receipt", self.mode)
        self.app = None

    def tearDown(self):
        save_artifacts(self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def open_invite(self):
        mid, _ = self.sim.create()
        self.sim.moderator_enters(mid)
        invite = self.sim.invite(mid, name="Kim Klientin")
        self.app = App(self.home, (invite,), workdir=self.dir)
        self.app.wd.wait_screen("consent")
        return mid, invite, self.app.wd

    def consent(self, wd, passes=True):
        for box in ("#privacy-check", "#terms-check"):
            if not wd.prop(box, "checked"):
                wd.click(box)
        wd.click("#consent-continue")
        if passes:
            through_devices(wd)

    def knocking(self, wd, mid):
        """Past the consent: the client knocks at the running meeting."""
        wait_until(lambda: any(g["status"] == "WAIT" for g in self.sim.guests(mid)), "the client to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="knocking")

    def receipts(self):
        return self.sim.control("receipts")

    def toast(self, wd, text):
        wd.wait_for("const t = document.getElementById('toast');"
                    f" return !t.hidden && document.getElementById('toast-text').textContent === {json.dumps(text)}",
                    what=f"the message {text!r}")


@skip_on_windows("platform-neutral: the receipt is built and sent by the core; run on Linux")
class OptionalReceiptCase(ReceiptBase):
    def test_the_organisation_gets_a_receipt_without_a_name_and_the_client_may_keep_one(self):
        mid, invite, wd = self.open_invite()
        before = self.home.snapshot()
        self.consent(wd)
        self.knocking(wd, mid)
        wait_until(lambda: len(self.receipts()) == 1, "the receipt at the organisation")
        got = self.receipts()[0]
        self.assertEqual(got["contentType"], "application/json")
        r = json.loads(got["body"])
        self.assertEqual(r["format"], "sprechzimmer-consent-receipt/1")
        self.assertEqual(r["profile_id"], "demo-beratung")
        self.assertEqual(r["profile_url"], f"{self.sim.base}/profile.json")
        self.assertEqual([d["role"] for d in r["documents"]], ["privacy_notice", "client_terms"])
        self.assertEqual([d["version"] for d in r["documents"]], ["2026-11", "2026-11"])
        self.assertTrue(all(re.fullmatch("[0-9a-f]{64}", d["sha256"]) for d in r["documents"]), r)
        self.assertEqual([d["shown_language"] for d in r["documents"]], ["de", "de"])
        self.assertRegex(r["given_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # Bound to the invite the organisation issued, which only it can recompute.
        self.assertEqual(r["invite_sha256"], hashlib.sha256(invite.encode()).hexdigest())
        # The documented check, from the published profile: the exact texts.
        v = verifier()
        profile = json.loads(self.sim.get(f"{self.sim.base}/profile.json"))
        self.assertEqual(v.problems(r, profile, invite), [])
        changed = json.loads(json.dumps(profile))
        changed["client_terms"]["text"]["en"] += " "
        self.assertEqual(len(v.problems(r, changed, invite)), 1, "another text, another digest")
        self.assertEqual(v.problems(r, profile, invite + "x"), ["belongs to another invite"])
        tokens = [u["token"] for u in self.sim.state()["meetings"][mid]["users"]]
        everything = json.dumps(got)
        for secret in ["Kim", "Klientin", mid, "checksum", "fullName"] + tokens:
            self.assertNotIn(secret, everything, "no name, no meeting, no invite in the receipt")
        self.assertTrue(got["headers"].get("user-agent", "").startswith("Sprechzimmer/"))
        self.assertNotIn("cookie", got["headers"])

        # The client's copy, on their choice: same number, same digests, no name.
        wd.click("#meeting-receipt")
        wd.wait_for("return document.getElementById('toast-text').textContent.includes('.html')", what="the saved notice")
        saved = [os.path.join(d, f) for d in (os.path.join(self.home.path, "Downloads"), self.home.path)
                 if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".html")]
        self.assertEqual(len(saved), 1, saved)
        self.assertTrue(os.path.basename(saved[0]).startswith("Sprechzimmer-Einwilligung-"), saved)
        page = open(saved[0], encoding="utf-8").read()
        de = catalogue("de")
        self.assertIn(r["receipt_id"], page)
        for d in r["documents"]:
            self.assertIn(d["sha256"], page)
        self.assertIn("Demo-Beratungsstelle Sprechzimmer", page)
        self.assertIn(de["receipt.sent"], page, "the organisation got its copy")
        for secret in ["Kim", "Klientin", mid, "checksum", r["invite_sha256"], "<script"]:
            self.assertNotIn(secret, page)
        # The client keeps that file (moved out of the test home here);
        # everything else of the session goes.
        os.remove(saved[0])
        admit_client(wd, lambda: self.sim.control(f"meetings/{mid}/guests/admit"))
        wait_until(lambda: any(g["entered"] for g in self.sim.guests(mid)), "the client to enter")
        self.sim.control(f"meetings/{mid}/users/leave")
        wd.wait_screen("ended")
        self.assert_nothing_left(before, ["Kim Klientin", "Kim+Klientin", mid, r["receipt_id"]] + tokens)

    def test_an_undelivered_receipt_is_said_and_blocks_nothing(self):
        self.sim.control("receipts-down?on=1")
        mid, _, wd = self.open_invite()
        self.consent(wd)
        self.toast(wd, catalogue("de")["consent.receipt_failed"])
        self.knocking(wd, mid)
        self.assertEqual(self.receipts(), [])


@skip_on_windows("platform-neutral: the receipt is built and sent by the core; run on Linux")
class RequiredReceiptCase(ReceiptBase):
    mode = "required"

    def test_without_a_delivered_receipt_no_meeting_and_a_retry_works(self):
        self.sim.control("receipts-down?on=1")
        mid, _, wd = self.open_invite()
        self.consent(wd, passes=False)
        self.toast(wd, catalogue("de")["error.consent.receipt_required"])
        self.assertEqual(wd.screen(), "consent", "the client stays at the consent")
        self.assertEqual(self.sim.guests(mid), [], "nobody joined")
        self.assertEqual(wd.invoke("enter_lobby", {"cameraOff": False}).get("err", {}).get("code"), "consent.required",
                         "the consent was taken back, whatever the UI sends")
        # The endpoint is back: the same screen goes on.
        self.sim.control("receipts-down?on=0")
        wd.click("#toast-dismiss")
        self.consent(wd)
        self.knocking(wd, mid)
        self.assertEqual(len(self.receipts()), 1, "delivered before the client knocked")


if __name__ == "__main__":
    unittest.main()
