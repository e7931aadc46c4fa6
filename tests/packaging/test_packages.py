"""The packages IT rolls out, checked on Linux.

* MSI: the Tauri bundler builds the real MSI on Windows only. Here msitools'
  `wixl` builds a test MSI from the same WiX fragment (src-tauri/wix/
  policy.wxs, generated from the policy definition) wrapped in a minimal
  Product, and `msiinfo` reads its Property and Registry tables back.
* .deb: `tauri build --bundles deb` (debug profile, to reuse the test
  build) and the package's control data, files and desktop entry.

Run: python3 tests/packaging/test_packages.py  (tests/run-all.sh does)
"""

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"
POLICY_KEY = "SOFTWARE\\Policies\\Sprechzimmer"
TAURI = os.path.join(ROOT, "target", "tauri-cli", "node_modules", ".bin", "tauri")


def definition():
    """key -> MSI property, from the generated schema (the drift test keeps
    it equal to the Rust definition)."""
    with open(os.path.join(ROOT, "docs", "policy", "policy.schema.json")) as f:
        props = json.load(f)["properties"]
    return {k: v["x-msi-property"] for k, v in props.items() if "x-msi-property" in v}


def msi_table(msi, table):
    out = subprocess.run(["msiinfo", "export", msi, table], check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out), delimiter="\t"))
    header, body = rows[0], rows[3:]  # names, types, table name/keys, then data
    return [dict(zip(header, r)) for r in body]


def wrap_fragment(fragment_path, out_path):
    """The fragment inside a minimal Product. wixl crashes on a <Property>
    directly inside a <Fragment>, so the properties move to the Product;
    and it ignores Secure, which the real WiX honours."""
    ET.register_namespace("", WIX_NS)
    frag_root = ET.parse(fragment_path).getroot()
    fragment = frag_root.find(f"{{{WIX_NS}}}Fragment")
    wix = ET.Element(f"{{{WIX_NS}}}Wix")
    product = ET.SubElement(wix, f"{{{WIX_NS}}}Product", {
        "Id": "*", "Name": "Sprechzimmer policy test", "Language": "1033", "Version": "0.1.0",
        "Manufacturer": "Sprechzimmer", "UpgradeCode": "5E1D3E49-8E56-4C43-9F2B-6D7F0B0A1C11"})
    ET.SubElement(product, f"{{{WIX_NS}}}Package", {"InstallerVersion": "500", "Compressed": "yes", "InstallScope": "perMachine"})
    # Values for the public properties, as `msiexec … PROP=value` would give.
    for prop in fragment.findall(f"{{{WIX_NS}}}Property"):
        fragment.remove(prop)
        prop.set("Value", f"test-{prop.get('Id').lower()}")
        product.append(prop)
    for ref in fragment.findall(f"{{{WIX_NS}}}DirectoryRef"):
        fragment.remove(ref)
        d = ET.SubElement(product, f"{{{WIX_NS}}}Directory", {"Id": "TARGETDIR", "Name": "SourceDir"})
        for child in list(ref):
            d.append(child)
    feature = ET.SubElement(product, f"{{{WIX_NS}}}Feature", {"Id": "Main", "Level": "1"})
    for comp in product.iter(f"{{{WIX_NS}}}Component"):
        ET.SubElement(feature, f"{{{WIX_NS}}}ComponentRef", {"Id": comp.get("Id")})
    ET.ElementTree(wix).write(out_path, xml_declaration=True, encoding="utf-8")


class MsiTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sz-msi-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_msi_properties_become_machine_policy(self):
        wxs = os.path.join(self.dir, "product.wxs")
        msi = os.path.join(self.dir, "policy-test.msi")
        wrap_fragment(os.path.join(ROOT, "src-tauri", "wix", "policy.wxs"), wxs)
        subprocess.run(["wixl", "-a", "x64", "-o", msi, wxs], check=True, capture_output=True)

        expected = definition()
        self.assertIn("ORGPROFILEURL", expected.values())
        self.assertIn("ALLOWEDHOSTS", expected.values())

        registry = msi_table(msi, "Registry")
        # wixl writes keys with a trailing backslash.
        policy_rows = {r["Name"]: r for r in registry if r["Key"].rstrip("\\") == POLICY_KEY}
        self.assertEqual(set(policy_rows), set(expected), "one value per MSI-settable key, nothing else")
        for key, prop in expected.items():
            row = policy_rows[key]
            self.assertEqual(row["Root"], "2", f"{key}: HKLM")
            self.assertEqual(row["Value"], f"[{prop}]", f"{key} comes from {prop}")
            self.assertEqual(row["Component_"], "SprechzimmerPolicy")
        keypath = [r for r in registry if r["Key"].rstrip("\\") == "SOFTWARE\\Sprechzimmer\\Installer"]
        self.assertEqual(len(keypath), 1, "the component's key path sits outside the policy key")

        props = {r["Property"]: r["Value"] for r in msi_table(msi, "Property")}
        for prop in expected.values():
            self.assertEqual(props.get(prop), f"test-{prop.lower()}", f"{prop} in the Property table")
            self.assertEqual(prop, prop.upper(), "public properties are upper case")

    def test_tauri_bundles_the_fragment_per_machine(self):
        with open(os.path.join(ROOT, "tauri.conf.json")) as f:
            wix = json.load(f)["bundle"]["windows"]["wix"]
        self.assertEqual(wix["fragmentPaths"], ["src-tauri/wix/policy.wxs"])
        self.assertEqual(wix["componentRefs"], ["SprechzimmerPolicy"])
        with open(os.path.join(ROOT, "tauri.conf.json")) as f:
            windows = json.load(f)["bundle"]["windows"]
        self.assertEqual(windows["webviewInstallMode"], {"type": "skip"}, "a silent install downloads nothing")
        frag = ET.parse(os.path.join(ROOT, "src-tauri", "wix", "policy.wxs")).getroot()
        props = frag.findall(f".//{{{WIX_NS}}}Property")
        self.assertTrue(props)
        for p in props:
            self.assertEqual(p.get("Secure"), "yes", f"{p.get('Id')} reaches the elevated install")


class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The tray agent is a workspace member the CLI does not build: the
        # debug one (built by run-all.sh) instead of the release path.
        agent = os.path.join(ROOT, "target", "debug", "sprechzimmer-tray")
        if not os.path.isfile(agent):
            raise AssertionError(f"{agent} is missing: cargo build --workspace first")
        debug = {"bundle": {"linux": {"deb": {"files": {"/usr/bin/sprechzimmer-tray": "target/debug/sprechzimmer-tray"}}}}}
        subprocess.run([TAURI, "build", "--debug", "--bundles", "deb", "--ci", "--config", json.dumps(debug)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        cls.deb = os.path.join(ROOT, "target", "debug", "bundle", "deb", "Sprechzimmer_0.1.0_amd64.deb")
        cls.dir = tempfile.mkdtemp(prefix="sz-deb-")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.dir], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def field(self, name):
        return subprocess.run(["dpkg-deb", "-f", self.deb, name], check=True, capture_output=True, text=True).stdout.strip()

    def test_control_data(self):
        self.assertEqual(self.field("Package"), "sprechzimmer")
        self.assertIn("libwebkit2gtk-4.1-0", self.field("Depends"))
        self.assertIn("chromium", self.field("Recommends"), "the fallback browser where WebKitGTK has no WebRTC")

    def test_files(self):
        files = sorted(os.path.relpath(os.path.join(d, f), self.dir) for d, _, fs in os.walk(self.dir) for f in fs)
        self.assertIn("usr/bin/sprechzimmer", files)
        self.assertIn("usr/bin/sprechzimmer-tray", files, "the tray agent, next to the app")
        self.assertTrue(os.access(os.path.join(self.dir, "usr/bin/sprechzimmer-tray"), os.X_OK))
        self.assertIn("usr/share/applications/Sprechzimmer.desktop", files)
        self.assertTrue(any(f.startswith("usr/share/icons/hicolor/") for f in files))
        self.assertTrue(all(f.startswith("usr/") for f in files), f"nothing outside /usr: {files}")

    def test_desktop_entry_registers_the_link_scheme(self):
        with open(os.path.join(self.dir, "usr/share/applications/Sprechzimmer.desktop")) as f:
            entry = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        self.assertEqual(entry["MimeType"].rstrip(";"), "x-scheme-handler/sprechzimmer")
        self.assertEqual(entry["Exec"], "sprechzimmer %u", "the clicked link reaches the app")
        self.assertEqual(entry["Type"], "Application")
        self.assertEqual(entry["Name"], "Sprechzimmer")


if __name__ == "__main__":
    unittest.main(verbosity=2)
