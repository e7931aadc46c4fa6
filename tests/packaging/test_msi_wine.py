"""The per-machine MSI IT rolls out, built and installed for real.

src-tauri/packaging/msi.py builds the MSI with msitools' `wixl` from the
same template the Tauri bundler uses (src-tauri/wix/main.wxs) around the
cross-built exe; these tests install it silently with Wine's msiexec, as a
software distribution would, check what landed on the machine, run the
installed exe, and uninstall and upgrade it.

* Each Wine test gets a fresh prefix (tests/windows/wine.py).
* The installed exe runs only with the bcryptprimitives shim beside it
  (Debian's Wine lacks ProcessPrng); the shim is copied in for the run and
  deleted before uninstalling, so "uninstall leaves nothing" is honest.
* `wine msiexec` needs a display: each call runs under `xvfb-run -a`.

Needs target/x86_64-pc-windows-gnu/debug/sprechzimmer.exe and
WebView2Loader.dll beside it; without them every test that installs FAILS
(it does not skip). The template tests need no exe.

Run: python3 tests/packaging/test_msi_wine.py
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "windows"))
sys.path.insert(0, os.path.join(ROOT, "src-tauri", "packaging"))
import wine  # noqa: E402
import common  # noqa: E402
import msi as msi_builder  # noqa: E402

MSI_PY = os.path.join(ROOT, "src-tauri", "packaging", "msi.py")
TEMPLATE = os.path.join(ROOT, "src-tauri", "wix", "main.wxs")
WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"
W = f"{{{WIX_NS}}}"

EXE = wine.exe("debug")
INSTALL_DIR = r"C:\Program Files\Sprechzimmer"
INSTALLED_EXE = INSTALL_DIR + r"\sprechzimmer.exe"
POLICY_KEY = r"HKLM\SOFTWARE\Policies\Sprechzimmer"
POLICY_ORIGIN = r"HKLM\SOFTWARE\Policies\Sprechzimmer"  # as the app names it
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"

# What an admin passes (docs/administration.md shows the same line).
# Valid values: src-tauri/core/src/policy/definition.rs.
PROPERTIES = {
    "ORGPROFILEURL": "https://beratung.example.org/sprechzimmer/profile.json",
    "ALLOWEDHOSTS": "bbb.beratung.example.org,*.jitsi.beratung.example.org",
    "ALLOWEDPROVIDERS": "bbb,jitsi",
    "COUNSELLORMODE": "off",
    "AUTOSTART": "on",
}
# What `sprechzimmer policy --json` makes of them.
EXPECTED = {
    "organisationProfileUrl": "https://beratung.example.org/sprechzimmer/profile.json",
    "allowedMeetingHosts": ["bbb.beratung.example.org", "*.jitsi.beratung.example.org"],
    "allowedProviders": ["bbb", "jitsi"],
    "counsellorMode": "off",
    "autostart": "on",
}
# Given, but empty: the app treats it as not set.
EMPTY_PROPERTY = ("LOGLEVEL", "logLevel", "warn")
# Not given at all.
ABSENT_PROPERTY = ("MEETINGVIEW", "meetingView", "auto")


def fragment_values():
    """MSI property -> registry value name, from the generated fragment."""
    root = ET.parse(os.path.join(ROOT, "src-tauri", "wix", "policy.wxs")).getroot()
    out = {}
    for key in root.iter(W + "RegistryKey"):
        if key.get("Key") == r"SOFTWARE\Policies\Sprechzimmer":
            for v in key.iter(W + "RegistryValue"):
                m = re.fullmatch(r"\[([A-Z0-9_]+)\]", v.get("Value"))
                out[m.group(1)] = v.get("Name")
    return out


def msi_properties(path):
    return {r["Property"]: r["Value"] for r in msi_builder.msi_table(path, "Property")}


def packed_guid(guid):
    """Windows Installer's packed form of a GUID (registry key names)."""
    g = guid.strip("{}").replace("-", "").upper()
    head = g[7::-1] + g[11:7:-1] + g[15:11:-1]
    tail = "".join(g[i + 1] + g[i] for i in range(16, 32, 2))
    return head + tail


def parse_reg(text):
    """A regedit export as {key: sorted value lines}."""
    keys, current, pending = {}, None, ""
    for raw in text.splitlines():
        line = pending + raw.strip() if pending else raw.rstrip()
        if line.endswith("\\") and current is not None and not line.startswith("["):
            pending = line[:-1]
            continue
        pending = ""
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            keys.setdefault(current, [])
        elif current is not None and line and not line.startswith(";"):
            keys[current].append(line)
    return {k: sorted(v) for k, v in keys.items()}


