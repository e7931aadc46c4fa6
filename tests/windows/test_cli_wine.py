"""The Windows sprechzimmer.exe, run under Wine: the console subcommands,
the registry policy reader and the per-user folders.

Each test runs in a fresh Wine prefix (its own registry and C: drive). Where
the Linux build of the same code is at hand, `check-invite` must answer
exactly as it does, so the two platforms cannot drift apart unnoticed.

Run: python3 tests/windows/test_cli_wine.py   (tests/run-all.sh does)
Needs: target/x86_64-pc-windows-gnu/debug/sprechzimmer.exe (cargo build
--target x86_64-pc-windows-gnu), wine, mingw-w64 (for the test shim).
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import wine  # noqa: E402

LINUX_EXE = os.path.join(wine.ROOT, "target", "debug", "sprechzimmer")
HKLM = r"HKLM\SOFTWARE\Policies\Sprechzimmer"
HKCU = r"HKCU\SOFTWARE\Policies\Sprechzimmer"
PROFILE = "https://beratung.example.org/profile.json"


def bbb_invite(host="bbb.example.org", name="Kim Muster", meeting="m-secret-id-4711"):
    cs = "0" * 64
    join = f"https://{host}/bigbluebutton/api/join?" + urllib.parse.urlencode(
        {"fullName": name, "meetingID": meeting, "guest": "true", "checksum": cs})
    running = f"https://{host}/bigbluebutton/api/isMeetingRunning?" + urllib.parse.urlencode(
        {"meetingID": meeting, "checksum": cs})
    return "sprechzimmer://join?" + urllib.parse.urlencode(
        {"v": "1", "provider": "bbb", "profile": f"https://{host}/profile.json", "join": join, "running": running})


def jitsi_invite(room="https://meet.example.org/Beratung-42"):
    return "sprechzimmer://join?" + urllib.parse.urlencode(
        {"v": "1", "provider": "jitsi", "profile": PROFILE, "room": room})


HOSTILE = {
    "not an invite": "https://example.org",
    "unknown version": "sprechzimmer://join?v=9",
    "script": "javascript:alert(1)",
    "empty": "",
    "ip address host": bbb_invite(host="192.0.2.1"),
    "look-alike host": bbb_invite(host="bbb.ex\u0430mple.org"),  # Cyrillic a
    "credentials": bbb_invite(host="user:pw@bbb.example.org"),
    "oversized": bbb_invite(name="x" * 9000),
    "file profile": "sprechzimmer://join?" + urllib.parse.urlencode(
        {"v": "1", "provider": "jitsi", "profile": "file:///C:/Windows/win.ini", "room": "https://meet.example.org/R"}),
    "unc path": "sprechzimmer://join?" + urllib.parse.urlencode(
        {"v": "1", "provider": "jitsi", "profile": r"\\evil.example\share\p.json", "room": "https://meet.example.org/R"}),
    "control characters": jitsi_invite() + "%0d%0aX: y",
}


class WineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(wine.exe()):
            raise AssertionError(f"missing {wine.exe()}: build it with "
                                 "cargo build --target x86_64-pc-windows-gnu (tests/run-all.sh does)")

    def setUp(self):
        self.prefix = wine.Prefix()
        self.exe = self.prefix.install_exe()

    def tearDown(self):
        self.prefix.close()

    def sz(self, *args, env=None):
        r = self.prefix.run([self.exe, *args], env=env)
        return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")

    def policy(self):
        code, out, err = self.sz("policy", "--json")
        self.assertIn(code, (0, 1), err)
        self.assertNotIn("panicked", err)
        data = json.loads(out)
        return code, {e["key"]: e for e in data["entries"]}, data["problems"]


class CliTest(WineTest):
    def test_version(self):
        code, out, _ = self.sz("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out.strip(), r"^sprechzimmer \d+\.\d+\.\d+$")

    def test_check_invite_summary_matches_linux(self):
        for link in (bbb_invite(), jitsi_invite()):
            code, out, err = self.sz("check-invite", link)
            self.assertEqual(code, 0, err)
            summary = json.loads(out)
            self.assertIn(summary["provider"], ("bbb", "jitsi"))
            self.assertNotIn("Kim", out)
            self.assertNotIn("m-secret-id", out)
            if os.path.exists(LINUX_EXE):
                linux = subprocess.run([LINUX_EXE, "check-invite", link], capture_output=True, text=True,
                                       env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"})
                self.assertEqual(json.loads(linux.stdout), summary, "Windows and Linux builds agree")

    def test_hostile_invites_get_one_translated_line(self):
        for what, link in HOSTILE.items():
            with self.subTest(what):
                code, out, err = self.sz("check-invite", link)
                self.assertEqual(code, 2, f"{what}: {out}{err}")
                self.assertEqual(out, "")
                lines = err.strip().splitlines()
                self.assertEqual(len(lines), 1, f"{what}: {err!r}")
                self.assertRegex(lines[0], r"\[[a-z_.]+\]$", "ends with its code")
                self.assertNotIn("panicked", err)
        # German by default, English when the system says so.
        _, _, de = self.sz("check-invite", "nonsense")
        self.assertIn("Einladungslink", de)
        _, _, en = self.sz("check-invite", "nonsense", env={"LANG": "en_GB.UTF-8"})
        self.assertIn("invitation link", en.lower())

    def test_usage_errors_exit_2(self):
        for args in (["wipe"], ["policy", "--yaml"], ["check-invite"]):
            code, _, err = self.sz(*args)
            self.assertEqual(code, 2, args)
            self.assertTrue(err.strip(), args)


class PolicyTest(WineTest):
    def test_nothing_set(self):
        code, entries, problems = self.policy()
        self.assertEqual((code, problems), (0, []))
        self.assertTrue(all(e["level"] == "default" and not e["locked"] for e in entries.values()))

    def test_machine_policy_is_managed_and_locked(self):
        p = self.prefix
        p.reg_add(HKLM, "organisationProfileUrl", PROFILE)
        p.reg_add(HKLM, "allowedMeetingHosts", r"bbb.example.org\0*.meet.example.net", "REG_MULTI_SZ")
        p.reg_add(HKLM, "allowedProviders", "bbb,jitsi")
        p.reg_add(HKLM, "meetingView", "browser")
        code, e, problems = self.policy()
        self.assertEqual((code, problems), (0, []))
        self.assertEqual(e["organisationProfileUrl"]["value"], PROFILE)
        self.assertEqual(e["allowedMeetingHosts"]["value"], ["bbb.example.org", "*.meet.example.net"])
        self.assertEqual(e["allowedProviders"]["value"], ["bbb", "jitsi"])
        for key in ("organisationProfileUrl", "allowedMeetingHosts", "allowedProviders", "meetingView"):
            self.assertEqual(e[key]["level"], "managed", key)
            self.assertTrue(e[key]["locked"], key)
            self.assertEqual(e[key]["origin"], HKLM, key)

    def test_user_policy_and_the_machine_wins(self):
        p = self.prefix
        p.reg_add(HKCU, "language", "en")
        p.reg_add(HKCU, "meetingView", "embedded")
        p.reg_add(HKLM, "meetingView", "browser")
        code, e, problems = self.policy()
        self.assertEqual((code, problems), (0, []))
        self.assertEqual((e["language"]["value"], e["language"]["origin"]), ("en", HKCU))
        self.assertTrue(e["language"]["locked"], "user policy is policy too")
        self.assertEqual((e["meetingView"]["value"], e["meetingView"]["origin"]), ("browser", HKLM))
        # The text report names both sources.
        code, out, _ = self.sz("policy")
        self.assertIn(f"managed policy: {HKCU} [locked]", out)
        self.assertIn(f"managed policy: {HKLM} [locked]", out)

    def test_value_names_match_without_case(self):
        self.prefix.reg_add(HKLM, "OrganisationProfileUrl", PROFILE)
        self.prefix.reg_add(HKLM, "MEETINGVIEW", "browser")
        code, e, problems = self.policy()
        self.assertEqual((code, problems), (0, []))
        self.assertEqual(e["organisationProfileUrl"]["value"], PROFILE)
        self.assertEqual(e["meetingView"]["value"], "browser")

    def test_malformed_values_are_reported_not_crashed_on(self):
        p = self.prefix
        p.reg_add(HKLM, "organisationProfileUrl", "http://plain.example.org/p.json")
        p.reg_add(HKLM, "proxyUrl", "0102ff", "REG_BINARY")
        p.reg_add(HKLM, "meetingView", "7", "REG_DWORD")
        p.reg_add(HKLM, "allowedProviders", "zoom")
        p.reg_add(HKLM, "telemetry", "on")
        p.reg_add(HKLM, "language", "x" * 5000)
        p.reg_add(HKCU, "meetingView", "embedded")
        code, e, problems = self.policy()
        self.assertEqual(code, 1, "problems make exit 1")
        got = {(q["key"], q["problem"]) for q in problems}
        for want in [("organisationProfileUrl", "invalid_value"), ("proxyUrl", "wrong_type"),
                     ("meetingView", "invalid_value"), ("allowedProviders", "invalid_value"),
                     ("telemetry", "unknown_key"), ("language", "too_long")]:
            self.assertIn(want, got)
        self.assertTrue(all(q["origin"] in (HKLM, HKCU) for q in problems))
        self.assertIsNone(e["organisationProfileUrl"]["value"])
        self.assertEqual((e["meetingView"]["value"], e["meetingView"]["origin"]), ("embedded", HKCU),
                         "a bad machine value falls back to the layer below")
        # Values never appear in the report, only names and problems.
        code, out, _ = self.sz("policy")
        self.assertNotIn("plain.example.org", out.split("Problems")[1])

    def test_empty_values_are_unset(self):
        # What an MSI writes for a public property nobody gave.
        self.prefix.reg_add(HKLM, "organisationProfileUrl", "")
        self.prefix.reg_add(HKLM, "allowedMeetingHosts", "")
        code, e, problems = self.policy()
        self.assertEqual((code, problems), (0, []))
        self.assertIsNone(e["organisationProfileUrl"]["value"])
        self.assertEqual(e["allowedMeetingHosts"]["level"], "default")


class FoldersTest(WineTest):
    def local_appdata(self):
        users = os.path.join(self.prefix.path, "drive_c", "users")
        user = next(u for u in os.listdir(users) if u.lower() not in ("public", "default"))
        return os.path.join(users, user, "AppData", "Local")

    def test_wipe_check_removes_leftovers_in_local_appdata(self):
        # German by default, like the system (C.UTF-8 here); English asked for.
        code, out, _ = self.sz("wipe", "--check")
        self.assertEqual(code, 0)
        self.assertIn("Sauber: keine Reste gefunden", out)
        code, out, _ = self.sz("wipe", "--check", env={"LANG": "en_GB.UTF-8"})
        self.assertEqual(code, 0)
        self.assertIn("clean", out)
        sessions = os.path.join(self.local_appdata(), "de.sprechzimmer.desktop", "sessions")
        leftover = os.path.join(sessions, "s-00000000c0ffee01", "webview", "EBWebView", "Default")
        os.makedirs(leftover)
        with open(os.path.join(leftover, "Cookies"), "w") as f:
            f.write("sid=secret")
        code, out, err = self.sz("wipe", "--check", env={"LANG": "en_GB.UTF-8"})
        self.assertEqual(code, 0, err)
        self.assertIn("removed", out)
        self.assertIn("s-00000000c0ffee01", out)
        self.assertIn("AppData\\Local\\de.sprechzimmer.desktop", out, "a Windows path, under %LOCALAPPDATA%")
        self.assertFalse(os.path.exists(sessions))


def gui_subsystem_copy(source, target):
    """A copy of the exe marked as a GUI program, as release builds are
    (windows_subsystem = "windows"): the PE optional header's Subsystem
    field set from 3 (console) to 2 (GUI)."""
    with open(source, "rb") as f:
        data = bytearray(f.read())
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0"
    field = pe + 4 + 20 + 68  # signature, COFF header, offset in the optional header
    assert struct.unpack_from("<H", data, field)[0] == 3, "the debug build is a console program"
    struct.pack_into("<H", data, field, 2)
    with open(target, "wb") as f:
        f.write(data)


class ConsoleTest(WineTest):
    """What Wine can show: a GUI-subsystem build (as release builds are)
    answers scripts from cmd.exe with its output and exit codes. Whether it
    attaches to an interactive console window, Wine cannot tell apart: it
    hands a GUI child the console even without AttachConsole (checked with a
    two-line C program). That part is for a real Windows; see
    docs/support-matrix.md."""

    def test_gui_build_answers_scripts_from_cmd(self):
        gui = os.path.join(os.path.dirname(self.prefix.unix_path(self.exe)), "sprechzimmer-gui.exe")
        gui_subsystem_copy(wine.exe(), gui)
        win = self.exe.rsplit("\\", 1)[0] + r"\sprechzimmer-gui.exe"
        # Started from cmd.exe, as an admin or a support script would.
        r = self.prefix.run(["cmd", "/c", win, "--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"sprechzimmer \d+\.\d+\.\d+")
        r = self.prefix.run(["cmd", "/c", win, "check-invite", "nonsense"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("Einladungslink", r.stdout.decode() + r.stderr.decode())


class NoWebView2Test(WineTest):
    """Wine has no WebView2, like a Windows whose runtime was removed: a GUI
    start must say so in plain words and exit, not crash."""

    def test_gui_start_without_webview2_explains_and_exits(self):
        if not os.environ.get("DISPLAY"):
            raise AssertionError("needs an X display (tests/run-all.sh runs this under xvfb-run)")
        env = dict(self.prefix.env, LANG="de_DE.UTF-8")
        proc = subprocess.Popen([wine.WINE, self.exe], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = proc.stderr.readline().decode("utf-8")
            self.assertIn("WebView2", line)
            self.assertIn("IT", line, "says what to do next")
            # The message box, found by its translated title, then dismissed.
            found = subprocess.run(["xdotool", "search", "--sync", "--name", "Sprechzimmer kann nicht starten"],
                                   capture_output=True, text=True, timeout=60)
            window = found.stdout.split()[0]
            subprocess.run(["xdotool", "windowactivate", "--sync", window], capture_output=True, timeout=30)
            subprocess.run(["xdotool", "key", "--window", window, "Return"], check=True, timeout=30)
            self.assertEqual(proc.wait(timeout=60), 3, "the documented exit code")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
