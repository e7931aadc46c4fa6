"""Test fixtures: the simulated BBB server, a throwaway home directory, and
the real app driven through tauri-driver + WebKitWebDriver.

`SZ_E2E_PLATFORM=windows` (the Windows CI job) drives the installed app
through tauri-driver + msedgedriver instead and runs a curated subset; every
other test says why it is skipped there (`skip_on_windows`). Windows keeps
per-user data in the known folders (%LOCALAPPDATA%, %APPDATA%), which do not
follow environment variables, so there the disk checks look at the app's own
folders in them, a private %TEMP%, and the top level of both known folders,
instead of a throwaway home."""

import hashlib
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import uuid

from webdriver import Session

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import bbb_sim  # noqa: E402

WINDOWS = os.environ.get("SZ_E2E_PLATFORM") == "windows"
if WINDOWS and sys.platform != "win32":
    raise RuntimeError("SZ_E2E_PLATFORM=windows runs on Windows only")
IDENTIFIER = "de.sprechzimmer.desktop"

if WINDOWS:
    # The installed app (MSI, per machine) and the runner's Edge WebDriver;
    # the workflow sets SZ_E2E_NATIVE_DRIVER to an msedgedriver.exe that
    # matches the WebView2 runtime.
    APP = os.environ.get("SPRECHZIMMER_BIN",
                         os.path.join(os.environ.get("ProgramFiles", r"C:\Program Files"), "Sprechzimmer", "sprechzimmer.exe"))
    NATIVE_DRIVER = (os.environ.get("SZ_E2E_NATIVE_DRIVER")
                     or (os.path.join(os.environ["EDGEWEBDRIVER"], "msedgedriver.exe") if os.environ.get("EDGEWEBDRIVER") else None)
                     or shutil.which("msedgedriver") or "msedgedriver.exe")
    LOCALAPPDATA = os.environ["LOCALAPPDATA"]
    APPDATA = os.environ["APPDATA"]
else:
    APP = os.environ.get("SPRECHZIMMER_BIN", os.path.join(ROOT, "target", "debug", "sprechzimmer"))
    NATIVE_DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
ISOLATED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "isolated-app.sh")
TRACED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traced-app.sh")
# SZ_E2E_TRACE=1: every app runs under strace, and closing it fails the test
# on any connection other than to a simulator the test started (see
# check_traffic; tests/run-all.sh runs the traffic pass).
TRACE = os.environ.get("SZ_E2E_TRACE") == "1" and not WINDOWS
# Ports of the simulators started in this process: the only servers an app
# may talk to.
SIM_PORTS = set()
TAURI_DRIVER = shutil.which("tauri-driver") or os.path.expanduser("~/.cargo/bin/tauri-driver")
ARTIFACTS = os.environ.get("E2E_ARTIFACTS", os.path.join(ROOT, "target", "e2e"))


def skip_on_windows(reason):
    """Windows mode runs a curated subset; every other test names its reason."""
    return unittest.skipIf(WINDOWS, reason)


# Managed policy on Windows: the registry (src-tauri/core/src/policy/sources.rs).
# The per-user key, so nothing outlives the test; the MSI installed for the
# e2e job sets no machine policy.
POLICY_KEY = r"SOFTWARE\Policies\Sprechzimmer"


def set_registry_policy(values):
    """Writes managed values under HKCU, as Group Policy would: lists as
    REG_MULTI_SZ, numbers as REG_DWORD, everything else as REG_SZ."""
    import winreg
    with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, POLICY_KEY, 0, winreg.KEY_WRITE) as key:
        for name, value in values.items():
            if isinstance(value, list):
                winreg.SetValueEx(key, name, 0, winreg.REG_MULTI_SZ, [str(v) for v in value])
            elif isinstance(value, int) and not isinstance(value, bool):
                winreg.SetValueEx(key, name, 0, winreg.REG_DWORD, value)
            else:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, str(value))


