#!/usr/bin/env python3
"""Builds Sprechzimmer's per-machine MSI on Linux with msitools' `wixl`.

    python3 src-tauri/packaging/msi.py [--profile debug|release] [--version X] [--out FILE]

The same WiX template the Tauri bundler uses on Windows
(src-tauri/wix/main.wxs, tauri.conf.json bundle.windows.wix.template) is
rendered here with `wixl` set, which swaps out what only the real WiX can
do (dialogs, loc strings, SetProperty, shortcut properties). What wixl
lacks is worked around here, not in the template:

* a <Property> directly inside a <Fragment> crashes wixl: the fragments
  (tauri.conf.json fragmentPaths, i.e. src-tauri/wix/policy.wxs) are put
  into the Product itself, their Properties first;
* wixl ignores Secure="yes": the secure properties are listed in
  SecureCustomProperties here, as WiX's light would, so they reach the
  elevated part of the install;
* wixl writes Root="HKMU" as 4, which Windows Installer does not know:
  the Registry table gets -1, as WiX writes it;
* wixl has no loc strings: the language and code page come from
  tauri.conf.json's wix.language (the table below).

The exe (and WebView2Loader.dll, which the windows-gnu build loads at run
time) are copied into a staging folder, signed there with common.sign()
(SPRECHZIMMER_SIGN_COMMAND), packaged, and the MSI is signed too. Prints
the MSI's path.
"""

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ROOT = common.ROOT
TEMPLATE = os.path.join(ROOT, "src-tauri", "wix", "main.wxs")
WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"
# The Tauri bundler's namespace for the main binary's component GUID
# (crates/tauri-bundler/src/bundle/windows/msi/mod.rs, UUID_NAMESPACE), so
# both builders give the exe's component the same GUID.
TAURI_UUID_NAMESPACE = uuid.UUID(bytes=bytes([
    0xfd, 0x85, 0x95, 0xa8, 0x17, 0xa3, 0x47, 0x4e, 0xa6, 0x16, 0x76, 0x14, 0x8d, 0xfa, 0x0c, 0x7b]))
# wix.language -> (LCID, ANSI code page), as Tauri's language table has them.
LANGUAGES = {"de-DE": (1031, 1252), "en-US": (1033, 1252)}
DOWNGRADE_MESSAGE = {
    "de-DE": "Eine neuere Version von {name} ist bereits installiert.",
    "en-US": "A newer version of {name} is already installed.",
}


class TemplateError(Exception):
    pass


# --- A small handlebars subset -------------------------------------------
# {{var}} {{a.b}} {{../var}}, {{#if x}} {{#unless x}} {{else}}, {{#each xs as |x|}},
# {{!-- comments --}}. Anything else is an error, so the template cannot
# silently use something only the Tauri bundler's handlebars understands.

_TAG = re.compile(r"\{\{(!--.*?--|![^}]*|[^{}]*)\}\}", re.S)
_PATH = r"(?:\.\./)*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"


def _parse(text):
    """The template as a tree: strings, ("var", path) and
    (kind, arg, body, else_body, block_param) for if/unless/each."""
    if "{{{" in text:
        raise TemplateError("triple-stash {{{…}}} is not supported")
    root = []
    # Open blocks: {kind, arg, body, other, param, line, out}; `out` is the
    # list text goes to (body, or other after {{else}}).
    stack = [{"kind": "root", "out": root}]
    pos = 0
    for m in _TAG.finditer(text):
        stack[-1]["out"].append(text[pos:m.start()])
        pos = m.end()
        tag = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        if tag.startswith("!"):
            continue
        tag = tag.strip()
        if m1 := re.fullmatch(rf"#(if|unless)\s+({_PATH})", tag):
            body = []
            stack.append({"kind": m1.group(1), "arg": m1.group(2), "body": body, "other": [], "param": None,
                          "line": line, "out": body})
        elif m1 := re.fullmatch(rf"#each\s+({_PATH})(?:\s+as\s+\|([A-Za-z_][A-Za-z0-9_]*)\|)?", tag):
            body = []
            stack.append({"kind": "each", "arg": m1.group(1), "body": body, "other": [], "param": m1.group(2),
                          "line": line, "out": body})
        elif tag == "else":
            top = stack[-1]
            if top["kind"] == "root" or top["out"] is top["other"]:
                raise TemplateError(f"line {line}: {{{{else}}}} outside a block, or twice")
            top["out"] = top["other"]
        elif m1 := re.fullmatch(r"/(if|unless|each)", tag):
            if stack[-1]["kind"] != m1.group(1):
                raise TemplateError(f"line {line}: {{{{/{m1.group(1)}}}}} does not close an open block")
            b = stack.pop()
            stack[-1]["out"].append((b["kind"], b["arg"], b["body"], b["other"], b["param"]))
        elif re.fullmatch(_PATH, tag):
            stack[-1]["out"].append(("var", tag))
        else:
            raise TemplateError(f"line {line}: unsupported handlebars tag {{{{{tag}}}}}")
    if len(stack) > 1:
        raise TemplateError(f"line {stack[-1]['line']}: {{{{#{stack[-1]['kind']}}}}} is never closed")
    root.append(text[pos:])
    return root


