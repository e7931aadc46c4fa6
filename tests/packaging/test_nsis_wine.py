"""The per-user NSIS installer, built here and installed for real under Wine.

* The installers are built once per run with src-tauri/packaging/nsis.py
  (makensis) from the cross-built debug exe,
  target/x86_64-pc-windows-gnu/debug/sprechzimmer.exe, and its
  WebView2Loader.dll. If the exe is missing every test FAILS (it is not
  skipped): cross-build it first.
* Each test gets a fresh Wine prefix (tests/windows/wine.py) and runs the
  installer and uninstaller silently, as an admin's software distribution
  or a user's script would. No display is needed for /S.
* "Leaves nothing" is checked by comparing, before install and after
  uninstall, a listing of the prefix's user profiles (and Program Files,
  ProgramData) and `regedit /E` exports of HKCU\\Software and
  HKLM\\Software. The only filters are named in LEFTOVER_FILES_OK and
  EMPTY_KEYS_OK, with the reason for each.
* The bcryptprimitives shim that Rust programs need under Debian's Wine is
  copied beside the installed exe only to run it, and deleted before
  uninstalling.

Run: python3 tests/packaging/test_nsis_wine.py
(SZ_NSIS_TEST_EXE=path/to/other.exe builds from another exe; development
only, the suite proper uses the real one.)
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "windows"))
sys.path.insert(0, os.path.join(ROOT, "src-tauri", "packaging"))
import common  # noqa: E402
import nsis  # noqa: E402
import wine  # noqa: E402

PRODUCT = common.product()
EXE = os.environ.get("SZ_NSIS_TEST_EXE") or wine.exe("debug")
LOADER = os.path.join(os.path.dirname(EXE), "WebView2Loader.dll")
IDENT = PRODUCT["identifier"]
SCHEME = PRODUCT["schemes"][0]
UNINST_KEY = rf"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\{IDENT}"
SCHEME_KEY = rf"HKCU\Software\Classes\{SCHEME}"
HOSTILE_LINK = f"{SCHEME}://join?v=1&p=https://evil.example/x"

# Files that may differ between "before install" and "after uninstall".
LEFTOVER_FILES_OK = [
    # The NSIS uninstaller cannot delete a running program, so it copies
    # itself to %TEMP%\~nsuN.tmp\Un.exe, runs from there and asks Windows to
    # delete the copy at the next reboot (which needs admin rights; without
    # them the copy stays until the temp folder is cleaned). NSIS behaviour,
    # not ours; it holds no user data. Documented for admins.
    re.compile(r"^users/[^/]+/(AppData/Local/)?Temp/~nsu[0-9A-Za-z]*\.tmp(/Un[_A-Za-z]*\.exe)?$"),
]
# Registry keys that may be left behind *empty* (no values, no subkeys).
EMPTY_KEYS_OK = {
    # Windows has the user's class root in every profile (it is the
    # UsrClass.dat hive); a fresh Wine prefix lacks it, so writing the scheme
    # creates it. Not ours to remove.
    r"HKEY_CURRENT_USER\Software\Classes",
    # The container of every program's per-user "Apps & features" entry;
    # created by the first per-user installer, shared with all others.
    r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall",
}

_built = {}
_tmp = None  # per run; setUpModule/tearDownModule


def setUpModule():
    global _tmp
    _tmp = tempfile.mkdtemp(prefix="sz-nsis-test-")


def missing_exe():
    for f in (EXE, LOADER):
        if not os.path.isfile(f):
            return (f"{f} is missing: cross-build the Windows exe first "
                    f"(cargo build --target {common.TARGET}); these tests install the real app")
    return None


def installer(version, signed_with=None):
    """The installer for `version`, built once per run (unsigned)."""
    if signed_with is None and version in _built:
        return _built[version]
    out = os.path.join(_tmp, f"{'signed-' if signed_with else ''}{version}", f"Sprechzimmer_{version}_x64-setup.exe")
    old = os.environ.get("SPRECHZIMMER_SIGN_COMMAND")
    if signed_with:
        os.environ["SPRECHZIMMER_SIGN_COMMAND"] = signed_with
    else:
        os.environ.pop("SPRECHZIMMER_SIGN_COMMAND", None)
    try:
        # zlib: LZMA (what ships) takes about a minute per build even for
        # the debug exe without its debug information; the suite builds three.
        path = nsis.build("debug", version, out, exe=EXE, loader=LOADER, compressor="zlib")
    finally:
        os.environ.pop("SPRECHZIMMER_SIGN_COMMAND", None)
        if old is not None:
            os.environ["SPRECHZIMMER_SIGN_COMMAND"] = old
    if not signed_with:
        _built[version] = path
    return path


# --- reading PE resources (the embedded manifest) ---------------------------

def pe_manifests(path):
    """The RT_MANIFEST resources of a PE file, as bytes."""
    with open(path, "rb") as f:
        d = f.read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    assert d[pe:pe + 4] == b"PE\0\0", "not a PE file"
    nsec, = struct.unpack_from("<H", d, pe + 6)
    optsize, = struct.unpack_from("<H", d, pe + 20)
    opt = pe + 24
    magic, = struct.unpack_from("<H", d, opt)
    ddir = opt + (112 if magic == 0x20B else 96)
    res_rva, _ = struct.unpack_from("<II", d, ddir + 2 * 8)
    sections = [struct.unpack_from("<IIII", d, opt + optsize + i * 40 + 8) for i in range(nsec)]

    def off(rva):
        for vsize, va, rawsize, raw in sections:
            if va <= rva < va + max(vsize, rawsize):
                return rva - va + raw
        raise ValueError(f"rva {rva:#x} outside the sections")

    base = off(res_rva)

    def entries(o):
        named, ids = struct.unpack_from("<HH", d, base + o + 12)
        for i in range(named + ids):
            name, target = struct.unpack_from("<II", d, base + o + 16 + i * 8)
            yield name, target

    out = []
    for type_id, t in entries(0):
        if type_id != 24 or not t & 0x80000000:  # RT_MANIFEST
            continue
        for _, n in entries(t & 0x7FFFFFFF):
            for _, lang in entries(n & 0x7FFFFFFF):
                rva, size = struct.unpack_from("<II", d, base + lang)
                out.append(d[off(rva):off(rva) + size])
    return out


def execution_levels(path):
    levels = []
    for m in pe_manifests(path):
        for el in ET.fromstring(m.decode("utf-8").lstrip("\ufeff")).iter():
            if el.tag.endswith("}requestedExecutionLevel"):
                levels.append((el.get("level"), el.get("uiAccess")))
    return levels


# --- registry exports --------------------------------------------------------

def parse_reg(text):
    """regedit export -> {key: frozenset of value lines}."""
    keys, cur, pending = {}, None, ""
    for line in text.splitlines():
        line = pending + line.strip() if pending else line.rstrip()
        pending = ""
        if line.endswith("\\") and cur is not None and not line.startswith("["):
            pending = line[:-1]
            continue
        if line.startswith("[") and line.endswith("]"):
            cur = line[1:-1]
            keys.setdefault(cur, set())
        elif cur is not None and line and not line.startswith(("REGEDIT", "Windows Registry", ";", "#")):
            keys[cur].add(line)
    return {k: frozenset(v) for k, v in keys.items()}


def reg_diff(before, after):
    """(added or changed, removed) keys/values, minus the documented noise."""
    added, removed = [], []
    for k, vals in after.items():
        # Wine's own bookkeeping (WineDbg after one of its programs crashed).
        if k not in before and k.split("\\")[1:3] == ["Software", "Wine"]:
            continue
        if k not in before:
            empty = not vals and not any(o.startswith(k + "\\") for o in after)
            if not (empty and k in EMPTY_KEYS_OK):
                added.append(f"[{k}] {sorted(vals)}")
        elif vals - before[k]:
            added.append(f"[{k}] {sorted(vals - before[k])}")
    for k, vals in before.items():
        if k not in after:
            removed.append(f"[{k}]")
        elif vals - after[k]:
            removed.append(f"[{k}] {sorted(vals - after[k])}")
    return added, removed


class NsisWine(unittest.TestCase):
    def setUp(self):
        problem = missing_exe()
        if problem:
            self.fail(problem)
        self.p = wine.Prefix()
        self.addCleanup(self.p.close)
        # winemenubuilder would mirror the Start-menu shortcut and the URL
        # scheme into ~/.local/share (outside the prefix): off.
        self.p.env["WINEDLLOVERRIDES"] += ";winemenubuilder.exe=d"
        users = [u for u in os.listdir(self.p.unix_path(r"C:\users")) if u != "Public"]
        self.assertEqual(len(users), 1, users)
        self.profile = "C:\\users\\" + users[0]
        self.instdir = self.profile + r"\AppData\Local\Programs\Sprechzimmer"

    # --- helpers ---
    def wait_idle(self):
        """Until every process in the prefix has ended (the uninstaller's
        re-launched copy from %TEMP% included)."""
        subprocess.run(["wineserver", "-w"], env=self.p.env, timeout=180, check=True)

    def install(self, setup, *args):
        r = self.p.run([self.p.winpath(setup), "/S", *args], timeout=300)
        self.wait_idle()
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))

    def uninstall_quietly(self):
        quiet = self.p.reg_query(UNINST_KEY, "QuietUninstallString")["QuietUninstallString"][1]
        m = re.match(r'^"([^"]+)"\s*(.*)$', quiet)
        self.assertTrue(m, quiet)
        r = self.p.run([m.group(1)] + m.group(2).split(), timeout=300)
        # The process we started only re-launches the uninstaller from %TEMP%
        # and exits; the real work happens after. Wait for it.
        self.wait_idle()
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))

    def files(self):
        out = set()
        for top in ("users", "Program Files", "Program Files (x86)", "ProgramData"):
            base = os.path.join(self.p.path, "drive_c", top)
            for root, dirs, names in os.walk(base):
                for n in dirs + names:
                    out.add(os.path.relpath(os.path.join(root, n), os.path.join(self.p.path, "drive_c")))
        return out

    def registry(self):
        return {hive: parse_reg(self.p.reg_export(rf"{hive}\Software"))
                for hive in ("HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE")}

    def run_installed(self, *args):
        """Runs the installed exe (with the test shim beside it)."""
        shim = self.p.unix_path(self.instdir + r"\bcryptprimitives.dll")
        shutil.copy2(wine.shim(), shim)
        try:
            return self.p.run([self.instdir + "\\" + PRODUCT["binary"], *args], timeout=120)
        finally:
            os.remove(shim)

    # --- tests ---
    def test_installer_requests_no_elevation(self):
        setup = installer(PRODUCT["version"])
        self.assertEqual(execution_levels(setup), [("asInvoker", "false")])
        with open(os.path.join(ROOT, "src-tauri", "nsis", "installer.nsi"), encoding="utf-8") as f:
            script = f.read().lower()
        for downloader in ("nsisdl", "inetc", "inetload", "http://", "https://"):
            self.assertNotIn(downloader, script, "the installer must not download anything")

    def test_silent_install_per_user(self):
        setup = installer(PRODUCT["version"])
        files0, reg0 = self.files(), self.registry()
        self.install(setup)
        files1, reg1 = self.files(), self.registry()

        # Files: the program folder under %LOCALAPPDATA%\Programs, and the
        # Start-menu shortcut. Nothing else anywhere (Program Files included).
        prof = self.profile[3:].replace("\\", "/")
        inst = self.instdir[3:].replace("\\", "/")
        lnk = f"{prof}/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/{PRODUCT['product_name']}.lnk"
        self.assertEqual(files1 - files0, {
            f"{prof}/AppData/Local/Programs", inst,
            f"{inst}/{PRODUCT['binary']}", f"{inst}/{common.AGENT}", f"{inst}/WebView2Loader.dll", f"{inst}/Uninstall.exe", lnk})
        self.assertEqual(files0 - files1, set())
        staged = common.stage_exe(EXE, os.path.join(self.p.dir, "staged.exe"))
        with open(staged, "rb") as a, open(self.p.unix_path(self.instdir + "\\" + PRODUCT["binary"]), "rb") as b:
            self.assertTrue(a.read() == b.read(), "installed exe differs from the build (without debug information)")
        with open(os.path.join(self.p.path, "drive_c", lnk), "rb") as f:
            target = (self.instdir + "\\" + PRODUCT["binary"]).lower()
            blob = f.read().lower()
            self.assertTrue(target.encode("utf-16-le") in blob or target.encode() in blob, "shortcut target")
        self.assertEqual(execution_levels(self.p.unix_path(self.instdir + r"\Uninstall.exe")), [("asInvoker", "false")])

        # The scheme, for this user.
        exe_win = self.instdir + "\\" + PRODUCT["binary"]
        self.assertEqual(self.p.reg_query(SCHEME_KEY)["URL Protocol"], ("REG_SZ", ""))
        self.assertEqual(self.p.reg_query(SCHEME_KEY + r"\shell\open\command")["(Default)"][1], f'"{exe_win}" "%1"')
        self.assertEqual(self.p.reg_query(SCHEME_KEY + r"\DefaultIcon")["(Default)"][1], f'"{exe_win}",0')

        # The "Apps & features" entry.
        arp = self.p.reg_query(UNINST_KEY)
        self.assertEqual({k: v[1] for k, v in arp.items() if v[0] == "REG_SZ"}, {
            "DisplayName": PRODUCT["product_name"],
            "DisplayVersion": PRODUCT["version"],
            "Publisher": PRODUCT["manufacturer"],
            "DisplayIcon": f'"{exe_win}",0',
            "InstallLocation": self.instdir,
            "UninstallString": f'"{self.instdir}\\Uninstall.exe"',
            "QuietUninstallString": f'"{self.instdir}\\Uninstall.exe" /S',
        })
        self.assertEqual(arp["NoModify"], ("REG_DWORD", "0x1"))
        self.assertEqual(arp["NoRepair"], ("REG_DWORD", "0x1"))
        size_kb = int(arp["EstimatedSize"][1], 16)
        on_disk = sum(os.path.getsize(self.p.unix_path(self.instdir + "\\" + n)) for n in os.listdir(self.p.unix_path(self.instdir)))
        self.assertAlmostEqual(size_kb, on_disk / 1024, delta=8)

        # Registry: the scheme and the entry under HKCU, nothing under HKLM.
        added, removed = reg_diff(reg0["HKEY_LOCAL_MACHINE"], reg1["HKEY_LOCAL_MACHINE"])
        self.assertEqual((added, removed), ([], []), "the installer touched HKLM\\Software")
        added, removed = reg_diff(reg0["HKEY_CURRENT_USER"], reg1["HKEY_CURRENT_USER"])
        self.assertEqual(removed, [])
        ours = (rf"HKEY_CURRENT_USER\Software\Classes\{SCHEME}",
                rf"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\{IDENT}")
        containers = {f"[{k}] []" for k in EMPTY_KEYS_OK}  # new, no values of their own
        self.assertEqual([a for a in added if not a[1:].startswith(ours) and a not in containers], [])

        # The installed app runs: its console subcommands.
        r = self.run_installed("--version")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertEqual(r.stdout.decode().strip(), f"sprechzimmer {PRODUCT['version']}")
        r = self.run_installed("check-invite", HOSTILE_LINK)
        err = r.stderr.decode("utf-8", errors="replace").strip().splitlines()
        self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
        self.assertEqual(len(err), 1, err)

    def test_upgrade_replaces_in_place(self):
        # 0.1.0 into a folder of the user's choice; 0.2.0 without /D must
        # find it there (InstallDirRegKey) and replace it.
        custom = self.profile + r"\Apps\Sprechzimmer"
        self.install(installer("0.1.0"), "/D=" + custom)
        self.assertEqual(self.p.reg_query(UNINST_KEY, "DisplayVersion")["DisplayVersion"][1], "0.1.0")
        self.install(installer("0.2.0"))

        entries = self.p.run(["reg", "query", r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall"]).stdout.decode(errors="replace")
        keys = [line.strip() for line in entries.splitlines() if line.strip().upper().startswith("HKEY_")]
        ours = [k for k in keys if (self.p.reg_query(k, "DisplayName") or {}).get("DisplayName", ("", ""))[1] == PRODUCT["product_name"]]
        self.assertEqual(len(ours), 1, keys)
        arp = self.p.reg_query(UNINST_KEY)
        self.assertEqual(arp["DisplayVersion"][1], "0.2.0")
        self.assertEqual(arp["InstallLocation"][1], custom)
        self.assertEqual(sorted(os.listdir(self.p.unix_path(custom))), sorted([PRODUCT["binary"], "sprechzimmer-tray.exe", "Uninstall.exe", "WebView2Loader.dll"]))
        self.assertFalse(os.path.exists(self.p.unix_path(self.instdir)), "second copy in the default folder")
        self.assertIn(custom, self.p.reg_query(SCHEME_KEY + r"\shell\open\command")["(Default)"][1])

    def test_silent_uninstall_leaves_nothing(self):
        setup = installer(PRODUCT["version"])
        files0, reg0 = self.files(), self.registry()
        self.install(setup)
        self.assertIsNotNone(self.p.reg_query(UNINST_KEY))
        # The app's own per-user folders: it makes its cache folder itself
        # (`wipe --check` leaves an app.lock there); the rest is made as the
        # app would (dirs crate): settings in config_dir = %APPDATA%,
        # sessions and WebView2 data in cache_dir = %LOCALAPPDATA%.
        r = self.run_installed("wipe", "--check")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.wait_idle()
        app_dirs = [self.profile + rf"\AppData\Roaming\{IDENT}", self.profile + rf"\AppData\Local\{IDENT}"]
        for d in app_dirs:
            os.makedirs(self.p.unix_path(d + r"\sessions\s1\EBWebView"), exist_ok=True)
            with open(self.p.unix_path(d + r"\settings.json"), "w") as f:
                f.write('{"language":"de"}')
        self.assertFalse(os.path.exists(self.p.unix_path(self.instdir + r"\bcryptprimitives.dll")))

        self.uninstall_quietly()

        files2, reg2 = self.files(), self.registry()
        for d in app_dirs:
            self.assertFalse(os.path.exists(self.p.unix_path(d)), d)
        left = sorted(f for f in files2 - files0 if not any(r.match(f) for r in LEFTOVER_FILES_OK))
        self.assertEqual(left, [], "files left behind")
        self.assertEqual(sorted(files0 - files2), [], "files removed that were there before")
        for hive in reg0:
            added, removed = reg_diff(reg0[hive], reg2[hive])
            self.assertEqual(added, [], f"{hive}: keys or values left behind")
            self.assertEqual(removed, [], f"{hive}: keys or values removed that were there before")

    def test_running_app_blocks_upgrade_and_uninstall(self):
        # The real GUI needs WebView2, which this Wine lacks; a stand-in that
        # just waits takes the installed exe's place and runs.
        self.install(installer("0.1.0"))
        src = os.path.join(_tmp, "waiter.c")
        with open(src, "w") as f:
            f.write("#include <windows.h>\nint main(void){\n"
                    "  CloseHandle(CreateFileA(\"C:\\\\waiter-started\", GENERIC_WRITE, 0, 0, CREATE_ALWAYS, 0, 0));\n"
                    "  Sleep(120000); return 0; }\n")
        waiter = os.path.join(_tmp, "waiter.exe")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-o", waiter, src], check=True)
        exe_win = self.instdir + "\\" + PRODUCT["binary"]
        shutil.copy2(waiter, self.p.unix_path(exe_win))
        running = subprocess.Popen([wine.WINE, exe_win], env=self.p.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(running.wait)
        self.addCleanup(running.kill)
        started = self.p.unix_path(r"C:\waiter-started")
        deadline = time.monotonic() + 60
        while not os.path.exists(started):
            self.assertLess(time.monotonic(), deadline, "the stand-in did not start")
            time.sleep(0.2)

        # Upgrade: silent install fails with exit code 2, old version stays.
        r = self.p.run([self.p.winpath(installer("0.2.0")), "/S"], timeout=300)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.p.reg_query(UNINST_KEY, "DisplayVersion")["DisplayVersion"][1], "0.1.0")
        # Uninstall in place (_?= keeps the exit code visible): refuses with
        # 2 before removing anything.
        r = self.p.run([self.instdir + r"\Uninstall.exe", "/S", "_?=" + self.instdir], timeout=300)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(sorted(os.listdir(self.p.unix_path(self.instdir))),
                         sorted([PRODUCT["binary"], "sprechzimmer-tray.exe", "Uninstall.exe", "WebView2Loader.dll"]))
        self.assertIsNotNone(self.p.reg_query(SCHEME_KEY))
        self.assertIsNotNone(self.p.reg_query(UNINST_KEY))

    def test_interactive_ui_follows_system_language(self):
        # Interactive start on a virtual display; the window title shows the
        # language MUI picked from the system's (German is also the fallback
        # for other languages).
        self.assertTrue(shutil.which("xvfb-run") and shutil.which("xdotool"), "needs xvfb-run and xdotool")
        setup = self.p.winpath(installer(PRODUCT["version"]))
        titles = {}
        for lang in ("de_DE.UTF-8", "en_US.UTF-8"):
            env = dict(self.p.env, LANG=lang, LC_ALL=lang)
            script = (f'"{wine.WINE}" "$1" & '
                      'for i in $(seq 60); do '
                      '  t=$(xdotool search --onlyvisible --name Sprechzimmer getwindowname %@ 2>/dev/null); '
                      '  [ -n "$t" ] && break; sleep 0.5; '
                      'done; echo "$t"; wineserver -k')
            r = subprocess.run(["xvfb-run", "-a", "sh", "-c", script, "sh", setup],
                               env=env, capture_output=True, text=True, timeout=120)
            self.wait_idle()
            titles[lang[:2]] = r.stdout.strip()
        name = PRODUCT["product_name"]
        self.assertEqual(titles, {"de": f"Installation von {name}", "en": f"{name} Setup"})

    def test_signing_hook(self):
        tmp = tempfile.mkdtemp(prefix="sz-sign-", dir=_tmp)
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=Sprechzimmer Test Signing",
                        "-addext", "extendedKeyUsage=codeSigning"], check=True, capture_output=True)
        log = os.path.join(tmp, "signed.log")
        wrapper = os.path.join(tmp, "sign.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nset -e\n"
                    f"osslsigncode sign -certs '{cert}' -key '{key}' -n Sprechzimmer -h sha256 "
                    "-in \"$1\" -out \"$1.signed\" >/dev/null\n"
                    "mv \"$1.signed\" \"$1\"\n"
                    f"echo \"$1\" >> '{log}'\n")
        os.chmod(wrapper, 0o755)
        setup = installer(PRODUCT["version"], signed_with=f"{wrapper} %1")

        def verify(path):
            r = subprocess.run(["osslsigncode", "verify", "-CAfile", cert, "-in", path], capture_output=True, text=True)
            self.assertIn("Subject: /CN=Sprechzimmer Test Signing", r.stdout, r.stdout + r.stderr)
            self.assertIn("Number of verified signatures: 1", r.stdout, r.stdout + r.stderr)

        with open(log) as f:
            self.assertEqual(len(f.read().splitlines()), 4, "exe, tray agent, uninstaller and installer are signed")
        verify(setup)
        # The signed installer still runs (NSIS' integrity check ignores the
        # appended signature), and what it installs was signed before packing.
        self.install(setup)
        verify(self.p.unix_path(self.instdir + "\\" + PRODUCT["binary"]))
        verify(self.p.unix_path(self.instdir + "\\" + common.AGENT))
        verify(self.p.unix_path(self.instdir + r"\Uninstall.exe"))
        r = subprocess.run(["osslsigncode", "verify", "-in", EXE], capture_output=True, text=True)
        self.assertNotIn("Signer's certificate", r.stdout, "the build output itself stays unsigned")


def tearDownModule():
    shutil.rmtree(_tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