def clear_registry_policy():
    import winreg
    try:
        winreg.DeleteKey(winreg.HKEY_CURRENT_USER, POLICY_KEY)
    except FileNotFoundError:
        pass


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Sim:
    """The simulated BigBlueButton server, plus the counsellor's side of it."""

    def __init__(self, workdir, *extra):
        self.ready = os.path.join(workdir, "sim-ready.json")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests", "sim", "bbb_sim.py"), "--ready-file", self.ready,
             "--deny-delay", "1", *extra],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "sim.log"), "w"))
        deadline = time.monotonic() + 20
        while not os.path.exists(self.ready):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("simulated BBB server did not start")
            time.sleep(0.05)
        info = json.load(open(self.ready))
        self.base, self.secret = info["base"], info["secret"]
        SIM_PORTS.add(urllib.parse.urlsplit(self.base).port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def get(self, url):
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def api(self, call, params, algo="sha256"):
        return self.get(bbb_sim.signed(self.base, call, params, self.secret, algo))

    def create(self, meeting_id=None, **extra):
        meeting_id = meeting_id or "t-" + uuid.uuid4().hex
        params = {"name": "Beratung", "meetingID": meeting_id, "guestPolicy": "ASK_MODERATOR", "record": "false",
                  "logoutURL": f"{self.base}/ended", **extra}
        xml = self.api("create", params)
        assert "<returncode>SUCCESS</returncode>" in xml, xml
        create_time = xml.split("<createTime>")[1].split("</createTime>")[0]
        return meeting_id, create_time

    def moderator_enters(self, meeting_id):
        """What the counsellor's client does: join as moderator, then load the client."""
        opener = urllib.request.build_opener(NoRedirect)
        url = bbb_sim.signed(self.base, "join", {"fullName": "Beraterin", "meetingID": meeting_id, "role": "MODERATOR"},
                             self.secret)
        try:
            opener.open(url)
            raise AssertionError("join did not redirect")
        except urllib.error.HTTPError as e:
            loc = e.headers["Location"]
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["sessionToken"][0]
        self.get(f"{self.base}/bigbluebutton/api/enter?sessionToken={token}")

    def end(self, meeting_id):
        xml = self.api("end", {"meetingID": meeting_id})
        assert "sentEndMeetingRequest" in xml, xml

    def invite(self, meeting_id, name="Kim Klientin", **kw):
        return bbb_sim.client_invite(self.base, meeting_id, name, self.secret, **kw)

    def state(self):
        return json.loads(self.get(f"{self.base}/sim/state"))

    def control(self, path):
        return json.loads(self.get(f"{self.base}/sim/{path}"))

    def guests(self, meeting_id):
        return [u for u in self.guests_all(meeting_id) if u["guest"]]

    def guests_all(self, meeting_id):
        """Everyone who joined, moderators too."""
        return self.state()["meetings"][meeting_id]["users"]

    def calls(self, name):
        return [e for e in self.state()["log"] if e["path"] == f"/bigbluebutton/api/{name}"]


class JitsiSim:
    """The simulated Jitsi Meet server; the test plays the moderator."""

    def __init__(self, workdir):
        import jitsi_sim
        self._mod = jitsi_sim
        ready = os.path.join(workdir, "jitsi-ready.json")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests", "sim", "jitsi_sim.py"), "--ready-file", ready],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "sim.log"), "a"))
        deadline = time.monotonic() + 20
        while not os.path.exists(ready):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("simulated Jitsi server did not start")
            time.sleep(0.05)
        self.base = json.load(open(ready))["base"]
        SIM_PORTS.add(urllib.parse.urlsplit(self.base).port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def invite(self, room, jwt=None):
        return self._mod.client_invite(self.base, room, jwt)

    def state(self):
        with urllib.request.urlopen(f"{self.base}/sim/state", timeout=10) as r:
            return json.loads(r.read())

    def control(self, path):
        with urllib.request.urlopen(f"{self.base}/sim/{path}", timeout=10) as r:
            return json.loads(r.read())

    def participants(self, room):
        return list(self.state()["rooms"].get(room.lower(), {}).get("participants", {}).values())


class TestHome:
    """A home directory of its own for each test, so the disk can be compared."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "home")
        self.runtime = os.path.join(workdir, "runtime")
        self.lang = "de_DE.UTF-8"
        self.extra_env = {}
        os.makedirs(self.path)
        os.makedirs(self.runtime, mode=0o700)
        if WINDOWS:
            # GetTempPath follows TMP/TEMP, unlike the known folders.
            self.temp = os.path.join(workdir, "temp")
            os.makedirs(self.temp)

    def env(self):
        env = dict(os.environ)
        env.update({
            "HOME": self.path,
            "XDG_CACHE_HOME": os.path.join(self.path, ".cache"),
            "XDG_DATA_HOME": os.path.join(self.path, ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(self.path, ".config"),
            "XDG_STATE_HOME": os.path.join(self.path, ".local", "state"),
            "XDG_RUNTIME_DIR": self.runtime,
            "SPRECHZIMMER_ALLOW_LOOPBACK_HTTP": "1",
            "TAURI_WEBVIEW_AUTOMATION": "true",
            "SPRECHZIMMER_LOG": "debug",
            # The embedded meeting window is what Windows and macOS use; the
            # fallback browser's own tests switch back to automatic choice.
            "SPRECHZIMMER_MEETING_VIEW": "embedded",
            "SPRECHZIMMER_ISOLATED_BIN": APP,
            # WebKit ends the driver's session with the network process the
            # app ends while its window is released; kept but in the test of
            # that (test_browser_fallback).
            "SPRECHZIMMER_KEEP_NETWORK_PROCESS": "1",
        })
        if WINDOWS:
            env.update({"TEMP": self.temp, "TMP": self.temp})
        env.update(self.extra_env)
        # None in extra_env takes a variable away.
        env = {k: v for k, v in env.items() if v is not None}
        env["LANG"] = self.lang
        env.pop("LC_ALL", None)
        env.pop("LC_MESSAGES", None)
        return env

    def app_dir(self):
        if WINDOWS:
            return os.path.join(LOCALAPPDATA, IDENTIFIER)
        return os.path.join(self.path, ".cache", "de.sprechzimmer.desktop")

    def _windows_roots(self):
        """Where the app writes on Windows: its cache root (sessions, the UI
        webview) under %LOCALAPPDATA%, its settings under %APPDATA%, and the
        test's private %TEMP%; label -> folder."""
        return {"LOCALAPPDATA": self.app_dir(), "APPDATA": os.path.join(APPDATA, IDENTIFIER), "TEMP": self.temp}

    def _windows_snapshot(self):
        snap = {}
        for label, root in self._windows_roots().items():
            for dirpath, dirnames, filenames in os.walk(root):
                rel_dir = os.path.relpath(dirpath, root)
                # WebView2's browser process keeps writing housekeeping files
                # (metrics, shader caches) into the UI webview's folder while
                # it runs; the app clears that folder at every start and exit,
                # and grep() still searches it for session data.
                if label == "LOCALAPPDATA" and rel_dir.split(os.sep)[0] == "ui-webview":
                    continue
                for d in dirnames:
                    snap[f"{label}/" + os.path.relpath(os.path.join(dirpath, d), root) + "/"] = "dir"
                for f in filenames:
                    p = os.path.join(dirpath, f)
                    rel = f"{label}/" + os.path.relpath(p, root)
                    try:
                        with open(p, "rb") as fh:
                            snap[rel] = hashlib.sha256(fh.read()).hexdigest()
                    except OSError:
                        snap[rel] = "unreadable"
        # Nothing new at the top of the known folders either (another
        # folder of the app, of WebView2, of the meeting site).
        for label, root in (("LOCALAPPDATA", LOCALAPPDATA), ("APPDATA", APPDATA)):
            for name in os.listdir(root):
                snap[f"{label}:{name}"] = "entry"
        return snap

    def sessions(self):
        d = os.path.join(self.app_dir(), "sessions")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def snapshot(self):
        """Every path under the home, with a content hash for files."""
        if WINDOWS:
            return self._windows_snapshot()
        snap = {}
        for dirpath, dirnames, filenames in os.walk(self.path):
            for d in dirnames:
                snap[os.path.relpath(os.path.join(dirpath, d), self.path) + "/"] = "dir"
            for f in filenames:
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, self.path)
                try:
                    with open(p, "rb") as fh:
                        snap[rel] = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    snap[rel] = "unreadable"
        return snap

    # WebKit's record of an origin whose storage a page touched: for the
    # app's own pages, tauri://localhost (top frame and frame). A window built
    # during a session (issue 15) may write it; it names no session.
    OWN_ORIGIN = b"\x05\x00\x00\x00\x01tauri\t\x00\x00\x00\x01localhost\x00" * 2

    def is_own_origin_record(self, rel):
        """`rel` is that record, or one of its two folders, in the app's UI
        webview: nothing else there is let through."""
        parts = rel.rstrip("/").split("/")
        ui = [".cache", "de.sprechzimmer.desktop", "ui-webview", "storage"]
        if WINDOWS or parts[:4] != ui or len(parts) not in (5, 6, 7):
            return False
        base = os.path.join(self.path, *parts[:5])
        record = os.path.join(base, parts[4], "origin")
        try:
            with open(record, "rb") as f:
                own = f.read() == self.OWN_ORIGIN
        except OSError:
            return False
        if not own or (len(parts) >= 6 and parts[5] != parts[4]) or (len(parts) == 7 and parts[6] != "origin"):
            return False
        # The record's folders hold nothing but the record.
        return os.listdir(base) == [parts[4]] and os.listdir(os.path.join(base, parts[4])) == ["origin"]

    def peek(self, paths):
        """The start of each of these files (relative to the home), for a
        failure message."""
        out = []
        for p in paths:
            full = os.path.join(self.path, p)
            if os.path.isfile(full):
                with open(full, "rb") as f:
                    out.append(f"{p}: {f.read(120)!r}")
        return "; ".join(out)

    def grep(self, needles):
        """Files under the home that contain any of the needles."""
        hits = []
        needles = [n.encode() for n in needles if n]
        roots = self._windows_roots().values() if WINDOWS else [self.path]
        for root in roots:
            for dirpath, _, filenames in os.walk(root):
                for f in filenames:
                    p = os.path.join(dirpath, f)
                    try:
                        data = open(p, "rb").read()
                    except OSError:
                        continue
                    for n in needles:
                        if n in data:
                            hits.append((p if WINDOWS else os.path.relpath(p, self.path), n.decode()))
        return hits


class DiskChecks:
    """For test cases with a `home` (TestHome): nothing of the session may
    remain on disk."""

    def assert_nothing_left(self, before, needles):
        after = self.home.snapshot()
        new = sorted(p for p in after if p not in before and not self.home.is_own_origin_record(p))
        self.assertEqual(new, [], "the session left files behind: " + self.home.peek(new))
        self.assertEqual(self.home.sessions(), [], "a session folder is left")
        self.assertEqual(self.home.grep(needles), [], "session data found on disk")


def app_pids():
    if WINDOWS:
        import csv
        out = subprocess.run(["tasklist", "/FI", f"IMAGENAME eq {os.path.basename(APP)}", "/FO", "CSV", "/NH"],
                             capture_output=True, text=True).stdout
        return [int(row[1]) for row in csv.reader(out.splitlines()) if len(row) > 1 and row[1].isdigit()]
    out = subprocess.run(["pgrep", "-f", f"^{APP}"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def kill_hard(pid):
    """SIGKILL; on Windows TerminateProcess (taskkill /F)."""
    if WINDOWS:
        subprocess.run(["taskkill", "/F", "/PID", str(pid)], capture_output=True)
    else:
        os.kill(pid, signal.SIGKILL)


def wait_until(check, what, timeout=90):
    """Polls `check` until it returns something true; a generous limit that
    only guards against a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def processes():
    """pid -> (pgid, command line) of every process."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        out[int(pid)] = (int(fields[2]), cmd)
    return out


def parent_of(pid):
    """The parent's pid, or None when `pid` is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def browser_pids(home):
    """Processes of the fallback browser the app started in this test home:
    its process group, and anything naming a folder of the home."""
    groups = set()
    sessions = os.path.join(home.app_dir(), "sessions")
    for s in home.sessions():
        try:
            with open(os.path.join(sessions, s, "browser.pid")) as f:
                groups.add(int(f.read().strip()))
        except (OSError, ValueError):
            pass
    return sorted(pid for pid, (pgid, cmd) in processes().items()
                  if pgid in groups or (home.path in cmd and "chrom" in cmd))


def app_tree():
    """pid -> command line of the app and everything below it."""
    procs = processes()
    tree = set(app_pids())
    grew = True
    while grew:
        grew = False
        for pid in procs:
            if pid not in tree and parent_of(pid) in tree:
                tree.add(pid)
                grew = True
    return {pid: procs[pid][1] for pid in tree if pid in procs}


def web_processes():
    """pids of the WebKit web processes in the app's tree."""
    return {pid for pid, cmd in app_tree().items() if "WebKitWebProcess" in cmd}


def window_web_processes():
    """pids of the web processes of the app's own window: below the app,
    not below its meeting view's process (`meeting-view`)."""
    return own_webkit("WebKitWebProcess")


def window_network_processes():
    """pids of the network processes of the app's own window's web context
    (as `window_web_processes`)."""
    return own_webkit("WebKitNetworkProcess")


def own_webkit(program):
    tree = app_tree()
    app = {pid for pid, cmd in tree.items() if cmd.startswith(APP) and " meeting-view" not in cmd}
    return {pid for pid, cmd in tree.items() if program in cmd and parent_of(pid) in app}


def library_pages_kb(library):
    """Resident kB of `library`'s clean, read-only pages (code, constants) in
    the app's own process (not its meeting view's), from its smaps."""
    tree = app_tree()
    (app,) = [pid for pid, cmd in tree.items() if cmd.startswith(APP) and " meeting-view" not in cmd]
    kb, mapping = 0, None
    with open(f"/proc/{app}/smaps") as f:
        for line in f:
            fields = line.split()
            if not fields[0].endswith(":"):
                mapping = fields if library in line and "w" not in fields[1] else None
            elif mapping and fields[0] == "Rss:":
                rss = int(fields[1])
            elif mapping and fields[0] == "Anonymous:" and fields[1] == "0":
                kb += rss
    return kb


def catalogue(lang="de"):
    with open(os.path.join(ROOT, "ui", "i18n", f"{lang}.json"), encoding="utf-8") as f:
        return json.load(f)


class AtspiWindow:
    """A window of the app read and worked over AT-SPI, as a screen reader
    does (atspi_tool.py, under Debian's Python), by its title."""

    TOOL = ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "atspi_tool.py")]

    def __init__(self, title):
        self.title = title

    def wait_button(self, name):
        """Until a button named `name` shows; the window's description then."""
        return wait_until(lambda: (lambda d: d if d and any(b["name"] == name for b in d["buttons"]) else None)(self.dump()),
                          f"the window {self.title!r} to show a button {name!r}")

    def dump(self):
        out = subprocess.run(self.TOOL + ["dump", self.title], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"atspi_tool: {out.stderr.strip()}")
        return json.loads(out.stdout)

    def press(self, button):
        out = subprocess.run(self.TOOL + ["press", self.title, button], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError(f"no button {button!r} to press: {out.stdout.strip()} {out.stderr.strip()}")


class StatusWindow(AtspiWindow):
    """The native window that stands in for the app's own while a client's
    meeting runs in the fallback browser."""

    def __init__(self, lang="de"):
        t = catalogue(lang)
        super().__init__(t["status.title"])
        self.show, self.leave = t["meeting.show"], t["meeting.leave"]
        self.open_link, self.ignore_link = t["meeting.external_open"], t["meeting.external_ignore"]

    def wait(self):
        try:
            return wait_until(self.dump, "the status window")
        except AssertionError:
            out = subprocess.run(self.TOOL + ["frames"], capture_output=True, text=True, timeout=60).stdout
            raise AssertionError(f"no window {self.title!r}; on the desktop: {out.strip()}") from None

    def wait_gone(self):
        wait_until(lambda: self.dump() is None, "the status window to close")

    def wait_alert(self, text):
        """Until an alert (said by a screen reader as it appears) reads `text`."""
        return wait_until(lambda: (lambda d: d if d and text in d["alerts"] else None)(self.dump()),
                          f"the window {self.title!r} to alert {text!r}")

    def wait_label(self, text):
        """Until a label shows `text`; the window's description then."""
        return wait_until(lambda: (lambda d: d if d and any(text in label for label in d["labels"]) else None)(self.dump()),
                          f"the status window to show {text!r}")

    def window_ids(self):
        """X windows of it: the app's mapped windows (GTK keeps unmapped
        helpers) named with its title. xdotool's own patterns are ASCII here,
        so the names are compared after."""
        ids = [w for pid in app_pids() for w in subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "Sprechzimmer"],
            capture_output=True, text=True).stdout.split()]
        return [w for w in ids
                if subprocess.run(["xdotool", "getwindowname", w], capture_output=True, text=True).stdout.strip() == self.title]

    def focused(self):
        return [b["name"] for b in self.dump()["buttons"] if b["focused"]]

    def keys(self, *keys):
        """Typed keys, to the window (no window manager: focus set directly)."""
        ids = self.window_ids()
        if len(ids) != 1:
            raise AssertionError(f"one status window expected, found {ids}")
        subprocess.run(["xdotool", "windowfocus", "--sync", ids[0]], check=True)
        for key in keys:
            subprocess.run(["xdotool", "key", "--clearmodifiers", key], check=True)


