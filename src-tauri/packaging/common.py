"""What the Windows package builders share: the product facts from
tauri.conf.json (one source for the Tauri bundler and for these scripts),
where the cross-built exe lives, and the optional signing hook.

Signing: set SPRECHZIMMER_SIGN_COMMAND to a command line in which `%1`
stands for the file to sign in place, e.g.
  SPRECHZIMMER_SIGN_COMMAND='osslsigncode-wrapper %1'
It runs on the exe before packaging and on each package after. Unset means
unsigned (development and CI); no certificate ever lives in the repo.
"""

import json
import os
import shlex
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = "x86_64-pc-windows-gnu"


def config():
    with open(os.path.join(ROOT, "tauri.conf.json"), encoding="utf-8") as f:
        return json.load(f)


def product():
    """The facts both the Tauri bundler and our builders use."""
    c = config()
    wix = c["bundle"]["windows"]["wix"]
    return {
        "product_name": c["productName"],
        "binary": c["mainBinaryName"] + ".exe",
        "version": c["version"],
        "identifier": c["identifier"],
        "manufacturer": c["bundle"]["publisher"],
        "upgrade_code": wix["upgradeCode"],
        "schemes": c["plugins"]["deep-link"]["desktop"]["schemes"],
        "icon": os.path.join(ROOT, "icons", "icon.ico"),
    }


def exe_path(profile="release"):
    return os.path.join(ROOT, "target", TARGET, profile, "sprechzimmer.exe")


def out_dir(profile="release"):
    d = os.path.join(ROOT, "target", TARGET, profile, "bundle")
    os.makedirs(d, exist_ok=True)
    return d


# The tray agent (src-tauri/tray), installed next to the app.
AGENT = "sprechzimmer-tray.exe"


def stage_exe(source, target):
    """The exe as it goes into a package: a copy without debug information.
    Release builds carry none already (profile.release strip); a debug build
    carries about 300 MB, which would only slow packaging and installs."""
    # strip stamps the PE header with the time; the build's own time keeps
    # the staged exe reproducible (binutils honours SOURCE_DATE_EPOCH).
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", str(int(os.path.getmtime(source)))))
    subprocess.run(["x86_64-w64-mingw32-strip", "--strip-debug", "-o", target, source], check=True, env=env)
    return target


def sign(path):
    """Signs `path` in place with the organisation's command, if one is set."""
    command = os.environ.get("SPRECHZIMMER_SIGN_COMMAND", "").strip()
    if not command:
        return False
    args = [path if a == "%1" else a.replace("%1", path) for a in shlex.split(command)]
    subprocess.run(args, check=True)
    return True