# Windows Installer's own bookkeeping keys. The first install creates them
# (on Windows they exist from the start) and uninstalling empties them but
# leaves them in place, with no values and no product below them.
INSTALLER_CONTAINERS = {
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\Features",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\Products",
    r"HKEY_LOCAL_MACHINE\Software\Classes\Installer\UpgradeCodes",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UpgradeCodes",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Components",
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products",
}
# Windows Installer's cache folder (C:\Windows\Installer): created at the
# first install, kept (empty) after the last uninstall, as on Windows.
INSTALLER_CACHE = os.path.join("windows", "Installer")


class Machine:
    """A fresh Wine prefix with msiexec, the installed exe, snapshots."""

    def __init__(self):
        self.prefix = wine.Prefix()
        # Windows always has HKLM\SOFTWARE\Policies\Microsoft; a fresh Wine
        # prefix has an empty Policies key, which msiexec deletes with our
        # policy key on uninstall (it removes parent keys left empty). With
        # the key Windows has, the comparison sees what Windows would.
        r = self.prefix.run(["reg", "add", r"HKLM\SOFTWARE\Policies\Microsoft", "/f"])
        assert r.returncode == 0, r.stderr

    def close(self):
        self.prefix.close()

    def msiexec(self, *args, log_name="msiexec.log"):
        """`msiexec ARGS /l*v LOG` under a private X server; (rc, log)."""
        log = os.path.join(self.prefix.dir, log_name)
        cmd = ["xvfb-run", "-a", wine.WINE, "msiexec", *args, "/l*v", self.prefix.winpath(log)]
        r = subprocess.run(cmd, env=self.prefix.env, capture_output=True, timeout=300)
        text = ""
        if os.path.exists(log):
            with open(log, "rb") as f:
                data = f.read()
            text = data.decode("utf-16") if data[:2] == b"\xff\xfe" else data.decode("utf-8", errors="replace")
        return r.returncode, text

    def install(self, msi, **props):
        args = ["/i", self.prefix.winpath(msi), "/qn"] + [f"{k}={v}" for k, v in props.items()]
        return self.msiexec(*args, log_name="install.log")

    def uninstall(self, msi):
        return self.msiexec("/x", self.prefix.winpath(msi), "/qn", log_name="uninstall.log")

    def run_installed(self, *args):
        """Runs the installed exe with the shim beside it for this run only."""
        shim = os.path.join(self.prefix.unix_path(INSTALL_DIR), "bcryptprimitives.dll")
        shutil.copy2(wine.shim(), shim)
        try:
            return self.prefix.run([INSTALLED_EXE, *args], timeout=120)
        finally:
            os.remove(shim)

    def files(self):
        root = os.path.join(self.prefix.path, "drive_c")
        out = set()
        for d, dirs, files in os.walk(root):
            for name in dirs + files:
                out.add(os.path.relpath(os.path.join(d, name), root))
        return out

    def snapshot(self):
        return {
            "files": self.files(),
            "HKLM": parse_reg(self.prefix.reg_export(r"HKEY_LOCAL_MACHINE\Software")),
            "HKCU": parse_reg(self.prefix.reg_export(r"HKEY_CURRENT_USER\Software")),
        }

    def uninstall_entries(self):
        """{ProductCode: values} of every entry in Programs and Features."""
        r = self.prefix.run(["reg", "query", UNINSTALL_KEY])
        keys = [line.strip() for line in r.stdout.decode(errors="replace").splitlines() if line.strip().startswith("HKEY_")]
        out = {}
        for key in keys:
            name = key.rsplit("\\", 1)[1]
            if name.lower() == "uninstall":
                continue
            out[name] = {k: v[1] for k, v in (self.prefix.reg_query(key) or {}).items()}
        return out