# Linux: once a client is admitted, the app gives its window up and a status
# window stands in until the session ends (issue 15). Elsewhere the window
# stays (`main_window::start_over` is Linux's way too).
RELEASES_WINDOW = not WINDOWS


def admit_client(wd, admit, lang="de"):
    """Calls `admit`, which lets the client in. Where the app then gives its
    window up, waits for the status window (in `lang`) and returns it: later
    commands go to the window built again at the session's end
    (`wait_screen("ended")` follows it). None where the window stays."""
    if not RELEASES_WINDOW:
        admit()
        return None
    wd.left_window = wd.window()
    admit()
    status = StatusWindow(lang)
    status.wait()
    return status


def leave_meeting(wd, status):
    """"Leave the session": in the status window if there is one, else on
    the app's meeting screen."""
    if status:
        status.press(status.leave)
    else:
        wd.click("#meeting-leave")


def meeting_goes_on(wd, status):
    """The client's meeting still runs, asked where the client would see it."""
    if status:
        return status.dump() is not None
    return wd.invoke("session_status") == {"ok": "meeting"}


def kill_strays(home):
    for pid in browser_pids(home):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def is_link(arg):
    """What the app takes for a link on its command line
    (`controller::link_from_args`)."""
    return arg.lower().startswith(("sprechzimmer:", "https://", "http://"))