_MISSING = object()


def _lookup(path, scopes):
    """scopes: innermost last; each is (context, {block param: value})."""
    depth = 0
    while path.startswith("../"):
        path, depth = path[3:], depth + 1
    if depth >= len(scopes):
        raise TemplateError(f"{'../' * depth}{path}: no such outer context")
    first, *rest = path.split(".")
    value = _MISSING
    if depth == 0:
        for _, params in reversed(scopes):
            if first in params:
                value = params[first]
                break
    if value is _MISSING:
        ctx = scopes[len(scopes) - 1 - depth][0]
        value = ctx.get(first, _MISSING) if isinstance(ctx, dict) else _MISSING
    for part in rest:
        value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    return value


def _render(nodes, scopes, out):
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "var":
            value = _lookup(node[1], scopes)
            if value is _MISSING or value is None:
                raise TemplateError(f"{{{{{node[1]}}}}}: no value given")
            if isinstance(value, (list, dict)):
                raise TemplateError(f"{{{{{node[1]}}}}}: a list or object cannot be printed")
            if isinstance(value, bool):
                value = "true" if value else "false"
            out.append(html.escape(str(value), quote=True))
        else:
            kind, arg, body, other, param = node
            value = _lookup(arg, scopes)
            value = None if value is _MISSING else value
            if kind == "each":
                if value is None:
                    value = []
                if not isinstance(value, list):
                    raise TemplateError(f"{{{{#each {arg}}}}}: not a list")
                for item in value:
                    _render(body, scopes + [(item, {param: item} if param else {})], out)
                if not value:
                    _render(other, scopes, out)
            else:
                truthy = bool(value) and value != 0
                if kind == "unless":
                    truthy = not truthy
                _render(body if truthy else other, scopes, out)


def render(template, data):
    out = []
    _render(_parse(template), [(data, {})], out)
    return "".join(out)


# --- The MSI --------------------------------------------------------------

def msi_version(version):
    """WiX wants major.minor.patch[.build], numbers only (as Tauri's
    convert_version: a numeric pre-release or build becomes the 4th part)."""
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:-(\d+))?(?:\+(\d+))?", version)
    if not m or any(int(p) > 65535 for p in m.groups() if p) or int(m.group(1)) > 255 or int(m.group(2)) > 255:
        raise SystemExit(f"msi.py: version {version!r} cannot be an MSI version (major.minor.patch, numbers)")
    parts = [m.group(1), m.group(2), m.group(3)] + ([m.group(5) or m.group(4)] if (m.group(4) or m.group(5)) else [])
    return ".".join(parts)