class TemplateTest(unittest.TestCase):
    """main.wxs, rendered the Tauri bundler's way and ours; and the drift
    guard between tauri.conf.json, the template and the policy fragment."""

    @classmethod
    def setUpClass(cls):
        with open(TEMPLATE, encoding="utf-8") as f:
            cls.template = f.read()
        cls.conf = common.config()
        cls.wix = cls.conf["bundle"]["windows"]["wix"]

    def tauri_data(self, **over):
        """The variables the Tauri bundler gives a custom template
        (crates/tauri-bundler/src/bundle/windows/msi/mod.rs), never `wixl`."""
        p = common.product()
        data = {
            "product_name": p["product_name"], "version": p["version"], "manufacturer": p["manufacturer"],
            "bundle_id": p["identifier"], "upgrade_code": p["upgrade_code"], "long_description": "",
            "homepage": None, "allow_downgrades": False, "install_webview": False,
            "path_component_guid": "4DFE5769-0D21-5E5F-B458-DFDDFD27AFBB",
            "shortcut_guid": "4DFE5769-0D21-5E5F-B458-DFDDFD27AFBB",
            "binaries": [], "resources": "", "resource_file_ids": [], "merge_modules": [],
            "main_binary_name": "sprechzimmer",
            "main_binary_path": r"C:\build\target\release\sprechzimmer.exe",
            "icon_path": r"C:\build\target\release\resources\icon.ico",
            "component_group_refs": self.wix.get("componentGroupRefs", []),
            "component_refs": self.wix.get("componentRefs", []),
            "feature_group_refs": [], "feature_refs": [], "merge_refs": [],
            "deep_link_protocols": p["schemes"],
        }
        data.update(over)
        return data

    def wixl_data(self):
        data, _ = msi_builder.template_data("0.1.0", "sprechzimmer.exe", "WebView2Loader.dll")
        data["icon_path"] = "icon.ico"
        return data

    def test_tauri_rendering_is_full_wix(self):
        text = msi_builder.render(self.template, self.tauri_data())
        root = ET.fromstring(text)  # well-formed
        product = root.find(W + "Product")
        for loc in ("!(loc.TauriLanguage)", "!(loc.TauriCodepage)", "!(loc.DowngradeErrorMessage)", "!(loc.InstallAppFeature)"):
            self.assertIn(loc, text, "the Tauri rendering takes its strings from the bundler's locale file")
        self.assertEqual(product.find(W + "UIRef").get("Id"), "WixUI_InstallDir", "interactive installs get dialogs")
        self.assertIsNotNone(product.find(W + "SetProperty"))
        self.assertIsNotNone(product.find(f".//{W}ShortcutProperty[@Key='System.AppUserModel.ID']"))
        self.assertEqual(product.find(W + "MajorUpgrade").get("Schedule"), "afterInstallInitialize")
        # The bundler's componentRefs (and the other ref lists) are used.
        text2 = msi_builder.render(self.template, self.tauri_data(
            component_refs=["A", "B"], component_group_refs=["G"], feature_refs=["F"]))
        external = ET.fromstring(text2).find(f"{W}Product/{W}Feature[@Id='External']")
        self.assertEqual([c.get("Id") for c in external.findall(W + "ComponentRef")], ["A", "B"])
        self.assertEqual([c.get("Id") for c in external.findall(W + "ComponentGroupRef")], ["G"])
        self.assertEqual([c.get("Id") for c in external.findall(W + "FeatureRef")], ["F"])
        self.assertNotIn("WebView2Loader", text, "only our build adds the loader DLL")

    def test_wixl_rendering_has_nothing_wixl_cannot_do(self):
        text = msi_builder.render(self.template, self.wixl_data())
        root = ET.fromstring(text)
        self.assertNotIn("!(loc.", text)
        for tag in ("UI", "UIRef", "SetProperty", "ShortcutProperty", "WixVariable"):
            self.assertIsNone(root.find(f".//{W}{tag}"), tag)
        for key in root.iter(W + "RegistryKey"):
            self.assertIsNone(key.find(W + "RegistryKey"), "wixl cannot nest RegistryKey")
        self.assertIsNotNone(root.find(f".//{W}File[@Id='WebView2Loader']"))

    def test_both_renderings_install_per_machine_only(self):
        for name, data in (("tauri", self.tauri_data()), ("wixl", self.wixl_data())):
            with self.subTest(name):
                text = msi_builder.render(self.template, data)
                product = ET.fromstring(text).find(W + "Product")
                self.assertEqual(product.find(W + "Package").get("InstallScope"), "perMachine")
                self.assertEqual(product.get("UpgradeCode"), self.wix["upgradeCode"])
                roots = {v.get("Root") for v in product.iter() if v.get("Root")}
                self.assertLessEqual(roots, {"HKLM", "HKMU"}, "nothing in HKCU")
                self.assertNotIn("DesktopFolder", text, "no desktop shortcut")
                self.assertIsNone(product.find(f".//{W}CustomAction[@FileKey]"), "no launch after install")
                self.assertNotIn("EdgeUpdate", text, "no WebView2 check or download")
                self.assertNotIn("ExeCommand", text)
                pf = product.find(f"{W}Directory/{W}Directory[@Id='ProgramFiles64Folder']")
                self.assertEqual(pf.find(W + "Directory").get("Id"), "INSTALLDIR")
                self.assertEqual(pf.find(W + "Directory").get("Name"), "Sprechzimmer")
                shortcut = product.find(f"{W}DirectoryRef[@Id='ProgramMenuFolder']/{W}Component/{W}Shortcut")
                self.assertEqual(shortcut.get("Target"), "[!Path]")
                props = {p.get("Id"): p.get("Value") for p in product.findall(W + "Property")}
                self.assertEqual(props.get("ARPNOMODIFY"), "1")
                self.assertEqual(props.get("ARPNOREPAIR"), "1")
                self.assertEqual(props.get("ARPPRODUCTICON"), "ProductIcon")
                command = [k for k in product.iter(W + "RegistryKey")
                           if k.get("Key") == r"Software\Classes\sprechzimmer\shell\open\command"]
                self.assertEqual(len(command), 1)
                self.assertEqual(command[0].get("Root"), "HKLM")
                self.assertEqual(command[0].find(W + "RegistryValue").get("Value"), '"[!Path]" "%1"')

    def test_tauri_conf_agrees_with_template_and_fragment(self):
        self.assertEqual(self.wix["template"], "src-tauri/wix/main.wxs")
        self.assertTrue(os.path.isfile(os.path.join(ROOT, self.wix["template"])))
        self.assertRegex(self.wix["upgradeCode"], r"^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$", "fixed, upper case")
        self.assertEqual(self.wix["language"], "de-DE")
        self.assertEqual(msi_builder.LANGUAGES[self.wix["language"]][0], 1031)
        self.assertEqual(self.conf["bundle"]["windows"]["webviewInstallMode"], {"type": "skip"})
        # Every componentRef is a component of a fragment, and every
        # component of the fragments is referenced.
        fragment_components = []
        for path in self.wix["fragmentPaths"]:
            frag = ET.parse(os.path.join(ROOT, path)).getroot()
            fragment_components += [c.get("Id") for c in frag.iter(W + "Component")]
        self.assertEqual(sorted(fragment_components), sorted(self.wix["componentRefs"]))
        # The template uses the bundler's variables for these, not copies.
        for var in ("{{upgrade_code}}", "{{#each component_refs as |id|}}", "{{#each deep_link_protocols as |protocol|}}"):
            self.assertIn(var, self.template)
        self.assertNotIn(self.wix["upgradeCode"], self.template, "the UpgradeCode lives in tauri.conf.json only")

    def test_wixl_build_carries_the_same_facts(self):
        """A wixl MSI around a stand-in exe (no Rust build needed): the
        UpgradeCode, language, fragment component and scheme from the config."""
        d = tempfile.mkdtemp(prefix="sz-msi-tpl-")
        try:
            src = os.path.join(d, "stub.c")
            with open(src, "w") as f:
                f.write("int main(void){return 0;}\n")
            exe = os.path.join(d, "sprechzimmer.exe")
            subprocess.run(["x86_64-w64-mingw32-gcc", "-o", exe, src], check=True)
            shutil.copy2(exe, os.path.join(d, "WebView2Loader.dll"))
            shutil.copy2(exe, os.path.join(d, common.AGENT))
            out = os.path.join(d, "t.msi")
            msi_builder.build(exe=exe, out=out)
            props = msi_properties(out)
            self.assertEqual(props["UpgradeCode"], "{%s}" % self.wix["upgradeCode"])
            self.assertEqual(props["ProductLanguage"], "1031")
            self.assertEqual(props["ALLUSERS"], "1")
            secure = props["SecureCustomProperties"].split(";")
            for prop in fragment_values():
                self.assertIn(prop, secure, f"{prop} reaches the elevated install (Secure=yes in the fragment)")
            features = msi_builder.msi_table(out, "FeatureComponents")
            self.assertIn({"Feature_": "External", "Component_": "SprechzimmerPolicy"}, features)
            registry = msi_builder.msi_table(out, "Registry")
            for scheme in common.product()["schemes"]:
                self.assertTrue(any(r["Key"].rstrip("\\") == rf"Software\Classes\{scheme}\shell\open\command"
                                    and r["Root"] == "2" for r in registry), scheme)
            self.assertFalse([r for r in registry if r["Root"] == "1"], "nothing in HKCU")
            # HKLM, and HKMU as -1 (wixl writes 4, which msi.py corrects).
            self.assertEqual({r["Root"] for r in registry}, {"2", "-1"})
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_renderer_refuses_what_it_does_not_know(self):
        for bad in ("{{> partial}}", "{{{raw}}}", "{{~x}}", "{{lookup a b}}", "{{#with x}}{{/with}}",
                    "{{#if x}}", "{{/if}}", "{{missing}}", "{{#each x}}{{else}}{{else}}{{/each}}"):
            with self.subTest(bad):
                with self.assertRaises(msi_builder.TemplateError):
                    msi_builder.render(bad, {"x": True})
        self.assertEqual(msi_builder.render("{{#each l as |i|}}{{i}}{{../n}};{{/each}}", {"l": ["a", "b"], "n": 1}), "a1;b1;")
        self.assertEqual(msi_builder.msi_version("1.2.3"), "1.2.3")
        self.assertEqual(msi_builder.msi_version("1.2.3-4"), "1.2.3.4")