class App:
    """The real app, started by tauri-driver in the test home."""

    def __init__(self, home, args=(), workdir=None, isolated=False, confirm_arrival=True):
        """`isolated`: in a D-Bus session of its own, as a second app on
        another computer would be (the single-instance check uses D-Bus).
        A link among `args` is first shown on the arrival screen, where the
        app has contacted nothing yet; `confirm_arrival` goes on from there
        as a user would (tests of that screen turn it off)."""
        self.home = home
        self.port = free_port()
        self.native_port = free_port()
        log = open(os.path.join(workdir or home.path, "driver.log"), "a")
        application = ISOLATED if isolated else APP
        self.trace = None
        if TRACE and not isolated:
            # tauri-driver passes its environment on to the app.
            self.trace = os.path.join(workdir or home.path, f"traffic-{self.port}.log")
            home.extra_env["SZ_TRACE_FILE"] = self.trace
            application = TRACED
        # Absolute paths: a test may hide programs from the app's PATH.
        self.driver = subprocess.Popen(
            [TAURI_DRIVER, "--port", str(self.port), "--native-port", str(self.native_port),
             "--native-driver", NATIVE_DRIVER],
            env=home.env(), stdout=log, stderr=log, start_new_session=True)
        wait_port(self.port)
        # tauri-driver starts its native driver beside its own server; a
        # session asked for before that one listens is dropped unanswered.
        wait_port(self.native_port)
        self.wd = Session(f"http://127.0.0.1:{self.port}",
                          {"tauri:options": {"application": application, "args": list(args)}})
        self.wd.wait_for("return document.body.dataset.ready === 'true'", what="app UI ready")
        if confirm_arrival and any(is_link(a) for a in args):
            self.wd.wait_for("return ['arrival', 'loading', 'consent', 'error'].includes(document.body.dataset.screen)",
                             what="the link's first screen")
            if self.wd.screen() == "arrival":
                self.wd.click("#arrival-continue")

    def kill9(self):
        for pid in app_pids():
            kill_hard(pid)
        deadline = time.monotonic() + 20
        while app_pids() and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self):
        self.wd.quit()
        if WINDOWS:
            # No process groups: tauri-driver and the msedgedriver it started.
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(self.driver.pid)], capture_output=True)
        else:
            try:
                os.killpg(self.driver.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.driver.wait(20)
        deadline = time.monotonic() + 20
        while app_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in app_pids():
            kill_hard(pid)
        if self.trace:
            check_traffic(self.trace)


LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _endpoint(text):
    """`127.0.0.1:443`, `[2001:db8::1]:53` or `::1:53` -> (family, address, port)."""
    m = re.fullmatch(r"\[?([0-9a-fA-F:.]+?)\]?:(\d+)", text)
    if not m:
        return None
    addr = m.group(1)
    return ("inet6" if ":" in addr else "inet", addr, int(m.group(2)))


def traffic(trace):
    """What the traced process tree put on the wire, from strace's log
    (`-yy` names each socket's protocol and, once connected, its peer):

    - `sent`: TCP connections attempted (a SYN leaves) and UDP datagrams
      sent, as (family, address, port); local sockets as ("unix", path);
    - `probes`: UDP sockets "connected" to learn a route, with nothing sent;
    - `own`: the loopback ports the tree itself listens on."""
    sent, probes, own = [], [], set()
    for line in open(trace, errors="replace"):
        call = re.search(r"\b(bind|connect|sendto|sendmsg|sendmmsg)\((\d+)(?:<([A-Za-z0-9]+):\[([^\]]*)\]>)?", line)
        if not call:
            continue
        name, proto, sock = call.group(1), (call.group(3) or "").upper(), call.group(4) or ""
        entry = None
        if "sa_family=AF_INET6" in line:
            a = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', line)
            p = re.search(r"sin6_port=htons\((\d+)\)", line)
            entry = ("inet6", a and a.group(1), p and int(p.group(1)))
        elif "sa_family=AF_INET" in line:
            a = re.search(r'inet_addr\("([^"]+)"\)', line)
            p = re.search(r"sin_port=htons\((\d+)\)", line)
            entry = ("inet", a and a.group(1), p and int(p.group(1)))
        elif "sa_family=AF_UNIX" in line:
            a = re.search(r'sun_path=@?"([^"]*)"', line)
            entry = ("unix", a and a.group(1), None)
        elif re.search(r"sa_family=AF_(?!NETLINK|UNSPEC)", line):
            entry = ("other", line.strip()[:200], None)
        if name == "bind":
            if entry and entry[0] in ("inet", "inet6") and entry[2]:
                own.add(entry[2])
        elif name == "connect":
            if entry is None:
                continue
            if proto.startswith("UDP"):
                probes.append(entry)
            else:
                sent.append(entry)
        elif proto.startswith("UDP") or proto.startswith("TCP"):
            # A send: to the address given, or to the connected peer. A reply
            # on a connection accepted by a port the tree listens on answers
            # a local client (the WebDriver): it goes back where it came from.
            local = _endpoint(sock.split("->")[0]) if "->" in sock else None
            peer = entry if entry and entry[0] in ("inet", "inet6") else _endpoint(sock.split("->")[-1]) if "->" in sock else None
            if peer:
                sent.append(peer + ((local[2] if local else None),))
    return sent, probes, own


def check_traffic(trace):
    """The app put nothing on the wire but to the simulators of this test:
    no other address, no other port, no name lookup (a resolver is reached
    on port 53, or through systemd-resolved's socket). Allowed besides:
    loopback ports the traced tree listens on itself (WebKit's inspector
    server, there only under WebDriver automation), and glibc's attempts to
    reach nscd's socket, which is absent on the test machines. UDP sockets
    "connected" only to learn a route (Chromium's reachability probes) send
    nothing and are written to `<trace>.probes` for the record."""
    sent, probes, own = traffic(trace)
    outside = []
    for family, addr, port, *local in sent:
        if family in ("inet", "inet6"):
            answering = bool(local) and local[0] in own
            if addr not in LOOPBACK or (port not in SIM_PORTS and port not in own and not answering):
                outside.append((family, addr, port))
        elif family == "unix":
            if addr and "resolve" in addr:
                outside.append((family, addr, port))
        else:
            outside.append((family, addr, port))
    with open(trace + ".probes", "w") as f:
        for p in sorted(set(map(str, probes))):
            f.write(p + "\n")
    if outside:
        raise AssertionError(f"the app tried to reach something other than the simulator: {sorted(set(map(str, outside)))[:20]}")
    if not any(e[0] in ("inet", "inet6") and e[2] in SIM_PORTS for e in sent):
        raise AssertionError(f"the trace saw no connection to the simulator; was the app traced? ({trace})")


def workdir(name):
    d = tempfile.mkdtemp(prefix=f"sz-e2e-{name}-")
    return d


def save_artifacts(name, workdir, app=None):
    os.makedirs(ARTIFACTS, exist_ok=True)
    if app is not None:
        try:
            app.wd.screenshot(os.path.join(ARTIFACTS, f"{name}.png"))
        except Exception:
            pass
    for f in ("sim.log", "driver.log"):
        p = os.path.join(workdir, f)
        if os.path.exists(p):
            shutil.copy(p, os.path.join(ARTIFACTS, f"{name}-{f}"))


class Keyring:
    """A Secret Service of the test's own: gnome-keyring-daemon in the test's
    D-Bus session, unlocked with a test password, its files in `home`."""

    def __init__(self, home):
        env = dict(os.environ, HOME=home.path)
        self.proc = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.proc.stdin.write(b"keyring-test-password")
        self.proc.stdin.close()
        wait_until(self.owned, "the Secret Service on the session bus", timeout=30)

    @staticmethod
    def owned():
        out = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/",
                              "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
                             capture_output=True, text=True).stdout
        return "boolean true" in out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)
        wait_until(lambda: not self.owned(), "the keyring daemon to leave the bus", timeout=20)


