#!/usr/bin/env python3
"""Builds the per-user Windows installer (NSIS) on Linux.

    python3 src-tauri/packaging/nsis.py [--profile debug|release] [--version X] [--out FILE]

Runs Debian's `makensis` on src-tauri/nsis/installer.nsi with the product
facts from tauri.conf.json as /D defines, ships the cross-built exe and the
WebView2Loader.dll beside it, signs with common.sign() (the
SPRECHZIMMER_SIGN_COMMAND hook; unset means unsigned) the exe before
packaging, the uninstaller makensis generates before it is packed, and the
installer after, and prints the installer's path.

The Tauri bundler's NSIS target is not used: on Linux it downloads
nsis_tauri_utils.dll from GitHub. This needs nothing from the network.

--version overrides the version from tauri.conf.json (the tests build 0.1.0
and 0.2.0 of the same exe to check upgrades); --exe/--loader take other
inputs (development only).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SCRIPT = os.path.join(common.ROOT, "src-tauri", "nsis", "installer.nsi")


def version_quad(version):
    """'1.2.3-beta.1' -> '1.2.3.0' (VIProductVersion wants four numbers)."""
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$", version)
    if not m:
        raise SystemExit(f"not a semantic version: {version!r}")
    return ".".join(m.groups()) + ".0"


def build(profile="release", version=None, out=None, exe=None, loader=None, compressor="lzma", makensis="makensis"):
    p = common.product()
    version = version or p["version"]
    exe = exe or common.exe_path(profile)
    loader = loader or os.path.join(os.path.dirname(exe), "WebView2Loader.dll")
    agent = os.path.join(os.path.dirname(exe), common.AGENT)
    for f in (exe, loader, agent):
        if not os.path.isfile(f):
            raise SystemExit(f"missing {f}: cross-build the app first "
                             f"(cargo build --target {common.TARGET}{' --release' if profile == 'release' else ''})")
    out = os.path.abspath(out or os.path.join(common.out_dir(profile), f"{p['product_name']}_{version}_x64-setup.exe"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if len(p["schemes"]) != 1:
        raise SystemExit("installer.nsi registers exactly one URL scheme")

    with tempfile.TemporaryDirectory(prefix="sz-nsis-") as tmp:
        # Sign a copy (without debug information): the build output stays
        # as cargo left it.
        staged = os.path.join(tmp, p["binary"])
        common.stage_exe(exe, staged)
        common.sign(staged)
        staged_agent = os.path.join(tmp, common.AGENT)
        common.stage_exe(agent, staged_agent)
        common.sign(staged_agent)
        defines = {
            "PRODUCT_NAME": p["product_name"],
            "PRODUCT_VERSION": version,
            "VERSION_QUAD": version_quad(version),
            "PUBLISHER": p["manufacturer"],
            "IDENTIFIER": p["identifier"],
            "SCHEME": p["schemes"][0],
            "BINARY": p["binary"],
            "EXE_SOURCE": staged,
            "LOADER_SOURCE": os.path.abspath(loader),
            "AGENT_SOURCE": staged_agent,
            "ICON": p["icon"],
            "OUTFILE": out,
        }
        if os.environ.get("SPRECHZIMMER_SIGN_COMMAND", "").strip():
            # makensis signs the uninstaller it generates by calling back here.
            defines["SIGN_UNINSTALLER"] = f'"{sys.executable}" "{os.path.abspath(__file__)}" --sign-file "%1"'
        # -INPUTCHARSET: the script has German text in UTF-8.
        args = [makensis, "-V2", "-INPUTCHARSET", "UTF8", "-WX"]
        if compressor != "lzma":
            args.append(f"-DCOMPRESSOR={compressor}")
        args += [f"-D{k}={v}" for k, v in defines.items()]
        args.append(SCRIPT)
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            raise SystemExit(f"makensis failed ({r.returncode})")
    common.sign(out)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", choices=("debug", "release"), default="release")
    ap.add_argument("--version", help="override the version from tauri.conf.json")
    ap.add_argument("--out", help="installer path (default: target/<triple>/<profile>/bundle/)")
    ap.add_argument("--compressor", choices=("lzma", "zlib"), default="lzma",
                    help="zlib builds much faster (the tests use it for the 300 MB debug exe); ship lzma")
    ap.add_argument("--exe", help=argparse.SUPPRESS)
    ap.add_argument("--loader", help=argparse.SUPPRESS)
    ap.add_argument("--sign-file", help=argparse.SUPPRESS)  # makensis' !uninstfinalize hook
    a = ap.parse_args(argv)
    if a.sign_file:
        common.sign(a.sign_file)
        return
    print(build(a.profile, a.version, a.out, a.exe, a.loader, a.compressor))


if __name__ == "__main__":
    main()