class WineMsiTest(unittest.TestCase):
    """The MSI, installed and removed under Wine."""

    problem = None

    @classmethod
    def setUpClass(cls):
        missing = [p for p in (EXE, os.path.join(os.path.dirname(EXE), "WebView2Loader.dll")) if not os.path.isfile(p)]
        if missing:
            cls.problem = ("missing " + ", ".join(missing) + ": cross-build the app first "
                           "(cargo build --target x86_64-pc-windows-gnu); these tests install the real exe")
            return
        cls.dir = tempfile.mkdtemp(prefix="sz-msi-wine-")
        cls.msi_old = cls.build("0.1.0")
        cls.msi_new = cls.build("0.2.0")
        cls.product_old = msi_properties(cls.msi_old)["ProductCode"]
        cls.product_new = msi_properties(cls.msi_new)["ProductCode"]

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "dir", None):
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def build(cls, version, env=None, name=None):
        out = os.path.join(cls.dir, name or f"Sprechzimmer_{version}_x64_de-DE.msi")
        e = {k: v for k, v in os.environ.items() if k != "SPRECHZIMMER_SIGN_COMMAND"}
        e.update(env or {})
        r = subprocess.run([sys.executable, MSI_PY, "--profile", "debug", "--version", version, "--out", out],
                           env=e, capture_output=True, text=True)
        assert r.returncode == 0, f"msi.py failed: {r.stderr}"
        assert r.stdout.strip() == out, r.stdout
        return out

    def setUp(self):
        if self.problem:
            self.fail(self.problem)
        self.machine = Machine()
        self.addCleanup(self.machine.close)

    def assertInstalled(self, rc, log):
        self.assertEqual(rc, 0, f"msiexec failed:\n{log[-3000:]}")

    def policy_json(self):
        r = self.machine.run_installed("policy", "--json")
        out, err = r.stdout.decode("utf-8", errors="replace"), r.stderr.decode("utf-8", errors="replace")
        self.assertNotIn("panicked", err)
        try:
            return r.returncode, json.loads(out), err
        except json.JSONDecodeError:
            self.fail(f"policy --json (exit {r.returncode}) printed no JSON:\n{out}\n{err}")

    # -- 1 -----------------------------------------------------------------
    def test_silent_install_with_properties(self):
        m, p = self.machine, self.machine.prefix
        hkcu_before = parse_reg(p.reg_export(r"HKEY_CURRENT_USER\Software"))
        props = dict(PROPERTIES)
        # `LOGLEVEL=` (empty). Not `LOGLEVEL=""`: Wine turns the Unix argv
        # into a command line with escaped quotes, which msiexec reads as
        # backslashes; in cmd.exe both forms mean "empty".
        props[EMPTY_PROPERTY[0]] = ""
        rc, log = m.install(self.msi_old, **props)
        self.assertInstalled(rc, log)
        self.assertIn("Property(S): ALLUSERS = 1", log)

        # Files: the exe, the tray agent and the loader DLL, as built, and
        # nothing else.
        folder = p.unix_path(INSTALL_DIR)
        self.assertEqual(sorted(os.listdir(folder)), sorted(["WebView2Loader.dll", "sprechzimmer.exe", common.AGENT]))
        staged = common.stage_exe(EXE, os.path.join(p.dir, "staged.exe"))
        agent = common.stage_exe(os.path.join(os.path.dirname(EXE), common.AGENT), os.path.join(p.dir, "staged-agent.exe"))
        for name, source in (("sprechzimmer.exe", staged), (common.AGENT, agent),
                             ("WebView2Loader.dll", os.path.join(os.path.dirname(EXE), "WebView2Loader.dll"))):
            with open(os.path.join(folder, name), "rb") as a, open(source, "rb") as b:
                self.assertTrue(a.read() == b.read(), f"{name} installed as built (the exe without debug information)")

        # The sprechzimmer: scheme, for every user (HKLM), opening the exe.
        scheme = p.reg_query(r"HKLM\Software\Classes\sprechzimmer")
        self.assertIn("URL Protocol", scheme)
        command = p.reg_query(r"HKLM\Software\Classes\sprechzimmer\shell\open\command")["(Default)"][1]
        m1 = re.fullmatch(r'"([^"]+)" "%1"', command)
        self.assertTrue(m1, command)
        # [!Path] is the file's short path; it must name the installed exe.
        unix = p.run(["winepath", "-u", m1.group(1)]).stdout.decode().strip()
        self.assertTrue(os.path.samefile(unix, os.path.join(folder, "sprechzimmer.exe")), command)
        self.assertIsNone(p.reg_query(r"HKCU\Software\Classes\sprechzimmer"))

        # Start menu. Wine's msi resolves ProgramMenuFolder to the user's
        # Start menu even with ALLUSERS=1 (a FIXME in dlls/msi/package.c);
        # Windows uses the all-users one. Either way: where msiexec said.
        menu = re.search(r"Property\(S\): ProgramMenuFolder = (.+)", log).group(1).strip()
        self.assertTrue(os.path.isfile(os.path.join(p.unix_path(menu), "Sprechzimmer.lnk")), menu)
        desktop = p.unix_path(r"C:\users")
        self.assertFalse([os.path.join(d, f) for d, _, fs in os.walk(desktop) for f in fs
                          if f.lower().endswith(".lnk") and "desktop" in d.lower()], "no desktop shortcut")

        # Programs and Features: one entry, no modify, no repair, the icon.
        entries = m.uninstall_entries()
        self.assertIn(self.product_old, entries)
        arp = entries[self.product_old]
        self.assertEqual(arp["DisplayName"], "Sprechzimmer")
        self.assertEqual(arp["DisplayVersion"], "0.1.0")
        self.assertEqual(arp["Publisher"], "Sprechzimmer")
        self.assertEqual(arp["NoModify"], "0x1")
        self.assertEqual(arp["NoRepair"], "0x1")
        self.assertEqual(arp["InstallLocation"], INSTALL_DIR + "\\")
        # Wine registers the ARP icon as the product's ProductIcon (no DisplayIcon).
        product = p.reg_query(rf"HKLM\Software\Classes\Installer\Products\{packed_guid(self.product_old)}")
        icon = arp.get("DisplayIcon") or product["ProductIcon"][1]
        with open(p.unix_path(icon), "rb") as a, open(common.product()["icon"], "rb") as b:
            self.assertTrue(a.read() == b.read(), "the product icon")

        # The machine policy: each property under its key, exactly.
        values = p.reg_query(POLICY_KEY)
        names = fragment_values()
        for prop, value in PROPERTIES.items():
            self.assertEqual(values[names[prop]], ("REG_SZ", value), prop)
        self.assertEqual(values[names[EMPTY_PROPERTY[0]]], ("REG_SZ", ""))
        self.assertEqual(values[names[ABSENT_PROPERTY[0]]], ("REG_SZ", ""))
        # Our own bookkeeping is per machine too (the HKMU key path is HKLM).
        installer = p.reg_query(r"HKLM\SOFTWARE\Sprechzimmer\Installer")
        self.assertEqual(set(installer), {"InstallDir", "PolicyFromMsi", "StartMenuShortcut"})
        hkcu_after = parse_reg(p.reg_export(r"HKEY_CURRENT_USER\Software"))
        # Wine's own bookkeeping is not the package's: WineDbg's keys, and the
        # desktop settings user32 writes lazily under Control Panel (Wine's
        # regedit exports them with the subtree asked for).
        def wine_own(key):
            return key.split("\\")[1:3] == ["Software", "Wine"] or key.split("\\")[1:2] == ["Control Panel"]
        changed = sorted(k for k in set(hkcu_before) | set(hkcu_after)
                         if not wine_own(k) and hkcu_before.get(k) != hkcu_after.get(k))
        self.assertEqual(changed, [], "the install wrote nothing to HKCU")

        # The installed app reads it as managed, locked policy.
        r = m.run_installed("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^sprechzimmer \d+\.\d+\.\d+")
        rc, report, err = self.policy_json()
        self.assertEqual(report["problems"], [], err)
        self.assertEqual(rc, 0, err)
        entries = {e["key"]: e for e in report["entries"]}
        for key, value in EXPECTED.items():
            with self.subTest(key=key):
                self.assertEqual(entries[key]["value"], value)
                self.assertEqual(entries[key]["level"], "managed")
                self.assertEqual(entries[key]["origin"], POLICY_ORIGIN)
                self.assertTrue(entries[key]["locked"])
        for _, key, default in (EMPTY_PROPERTY, ABSENT_PROPERTY):
            with self.subTest(key=key):
                self.assertEqual(entries[key]["level"], "default", "an empty MSI value is not set")
                self.assertEqual(entries[key]["value"], default)
                self.assertFalse(entries[key]["locked"])

        # And enforces it: a room on an allowed server of the organisation
        # passes, one elsewhere is refused.
        ok = m.run_installed("check-invite", "https://meet.jitsi.beratung.example.org/Beratung-42")
        self.assertEqual(ok.returncode, 0, ok.stderr.decode(errors="replace"))
        self.assertEqual(json.loads(ok.stdout)["meeting_host"], "meet.jitsi.beratung.example.org")
        refused = m.run_installed("check-invite", "https://meet.example.net/Beratung-42")
        self.assertEqual(refused.returncode, 2)
        self.assertIn("[policy.host_not_allowed]", refused.stderr.decode(errors="replace"))

    # -- 2 -----------------------------------------------------------------
    def test_invalid_property_is_reported_not_fatal(self):
        m = self.machine
        rc, log = m.install(self.msi_old, ORGPROFILEURL="not-a-url", COUNSELLORMODE="off")
        self.assertInstalled(rc, log)
        self.assertEqual(m.prefix.reg_query(POLICY_KEY)["organisationProfileUrl"], ("REG_SZ", "not-a-url"))
        rc, report, err = self.policy_json()
        self.assertEqual(rc, 1, "a problem: exit 1")
        self.assertIn({"origin": POLICY_ORIGIN, "key": "organisationProfileUrl", "problem": "invalid_value"}, report["problems"])
        self.assertEqual(len(report["problems"]), 1, report["problems"])
        self.assertNotIn("not-a-url", json.dumps(report), "values are never echoed")
        entries = {e["key"]: e for e in report["entries"]}
        # A broken restriction fails closed: locked, and no organisation's
        # invite is taken, rather than every organisation's.
        org = entries["organisationProfileUrl"]
        self.assertEqual((org["value"], org["level"], org["locked"], org["failed_closed"]), (None, "managed", True, True))
        self.assertEqual(entries["counsellorMode"]["level"], "managed", "the other values still apply")
        self.assertTrue(entries["counsellorMode"]["locked"])
        invite = "sprechzimmer://join?" + urllib.parse.urlencode({
            "v": "1", "provider": "jitsi", "profile": "https://beratung.example.org/profile.json",
            "room": "https://meet.beratung.example.org/Beratung-42"})
        refused = m.run_installed("check-invite", invite)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("[policy.organisation_not_allowed]", refused.stderr.decode(errors="replace"))

    # -- 3 -----------------------------------------------------------------
    def assertNothingLeft(self, before, after):
        """`after` equals `before`, but for Windows Installer's own empty
        containers (INSTALLER_CONTAINERS, INSTALLER_CACHE)."""
        added = after["files"] - before["files"]
        self.assertLessEqual(added, {INSTALLER_CACHE}, f"files left behind: {sorted(added)}")
        cache = os.path.join(self.machine.prefix.path, "drive_c", INSTALLER_CACHE)
        if os.path.isdir(cache):
            self.assertEqual(os.listdir(cache), [], "the installer cache holds nothing of ours")
        self.assertEqual(before["files"] - after["files"], set(), "files removed that were there before")
        for hive in ("HKLM", "HKCU"):
            b, a = before[hive], after[hive]
            added = {k: v for k, v in a.items() if k not in b}
            noise = {k for k, v in added.items() if k in INSTALLER_CONTAINERS and not v}
            # Wine's own bookkeeping (WineDbg appears when one of Wine's
            # programs crashes, as its msiexec now and then does on a
            # refused downgrade): not the package's.
            noise |= {k for k in added if k.split("\\")[1:3] == ["Software", "Wine"]}
            self.assertEqual(sorted(set(added) - noise), [], f"{hive}: keys left behind")
            self.assertEqual(sorted(set(b) - set(a)), [], f"{hive}: keys removed")
            changed = sorted(k for k in b if k in a and a[k] != b[k])
            self.assertEqual(changed, [], f"{hive}: values changed: " + "; ".join(
                f"{k}: {b[k]} -> {a[k]}" for k in changed[:5]))

    def test_uninstall_leaves_nothing(self):
        m = self.machine
        before = m.snapshot()
        rc, log = m.install(self.msi_old, **PROPERTIES)
        self.assertInstalled(rc, log)
        self.assertTrue(os.path.isfile(m.prefix.unix_path(INSTALLED_EXE)))
        r = m.run_installed("policy", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, log = m.uninstall(self.msi_old)
        self.assertEqual(rc, 0, log[-3000:])
        self.assertNotIn(self.product_old, m.uninstall_entries())
        self.assertNothingLeft(before, m.snapshot())

    # -- 4 -----------------------------------------------------------------
    def test_major_upgrade(self):
        m, p = self.machine, self.machine.prefix
        before = m.snapshot()
        self.assertInstalled(*m.install(self.msi_old, **PROPERTIES))
        self.assertInstalled(*m.install(self.msi_new, **PROPERTIES))
        ours = {code: v for code, v in m.uninstall_entries().items() if v.get("DisplayName") == "Sprechzimmer"}
        self.assertEqual(list(ours), [self.product_new], "one entry in Programs and Features")
        self.assertEqual(ours[self.product_new]["DisplayVersion"], "0.2.0")
        upgrade_code = common.product()["upgrade_code"]
        related = p.reg_query(rf"HKLM\Software\Classes\Installer\UpgradeCodes\{packed_guid(upgrade_code)}")
        self.assertEqual(set(related), {packed_guid(self.product_new)}, "one product for the UpgradeCode")
        self.assertTrue(os.path.isfile(p.unix_path(INSTALLED_EXE)))
        self.assertEqual(p.reg_query(POLICY_KEY)["organisationProfileUrl"][1], PROPERTIES["ORGPROFILEURL"])
        # No downgrade: the older MSI refuses and leaves 0.2.0 in place.
        rc, _ = m.install(self.msi_old)
        self.assertNotEqual(rc, 0, "a downgrade is refused")
        self.assertEqual(list(m.uninstall_entries()), [self.product_new])
        rc, log = m.uninstall(self.msi_new)
        self.assertEqual(rc, 0, log[-3000:])
        self.assertNothingLeft(before, m.snapshot())

    # -- 5 -----------------------------------------------------------------
    def test_signed_build(self):
        d = os.path.join(self.dir, "signing")
        os.makedirs(d)
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=Sprechzimmer Test Signing", "-addext", "extendedKeyUsage=codeSigning",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        wrapper = os.path.join(d, "sign.sh")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nset -e\n'
                    f'osslsigncode sign -certs "{cert}" -key "{key}" -n Sprechzimmer -h sha256 -in "$1" -out "$1.signed"\n'
                    'mv "$1.signed" "$1"\n')
        os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
        signed = self.build("0.1.0", env={"SPRECHZIMMER_SIGN_COMMAND": f"{wrapper} %1"}, name="signed.msi")

        def verify(path):
            r = subprocess.run(["osslsigncode", "verify", "-CAfile", cert, "-in", path], capture_output=True, text=True)
            return r.returncode, r.stdout + r.stderr

        rc, out = verify(signed)
        self.assertIn("Subject: /CN=Sprechzimmer Test Signing", out)
        m1 = re.search(r"Current DigitalSignature\s*:\s*(\w+)", out)
        m2 = re.search(r"Calculated DigitalSignature\s*:\s*(\w+)", out)
        self.assertTrue(m1 and m2 and m1.group(1) == m2.group(1), out)
        self.assertEqual(rc, 0, "verifies against the throwaway certificate as the trusted root:\n" + out)
        _, unsigned_out = verify(self.msi_old)
        self.assertIn("no signature", unsigned_out, "without SPRECHZIMMER_SIGN_COMMAND nothing is signed")

        # The exe inside was signed before packaging; the build output was not touched.
        x = os.path.join(d, "extract")
        os.makedirs(x)
        subprocess.run(["msiextract", "-C", x, signed], check=True, capture_output=True)
        inner = [os.path.join(r, f) for r, _, fs in os.walk(x) for f in fs if f == "sprechzimmer.exe"]
        self.assertEqual(len(inner), 1)
        rc, out = verify(inner[0])
        self.assertEqual(rc, 0, out)
        rc, _ = verify(EXE)
        self.assertNotEqual(rc, 0, "the cargo output stays unsigned")

        # The signed MSI still installs.
        rc, log = self.machine.install(signed)
        self.assertInstalled(rc, log)
        rc, out = verify(self.machine.prefix.unix_path(INSTALLED_EXE))
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