def through_devices(wd, camera_off=False):
    """The step after the consent: the device check's screen, left for the
    waiting room (with the camera off, if asked)."""
    wd.wait_screen("devices")
    if camera_off:
        wd.click("#devices-camera-off")
    wd.click("#devices-continue")


def fill_counsellor_setup(wd, sim, secret=None):
    """Opens the counsellor setup (from the start screen) and fills it in for
    the simulated BBB server, with `secret` or the server's own."""
    if wd.screen() == "start":
        wd.click("#open-counsellor")
    wd.wait_screen("counsellor-setup")
    for sel, value in (("#cs-profile", sim.base + "/profile.json"), ("#cs-server", sim.base + "/bigbluebutton/api"),
                       ("#cs-secret", secret or sim.secret), ("#cs-name", "Beratung Nord")):
        wd.js("document.querySelector(arguments[0]).value = ''", sel)
        wd.type(sel, value)


def accept_counsellor_setup(wd):
    """Saves the filled-in counsellor setup, accepts the organisation's
    texts, and waits for the counsellor's screen."""
    wd.click("#cs-save")
    accept_counsellor_terms(wd)


def accept_counsellor_terms(wd):
    """On the counsellor's consent screen: both texts, then their screen."""
    wd.wait_screen("counsellor-consent")
    wd.click("#cc-privacy-check")
    wd.click("#cc-terms-check")
    wd.click("#cc-continue")
    wd.wait_screen("counsellor")