def template_data(version, exe, loader, agent=None):
    """What the Tauri bundler would give the template, plus `wixl` and
    what wixl needs instead of loc strings."""
    p = common.product()
    wix = common.config()["bundle"]["windows"]["wix"]
    language = wix.get("language", "en-US")
    if isinstance(language, list):
        language = language[0]
    if language not in LANGUAGES:
        raise SystemExit(f"msi.py: wix.language {language!r} not in {sorted(LANGUAGES)}")
    lcid, codepage = LANGUAGES[language]
    return {
        "wixl": True,
        "product_name": p["product_name"],
        "version": version,
        "manufacturer": p["manufacturer"],
        "bundle_id": p["identifier"],
        "upgrade_code": p["upgrade_code"],
        "homepage": common.config().get("bundle", {}).get("homepage"),
        "path_component_guid": str(uuid.uuid5(TAURI_UUID_NAMESPACE, p["identifier"])).upper(),
        "main_binary_name": os.path.splitext(p["binary"])[0],
        "main_binary_path": exe,
        "webview2_loader_path": loader,
        "tray_agent_path": agent,
        "icon_path": p["icon"],
        "deep_link_protocols": list(p["schemes"]),
        "binaries": [],
        "resources": "",
        "resource_file_ids": [],
        "component_group_refs": wix.get("componentGroupRefs", []),
        "component_refs": wix.get("componentRefs", []),
        "feature_group_refs": wix.get("featureGroupRefs", []),
        "feature_refs": wix.get("featureRefs", []),
        "merge_refs": wix.get("mergeRefs", []),
        "language": language,
        "language_id": lcid,
        "codepage": codepage,
        "downgrade_message": DOWNGRADE_MESSAGE[language].format(name=p["product_name"]),
    }, language


def q(tag):
    return f"{{{WIX_NS}}}{tag}"


def inline_fragments(wxs_text, fragment_paths):
    """The rendered template with each fragment's content inside the
    Product (wixl crashes on a Property in a Fragment). Returns the new
    text and the fragments' secure properties."""
    ET.register_namespace("", WIX_NS)
    root = ET.fromstring(wxs_text)
    product = root.find(q("Product"))
    if product is None:
        raise SystemExit("msi.py: the rendered template has no <Product>")
    secure = []
    props_at = list(product).index(product.find(q("Media")))
    for path in fragment_paths:
        frag_root = ET.parse(os.path.join(ROOT, path)).getroot()
        for fragment in frag_root.findall(q("Fragment")):
            for child in list(fragment):
                if child.tag == q("Property"):
                    if child.attrib.pop("Secure", "no") == "yes":
                        secure.append(child.get("Id"))
                    product.insert(props_at, child)
                    props_at += 1
                else:
                    product.append(child)
        unknown = [c.tag for c in frag_root if c.tag != q("Fragment")]
        if unknown:
            raise SystemExit(f"msi.py: {path}: only <Fragment> is supported at the top, not {unknown}")
    if product.find(f"{q('Property')}[@Id='SecureCustomProperties']") is not None:
        raise SystemExit("msi.py: the template must not set SecureCustomProperties (wixl writes it)")
    return ET.tostring(root, encoding="unicode", xml_declaration=True), secure


