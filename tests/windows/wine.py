"""Running the Windows build under Wine, for the tests.

* Every test gets a fresh Wine prefix (its own C: drive and registry), cloned
  from one prefix initialised per run, so a test sees no other test's keys;
  Wine's read-only system files are hard links into that one (`clone_template`).
* Debian 12's Wine 8.0 lacks bcryptprimitives.dll (`ProcessPrng`), which
  every Rust program imports; `shim()` builds a stand-in from
  tests/windows/bcryptprimitives.c with mingw. It is a test fixture: it is
  copied beside the exe under test, never into a package.
* Wine would offer to download Mono and Gecko into a new prefix; both are
  switched off, so nothing here reaches the network.

The registry is read and written with Wine's own `reg.exe`, as an admin
would on Windows.
"""

import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = "x86_64-pc-windows-gnu"
CACHE = os.path.join(ROOT, "target", "wine")
WINE = shutil.which("wine") or shutil.which("wine64") or "wine"


def exe(profile="debug", name="sprechzimmer.exe"):
    return os.path.join(ROOT, "target", TARGET, profile, name)


def shim():
    """The ProcessPrng stand-in, built once per source change."""
    src = os.path.join(ROOT, "tests", "windows", "bcryptprimitives.c")
    out = os.path.join(CACHE, "bcryptprimitives.dll")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run(["x86_64-w64-mingw32-gcc", "-O2", "-shared", "-o", out, src, "-ladvapi32"], check=True)
    return out


def base_env(prefix):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPRECHZIMMER_")}
    env.update({
        "WINEPREFIX": prefix,
        "WINEDEBUG": "-all",
        "WINEARCH": "win64",
        # No Mono or Gecko download prompts in a fresh prefix; and no
        # winemenubuilder, which would copy every Start-menu shortcut an
        # installer creates into the host's ~/.local/share (menus, icons).
        "WINEDLLOVERRIDES": "mscoree=;mshtml=;winemenubuilder.exe=d",
        "LANG": "C.UTF-8",
    })
    return env


def _template():
    """One initialised prefix per run of the suite; tests copy it."""
    path = os.path.join(CACHE, "template-prefix")
    stamp = os.path.join(path, ".ready")
    if not os.path.exists(stamp):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        env = base_env(path)
        subprocess.run([WINE, "wineboot", "--init"], env=env, check=True, capture_output=True, timeout=300)
        subprocess.run(["wineserver", "-w"], env=env, check=True, timeout=300)
        open(stamp, "w").close()
    return path


# Wine's stand-in system files: it only ever reads them, and they are
# nearly all of a prefix (about 690 of 695 MB), so a test's prefix shares
# them with the template; everything else (registry, profiles, ini files)
# is copied, since Wine rewrites some of it in place.
_SHARED = re.compile(r"\.(dll|exe|drv|sys|ocx|cpl|acm|ax|tlb|ds|nls|ttf|fon|msstyles)$", re.IGNORECASE)


def _clone_file(source, target):
    windows = os.sep + os.path.join("drive_c", "windows") + os.sep
    if windows in source and _SHARED.search(source):
        _link_or_copy(source, target)
    else:
        shutil.copy2(source, target)


def clone_template(path):
    """A fresh prefix at `path`, cloned from the template."""
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(_template(), path, symlinks=True, copy_function=_clone_file)


def _link_or_copy(source, target):
    """The debug exe is large; a hard link saves copying it for every test."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class Prefix:
    """A fresh Wine prefix; use as a context manager."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sz-wine-")
        self.path = os.path.join(self.dir, "prefix")
        clone_template(self.path)
        self.env = base_env(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        subprocess.run(["wineserver", "-k"], env=self.env, capture_output=True)
        subprocess.run(["wineserver", "-w"], env=self.env, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def unix_path(self, windows_path):
        """C:\\x\\y -> the file inside this prefix."""
        drive, rest = windows_path[0].lower(), windows_path[2:].replace("\\", "/").lstrip("/")
        return os.path.join(self.path, f"drive_{drive}", rest)

    def run(self, args, env=None, timeout=120, input=None):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([WINE] + list(args), env=e, capture_output=True, timeout=timeout, input=input)

    def install_exe(self, source=None, folder=r"C:\sz"):
        """Copies the exe (and the shim beside it) into the prefix; returns
        its Windows path."""
        source = source or exe()
        target = self.unix_path(folder)
        os.makedirs(target, exist_ok=True)
        _link_or_copy(source, os.path.join(target, os.path.basename(source)))
        shutil.copy2(shim(), os.path.join(target, "bcryptprimitives.dll"))
        # The gnu build loads WebView2's loader at start; it ships beside the exe.
        loader = os.path.join(os.path.dirname(source), "WebView2Loader.dll")
        if os.path.exists(loader):
            shutil.copy2(loader, os.path.join(target, "WebView2Loader.dll"))
        return folder + "\\" + os.path.basename(source)

    # The registry, through reg.exe.
    def reg_add(self, key, name, value, kind="REG_SZ"):
        r = self.run(["reg", "add", key, "/v", name, "/t", kind, "/d", value, "/f"])
        if r.returncode != 0:
            raise RuntimeError(f"reg add {key} {name}: {r.stderr.decode(errors='replace')}")

    def reg_query(self, key, name=None):
        """{name: (type, data)} of a key, or None when the key is missing."""
        args = ["reg", "query", key] + (["/v", name] if name else [])
        r = self.run(args)
        if r.returncode != 0:
            return None
        out = {}
        # reg.exe separates name, type and data with four spaces; names
        # may contain single spaces ("URL Protocol").
        for line in r.stdout.decode("utf-8", errors="replace").splitlines():
            m = re.match(r"^    (.*?)    (REG_[A-Z_]+)(?:    (.*))?$", line)
            if m:
                out[m.group(1)] = (m.group(2), m.group(3) or "")
        return out

    def reg_export(self, key):
        """The whole subtree as text (for before/after comparisons)."""
        f = os.path.join(self.dir, "export.reg")
        r = self.run(["regedit", "/E", self._winpath(f), key])
        if r.returncode != 0 or not os.path.exists(f):
            return ""
        with open(f, "rb") as fh:
            data = fh.read()
        os.remove(f)
        return data.decode("utf-16", errors="replace") if data[:2] == b"\xff\xfe" else data.decode("utf-8", errors="replace")

    def _winpath(self, unix):
        return "Z:" + unix.replace("/", "\\")

    def winpath(self, unix):
        return self._winpath(unix)