def counsellor_setup_cli(home, base, *service, secret=None):
    """`sprechzimmer counsellor setup` for the simulator at `base`, as IT's
    scripts run it, the secret on stdin: `service` is ("--bbb", api) or
    ("--jitsi", server)."""
    return subprocess.run([APP, "counsellor", "setup", "--profile", f"{base}/profile.json", *service,
                           "--name", "Beratung Nord"], input=(secret or "").encode() + b"\n",
                          capture_output=True, env=home.env(), timeout=60)


def close_window_like_a_user(pid, title="Sprechzimmer", only_visible=False):
    """What a window manager's close button sends: WM_DELETE_WINDOW to each
    of the process's windows with that title (Xvfb has no window manager,
    and `xdotool windowclose` destroys the window instead of asking).
    `only_visible` leaves out GTK's unmapped helper windows of the same name."""
    import ctypes
    import ctypes.util
    visible = ["--onlyvisible"] if only_visible else []
    ids = subprocess.run(["xdotool", "search", *visible, "--pid", str(pid), "--name", f"^{title}$"],
                         capture_output=True, text=True).stdout.split()
    x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11"))
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]

    class Event(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(Event)]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        raise RuntimeError("no X display")
    try:
        protocols = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
        delete = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        for wid in ids:
            ev = Event()
            ev.xclient.type = 33  # ClientMessage
            ev.xclient.window = int(wid)
            ev.xclient.message_type = protocols
            ev.xclient.format = 32
            ev.xclient.data[0] = delete
            x11.XSendEvent(display, int(wid), 0, 0, ctypes.byref(ev))
        x11.XFlush(display)
    finally:
        x11.XCloseDisplay(display)
    return len(ids)
