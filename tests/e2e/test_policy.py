"""End to end: managed policy in the real app. Policy files are read from a
test policy root (`SPRECHZIMMER_POLICY_ROOT`, honoured by debug builds
and benchmark builds only, never by a shipped build) laid out like `/etc/sprechzimmer/policies`. On Windows
(SZ_E2E_PLATFORM=windows, the installed release build) managed values go to
the registry instead, under HKCU\\SOFTWARE\\Policies\\Sprechzimmer."""

import json
import os
import shutil
import unittest
import uuid

from harness import (WINDOWS, App, JitsiSim, Sim, TestHome, clear_registry_policy, save_artifacts,
                     set_registry_policy, skip_on_windows, workdir)


class PolicyCase(unittest.TestCase):
    def setUp(self):
        self.dir = workdir(self._testMethodName)
        self.home = TestHome(self.dir)
        self.root = os.path.join(self.dir, "policies")
        self.home.extra_env["SPRECHZIMMER_POLICY_ROOT"] = self.root
        self.sims = []
        self.app = None
        if WINDOWS:
            clear_registry_policy()

    def tearDown(self):
        save_artifacts("policy-" + self._testMethodName, self.dir, self.app)
        if self.app:
            self.app.close()
        if WINDOWS:
            clear_registry_policy()
        for s in self.sims:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def policy(self, kind, name, values):
        if WINDOWS:
            # The registry source has managed values only, and no files.
            assert kind == "managed" and isinstance(values, dict), (kind, values)
            set_registry_policy(values)
            return
        d = os.path.join(self.root, kind)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "w") as f:
            f.write(values if isinstance(values, str) else json.dumps(values))

    def start(self, *args):
        self.app = App(self.home, args, workdir=self.dir)
        return self.app.wd

    def open_settings(self, wd):
        wd.wait_screen("start")
        wd.click("#open-settings")
        wd.wait_screen("settings")

    def setting(self, wd, key):
        return wd.js(
            "const el = document.querySelector(`.setting[data-key='${arguments[0]}']`);"
            "const c = el.querySelector('select, input');"
            "return {locked: el.dataset.locked, level: el.dataset.level, disabled: c.disabled, value: c.value,"
            " text: el.innerText};", key)

    def choose(self, wd, key, value):
        wd.js("const c = document.getElementById('setting-' + arguments[0]); c.value = arguments[1];"
              "c.dispatchEvent(new Event('change'));", key, value)

    def user_file(self):
        p = os.path.join(self.home.path, ".config", "de.sprechzimmer.desktop", "settings.json")
        with open(p) as f:
            return json.load(f)

    @skip_on_windows("Linux only: uses a recommended policy level and the XDG settings file; "
                     "the Windows registry source holds managed values only")
    def test_locked_settings_show_as_locked_and_cannot_be_changed(self):
        self.policy("managed", "10-org.json", {"meetingView": "browser", "browser": "chromium"})
        self.policy("recommended", "10-site.json", {"logLevel": "info"})
        # The harness sets SPRECHZIMMER_LOG, which would outrank the user.
        self.home.extra_env["SPRECHZIMMER_LOG"] = ""
        wd = self.start()
        self.open_settings(wd)

        view = self.setting(wd, "meetingView")
        self.assertEqual((view["locked"], view["level"], view["disabled"], view["value"]), ("true", "managed", True, "browser"))
        self.assertIn("Von Ihrer Organisation festgelegt", view["text"])
        self.assertEqual(self.setting(wd, "browser")["locked"], "true")
        log = self.setting(wd, "logLevel")
        self.assertEqual((log["locked"], log["level"], log["disabled"], log["value"]), ("false", "recommended", False, "info"))

        # What the user may change is saved in their settings file and shown.
        self.choose(wd, "logLevel", "debug")
        wd.wait_for("return document.querySelector(`.setting[data-key='logLevel']`).dataset.level === 'user'",
                    what="the saved value")
        self.assertEqual(self.user_file(), {"logLevel": "debug"})

        # Rust refuses a locked setting whatever the UI sends, and anything
        # that is not a user setting.
        self.assertEqual(wd.invoke("set_setting", {"key": "meetingView", "value": "embedded"})["err"]["code"], "settings.locked")
        self.assertEqual(wd.invoke("set_setting", {"key": "allowedMeetingHosts", "value": "evil.example"})["err"]["code"],
                         "settings.invalid")
        self.assertEqual(wd.invoke("set_setting", {"key": "language", "value": "klingon"})["err"]["code"], "settings.invalid")
        self.assertEqual(self.user_file(), {"logLevel": "debug"}, "refused changes wrote nothing")
        self.assertEqual(self.setting(wd, "meetingView")["value"], "browser")
        wd.click("#settings-done")
        wd.wait_screen("start")

    def test_managed_policy_refuses_other_services_and_organisations(self):
        bbb = Sim(self.dir, "--auto-confirm-end")
        self.sims.append(bbb)
        jitsi = JitsiSim(self.dir)
        self.sims.append(jitsi)
        self.policy("managed", "10-org.json", {
            "organisationProfileUrl": bbb.base + "/profile.json",
            "allowedProviders": ["bbb"],
        })
        mid, _ = bbb.create()
        wd = self.start(jitsi.invite("Beratung-" + uuid.uuid4().hex[:8]))
        wd.wait_screen("error")
        self.assertEqual(wd.prop("#error-message", "dataset")["code"], "policy.organisation_not_allowed")
        self.assertIn("IT", wd.text("#error-message"))
        seen = [e["path"] for e in jitsi.state()["log"] if not e["path"].startswith("/sim/")]
        self.assertEqual(seen, [], "the other organisation's server saw nothing, not even a profile request")
        wd.click("#error-back")
        wd.wait_screen("start")
        # The organisation's own invite goes through.
        wd.type("#invite-input", bbb.invite(mid))
        wd.click("#open-invite")
        wd.wait_screen("consent")

    def test_a_broken_restriction_narrows_and_shows(self):
        # An admin pasted a URL into the host list: the valid host still
        # works, nothing else does, and the settings screen says so.
        bbb = Sim(self.dir, "--auto-confirm-end")
        self.sims.append(bbb)
        self.policy("managed", "10-org.json", {
            "allowedMeetingHosts": ["localhost", "https://127.0.0.1/"],
        })
        mid, _ = bbb.create()
        wd = self.start(bbb.invite(mid))
        wd.wait_screen("error")
        self.assertEqual(wd.prop("#error-message", "dataset")["code"], "policy.host_not_allowed",
                         "127.0.0.1 is not allowed: the broken item did not lift the restriction")
        wd.click("#error-back")
        self.open_settings(wd)
        row = self.setting(wd, "allowedMeetingHosts")
        self.assertEqual((row["locked"], row["disabled"], row["value"]), ("true", True, "localhost"))
        self.assertIn(wd.js("return document.querySelector(`.setting[data-key='allowedMeetingHosts'] .setting-problem`).textContent"),
                      row["text"])
        self.assertIn("IT", row["text"])

    @skip_on_windows("Linux only: malformed JSON policy files; the Windows source is the "
                     "registry, which has typed values and no files")
    def test_a_broken_policy_file_does_not_stop_the_app(self):
        self.policy("managed", "00-broken.json", "{\"meetingView\": ")
        self.policy("managed", "10-types.json", {"meetingView": 42, "proxyUrl": "ftp://nope", "unknownThing": True})
        self.policy("managed", "20-good.json", {"logLevel": "info"})
        wd = self.start()
        self.open_settings(wd)
        view = self.setting(wd, "meetingView")
        self.assertEqual(view["locked"], "false", "the bad value fell back; nothing is locked by it")
        self.assertEqual(self.setting(wd, "logLevel")["locked"], "true", "the good file still applies")
        with open(os.path.join(self.dir, "driver.log")) as f:
            log = f.read()
        self.assertIn("00-broken.json: (file) (malformed_json)", log)
        self.assertIn("meetingView (wrong_type)", log)
        self.assertNotIn("ftp://nope", log, "values are never logged")

    def test_a_language_fixed_by_policy_hides_the_switch(self):
        self.policy("managed", "lang.json", {"language": "uk"})
        wd = self.start()
        wd.wait_screen("start")
        self.assertEqual(wd.js("return document.documentElement.lang"), "uk")
        self.assertTrue(wd.prop("#lang-switch", "hidden"),
                         "no language switch where the organisation fixed the language")
        self.assertEqual(wd.invoke("set_language", {"lang": "de", "remember": False})["err"]["code"], "settings.locked")
        self.assertEqual(wd.js("return document.documentElement.lang"), "uk")

    def test_counsellor_features_can_be_switched_off(self):
        self.policy("managed", "10-org.json", {"counsellorMode": "off"})
        wd = self.start()
        wd.wait_screen("start")
        self.assertTrue(wd.prop("#open-counsellor", "hidden"))
        self.assertEqual(wd.invoke("counsellor_status")["err"]["code"], "counsellor.disabled")
        request = {"profile": "https://x.example.org/p.json", "provider": "bbb", "server": "https://bbb.example.org/api",
                   "secret": "s", "jwtAppId": None, "displayName": "B"}
        self.assertEqual(wd.invoke("counsellor_setup", {"request": request})["err"]["code"], "counsellor.disabled")

    @skip_on_windows("Linux only: checks the XDG autostart entry under ~/.config/autostart")
    def test_autostart_follows_the_setting(self):
        self.home.extra_env["SPRECHZIMMER_LOG"] = ""
        autostart = os.path.join(self.home.path, ".config", "autostart")
        wd = self.start()
        self.open_settings(wd)
        self.assertEqual(self.setting(wd, "autostart")["value"], "off", "off by default")
        self.assertFalse(os.path.isdir(autostart) and os.listdir(autostart))
        self.choose(wd, "autostart", "on")
        wd.wait_for("return document.querySelector(`.setting[data-key='autostart']`).dataset.level === 'user'",
                    what="the saved value")
        entries = os.listdir(autostart)
        self.assertEqual(len(entries), 1, entries)
        with open(os.path.join(autostart, entries[0])) as f:
            entry = f.read()
        self.assertIn("--tray", entry, "it starts into the tray")
        self.choose(wd, "autostart", "off")
        wd.wait_for("return document.querySelector(`#setting-autostart`).value === 'off'", what="off again")
        self.assertEqual(os.listdir(autostart), [], "switched off, the entry is gone")


if __name__ == "__main__":
    unittest.main()