def sign(path):
    """common.sign(), with the signing tool's output on stderr: stdout
    carries only the MSI's path (msi=$(python3 msi.py))."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return common.sign(path)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def msi_table(msi, table):
    """A table as a list of {column: value} (msiinfo's idt export)."""
    text = subprocess.run(["msiinfo", "export", msi, table], check=True, capture_output=True, text=True).stdout
    rows = [line.split("\t") for line in text.split("\r\n" if "\r\n" in text else "\n")]
    header, body = rows[0], [r for r in rows[3:] if r != [""]]
    return [dict(zip(header, r)) for r in body]


def secure_properties(msi, secure):
    """Adds `secure` to SecureCustomProperties. wixl writes that property
    itself (for its MajorUpgrade's WIX_UPGRADE_DETECTED and
    WIX_DOWNGRADE_DETECTED) but ignores Secure="yes", and a second
    <Property> of the same Id fails the build, so the table is edited."""
    if not secure:
        return
    props = {r["Property"]: r["Value"] for r in msi_table(msi, "Property")}
    current = [p for p in props.get("SecureCustomProperties", "").split(";") if p]
    value = ";".join(current + [p for p in secure if p not in current])
    if not re.fullmatch(r"[A-Z0-9_.;]+", value):
        raise SystemExit(f"msi.py: unexpected SecureCustomProperties {value!r}")
    query = (f"UPDATE `Property` SET `Value` = '{value}' WHERE `Property` = 'SecureCustomProperties'"
             if "SecureCustomProperties" in props else
             f"INSERT INTO `Property` (`Property`, `Value`) VALUES ('SecureCustomProperties', '{value}')")
    subprocess.run(["msibuild", msi, "-q", query], check=True, capture_output=True)


def fix_hkmu(msi):
    """wixl writes Root="HKMU" as 4 in the Registry table, a root Windows
    Installer does not know (the value is silently not written); WiX
    writes -1 (HKLM for a per-machine install, HKCU per user)."""
    if any(r["Root"] == "4" for r in msi_table(msi, "Registry")):
        subprocess.run(["msibuild", msi, "-q", "UPDATE `Registry` SET `Root` = -1 WHERE `Root` = 4"],
                       check=True, capture_output=True)


def build(profile="debug", version=None, out=None, keep_wxs=None, exe=None):
    exe = os.path.abspath(exe) if exe else common.exe_path(profile)
    if not os.path.isfile(exe):
        raise SystemExit(f"msi.py: {exe} is missing; cross-build it first "
                         f"(cargo build --target {common.TARGET}{' --release' if profile == 'release' else ''})")
    loader = os.path.join(os.path.dirname(exe), "WebView2Loader.dll")
    if not os.path.isfile(loader):
        raise SystemExit(f"msi.py: {loader} is missing (the windows-gnu build needs it beside the exe)")
    agent = os.path.join(os.path.dirname(exe), common.AGENT)
    if not os.path.isfile(agent):
        raise SystemExit(f"msi.py: {agent} is missing; build the workspace (cargo build --workspace --target {common.TARGET})")
    p = common.product()
    version = version or p["version"]
    wix_version = msi_version(version)
    out = os.path.abspath(out) if out else None

    stage = tempfile.mkdtemp(prefix="sz-msi-")
    try:
        staged_exe = os.path.join(stage, p["binary"])
        staged_loader = os.path.join(stage, "WebView2Loader.dll")
        common.stage_exe(exe, staged_exe)
        shutil.copy2(loader, staged_loader)
        shutil.copy2(p["icon"], os.path.join(stage, "icon.ico"))
        sign(staged_exe)
        common.stage_exe(agent, os.path.join(stage, common.AGENT))
        sign(os.path.join(stage, common.AGENT))

        # wixl takes no absolute Source paths: names relative to the staging
        # folder, where wixl runs.
        data, language = template_data(wix_version, p["binary"], "WebView2Loader.dll", common.AGENT)
        data["icon_path"] = "icon.ico"
        with open(TEMPLATE, encoding="utf-8") as f:
            wxs = render(f.read(), data)
        fragments = common.config()["bundle"]["windows"]["wix"].get("fragmentPaths", [])
        wxs, secure = inline_fragments(wxs, fragments)
        wxs_path = os.path.join(stage, "main.wxs")
        with open(wxs_path, "w", encoding="utf-8") as f:
            f.write(wxs)
        if keep_wxs:
            shutil.copy2(wxs_path, keep_wxs)

        if out is None:
            out = os.path.join(common.out_dir(profile), "msi", f"{p['product_name']}_{version}_x64_{language}.msi")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        r = subprocess.run(["wixl", "-a", "x64", "-o", out, "main.wxs"], cwd=stage, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.isfile(out):
            raise SystemExit(f"msi.py: wixl failed ({r.returncode}):\n{r.stderr}{r.stdout}")
        fix_hkmu(out)
        secure_properties(out, secure)
        sign(out)
        return out
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", choices=["debug", "release"], default="debug",
                    help="which cross-built exe to package (target/%s/<profile>)" % common.TARGET)
    ap.add_argument("--version", help="the product version (default: tauri.conf.json's)")
    ap.add_argument("--out", help="the MSI to write (default: target/%s/<profile>/bundle/msi/)" % common.TARGET)
    ap.add_argument("--exe", help="package this exe instead (WebView2Loader.dll must sit beside it)")
    ap.add_argument("--keep-wxs", metavar="FILE", help="also write the rendered WiX source here")
    args = ap.parse_args(argv)
    try:
        print(build(args.profile, args.version, args.out, args.keep_wxs, args.exe))
    except TemplateError as e:
        raise SystemExit(f"msi.py: {TEMPLATE}: {e}")


if __name__ == "__main__":
    main()
