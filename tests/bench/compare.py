#!/usr/bin/env python3
"""Side by side, in one run: what the app costs against what a client would
use instead, `chromium --app`, and against a bare Tauri window. Rounds are
interleaved, so a noisy machine shifts all candidates alike; only the
ratios within a run mean something. Parts (`--parts`, all by default):

- consent: start to an interactive consent screen (profile fetched, texts
  rendered, both checkboxes usable). The app, started with a link whose
  profile the policy allows (so no arrival question comes first), against
  `chromium --app` and the bare Tauri window (`src-tauri/examples/floor.rs`)
  showing the same consent page: the app's own ui/ served on 127.0.0.1,
  its commands answered with what the real app answered. Timed from asking
  each one's WebDriver for a session (which starts the program) until the
  page says the screen is interactive; one uncounted start of each first.
- memory: whole-tree PSS (the program and everything below it, from
  /proc/<pid>/smaps_rollup) after a settle: `chromium --app` alone, admitted
  to a meeting of the simulated BigBlueButton server (fresh profile, the
  guest join the app would make), and the app at its start screen, in the
  lobby and admitted to the same kind of meeting, once with the embedded
  view (the meeting window in its own `meeting-view` process) and once with
  the fallback browser. Admitted, the app has given its own window up (on
  Linux) and shows the status window. The start screen and the lobby are
  measured after `--settle` s, the meeting (chromium alone's too) after
  `--meeting-settle` s: past the app's second hand-back of the window's
  memory, a minute after the window's web process has gone.
- wipe: per view, `--wipe-sessions` client sessions in one app run; the time
  from "session ended" to "folder wiped", the removal alone and the size
  removed, from the app's own log line (`SPRECHZIMMER_LOG=info`).
- tray: `sprechzimmer --tray` idle with a counsellor access (tray.py).
- sizes: the release binaries and packages built by tests/bench/packages.sh.

The app is driven like the end-to-end tests (tauri-driver and
WebKitWebDriver), chromium through Debian's chromedriver. The app and the
floor are the `bench-release` build (the release profile plus the
benchmark feature) where it exists, else the debug build (`--build`).
One command sets up, builds and runs everything (Debian 12; Rust and the
README's set-up first):

    bash tests/bench/compare.sh

or, with everything built, under a private X server and D-Bus session:

    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \\
        /usr/bin/python3 tests/bench/compare.py [--parts consent,memory] [--json out.json] [--plot out.png]

Prints the Markdown tables that docs/performance.md shows (median, min and
max, and the ratios against each figure's anchor); `--plot` draws every
ratio in one PNG (python3-matplotlib).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from startup import pss_kb, tree  # noqa: E402
from harness import (NATIVE_DRIVER, ROOT, TAURI_DRIVER, App, Sim, TestHome, bbb_sim, free_port,  # noqa: E402
                     kill_strays, through_devices, wait_port, wait_until, window_network_processes)
from soak import admitted, breakdown, leave, session, tree_pss_mb  # noqa: E402
from webdriver import Session  # noqa: E402
import harness  # noqa: E402
import tray  # noqa: E402

TORN_DOWN = re.compile(r"session torn down in (\d+) ms; its folder removed in ([\d.]+) ms: (\d+) files, (\d+) bytes")

# A client's own browser: Debian's chromium as an app window, with a fresh
# profile and none of the app's hardening flags. The basic password store:
# under a bare D-Bus session chromium would otherwise wait for a keyring
# prompt that nobody answers.
CHROMIUM_FLAGS = ["--no-first-run", "--no-default-browser-check", "--password-store=basic", "--window-size=1100,760"]
if os.geteuid() == 0:
    # Chromium's sandbox refuses root (the app does the same, browser/mod.rs).
    CHROMIUM_FLAGS.append("--no-sandbox")
# Started as a user would (Debian's wrapper script, with its defaults from
# /etc/chromium.d); the wrapper execs the real binary, which is what runs.
CHROMIUM_WRAPPER = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_REAL = "/usr/lib/chromium/chromium" if os.path.exists("/usr/lib/chromium/chromium") else CHROMIUM_WRAPPER
# The consent page at the app window's size (main_window.rs).
CONSENT_FLAGS = [f for f in CHROMIUM_FLAGS if not f.startswith("--window-size")] + ["--window-size=760,820"]


def chromium_alone(sim, settle):
    """Tree PSS of `chromium --app` admitted to a meeting."""
    mid, _ = sim.create()
    sim.moderator_enters(mid)
    join = bbb_sim.signed(sim.base, "join", {"fullName": "Bench", "meetingID": mid, "role": "VIEWER", "guest": "true"},
                          sim.secret)
    profile = tempfile.mkdtemp(prefix="sz-bench-chromium-")
    proc = subprocess.Popen([CHROMIUM_WRAPPER, f"--user-data-dir={profile}", *CHROMIUM_FLAGS, f"--app={join}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "chromium's guest to knock")
        sim.control(f"meetings/{mid}/guests/admit")
        wait_until(lambda: any(g["entered"] for g in sim.guests(mid)), "chromium's guest to enter")
        time.sleep(settle)
        pids = tree(proc.pid)
        return sum(pss_kb(p) for p in pids) / 1024, len(pids)
    finally:
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            pass
        proc.wait(20)
        shutil.rmtree(profile, ignore_errors=True)


def app_states(view, settle, meeting_settle):
    """Tree PSS of the app at the start screen, in the lobby and admitted."""
    work = tempfile.mkdtemp(prefix=f"sz-bench-compare-{view}-")
    home = TestHome(work)
    home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = view
    # As shipped: the released window's network process ends. WebKit ends
    # the driver's session with it; the status window leaves then.
    home.extra_env["SPRECHZIMMER_KEEP_NETWORK_PROCESS"] = None
    sim = Sim(work, "--auto-confirm-end")
    app = App(home, (), workdir=work)
    out = {}
    try:
        wd = app.wd
        wd.wait_screen("start")
        time.sleep(settle)
        out["start"] = tree_pss_mb()
        mid, _ = sim.create()
        wd.type("#invite-input", sim.invite(mid, name="Bench"))
        wd.click("#open-invite")
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        wd.click("#consent-continue")
        through_devices(wd)
        # No moderator yet: the client waits in the app's lobby.
        wd.wait_screen("lobby")
        time.sleep(settle)
        out["lobby"] = tree_pss_mb()
        sim.moderator_enters(mid)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="knocking")
        status = admitted(wd, sim, mid)
        wait_until(lambda: any(g["entered"] for g in sim.guests(mid)), "the client to enter")
        if status:
            wait_until(lambda: not window_network_processes(), "the released window's network process to end")
        time.sleep(meeting_settle)
        out["meeting"] = tree_pss_mb()
        print(f"{view}: in the meeting: {breakdown()}", file=sys.stderr)
        if status:
            status.press(status.leave)
            status.wait_gone()
        else:
            leave(wd, status)
    finally:
        app.close()
        kill_strays(home)
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    return out


def wipe_times(view, sessions):
    """(teardown ms, removal ms, files, bytes) of each of `sessions` client
    sessions in one app run, from the app's own log line."""
    work = tempfile.mkdtemp(prefix=f"sz-bench-wipe-{view}-")
    home = TestHome(work)
    home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = view
    home.extra_env["SPRECHZIMMER_LOG"] = "info"
    sim = Sim(work, "--auto-confirm-end")
    app = App(home, (), workdir=work)
    try:
        for i in range(sessions):
            session(app.wd, sim, i)
        app.wd.wait_screen("start")
        with open(os.path.join(work, "driver.log"), errors="replace") as f:
            found = [tuple(float(x) for x in m.groups()) for m in TORN_DOWN.finditer(f.read())]
    finally:
        app.close()
        kill_strays(home)
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    if len(found) != sessions:
        raise RuntimeError(f"{view}: {len(found)} teardown lines for {sessions} sessions")
    return found



# ---- start to an interactive consent screen ----

# The app and the floor as measured: `release` is the `bench-release`
# profile (the release profile, LTO and all, plus the benchmark feature:
# plain http to the local simulator, a test policy root), built by
# tests/bench/compare.sh into a folder of its own, so target/release keeps
# only what ships. `debug` is the e2e tests' build.
def binaries(build):
    base = os.path.join(ROOT, "target", "bench-release" if build == "release" else "debug")
    return os.path.join(base, "sprechzimmer"), os.path.join(base, "examples", "floor")


def pids_of(binary):
    out = subprocess.run(["pgrep", "-f", f"^{binary}"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_gone(binary):
    """Until no process of `binary` is left (SIGKILL after 20 s), so one
    start never overlaps the next."""
    deadline = time.monotonic() + 20
    while pids_of(binary) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids_of(binary):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


UI = os.path.join(ROOT, "ui")

# Interactive: the consent screen is up, both texts are rendered and both
# checkboxes can be used. The same question for all three, asked through
# each one's WebDriver.
CONSENT_READY = """
const on = (id) => { const el = document.getElementById(id); return !!el && !el.disabled && el.getClientRects().length > 0; };
const text = (id) => { const el = document.getElementById(id); return !!el && el.textContent.trim().length > 0; };
return document.body.dataset.screen === 'consent' && on('privacy-check') && on('terms-check')
    && text('privacy-text') && text('terms-text');
"""

# The app's own page outside the app, for chromium and the floor: the same
# HTML, CSS, modules and catalogue; the commands answer what the real app
# answered (captured once per run), and open_invite fetches its consent view
# over http, as the app fetches the profile.
SHIM = """<script>
(() => {
  const answers = %s;
  let link = answers.link;
  const invoke = async (command) => {
    switch (command) {
      case 'take_pending_invite': { const l = link; link = null; return l; }
      case 'preview_invite': return { preapproved: true };
      case 'open_invite': return (await fetch('/bench/consent-view.json', { cache: 'no-store' })).json();
      default: return command in answers ? answers[command] : null;
    }
  };
  window.__TAURI__ = { core: { invoke }, event: { listen: async () => () => {} } };
})();
</script>
"""


def serve_consent_page(answers, consent_view, ready):
    """Serves ui/ on 127.0.0.1 with the shim (in a process of its own, so
    serving never competes with the timing loop); sends its port to `ready`."""
    import http.server

    shim = SHIM % json.dumps(answers).replace("</", "<\\/")
    with open(os.path.join(UI, "index.html")) as f:
        page = f.read()
    marker = '<meta charset="utf-8">'
    if marker not in page:
        raise RuntimeError("ui/index.html has no <meta charset> to put the shim after")
    page = page.replace(marker, marker + "\n" + shim, 1).encode()
    view = json.dumps(consent_view).encode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=UI, **k)

        def log_message(self, *a):
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_GET(self):
            if self.path in ("/", "/index.html"):
                return self.reply(page, "text/html; charset=utf-8")
            if self.path == "/bench/consent-view.json":
                return self.reply(view, "application/json")
            return super().do_GET()

        def reply(self, body, kind):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        ready.send(server.server_address[1])
        server.serve_forever()


def consent_page(answers, consent_view):
    """Starts serve_consent_page; returns (process, url)."""
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve_consent_page, args=(answers, consent_view, child), daemon=True)
    proc.start()
    if not parent.poll(30):
        proc.terminate()
        raise RuntimeError("the consent page's server did not start")
    return proc, f"http://127.0.0.1:{parent.recv()}/index.html"


def capture_answers(sim, link):
    """What the real app answers on the way to its consent screen."""
    work = tempfile.mkdtemp(prefix="sz-bench-capture-")
    home = TestHome(work)
    app = App(home, (), workdir=work)
    try:
        info = app.wd.invoke("app_info")["ok"]
        view = app.wd.invoke("open_invite", {"link": link})
        if "ok" not in view:
            raise RuntimeError(f"open_invite: {view}")
        app.wd.invoke("cancel_session")
        return {"app_info": info, "link": link}, view["ok"]
    finally:
        app.close()
        kill_strays(home)
        shutil.rmtree(work, ignore_errors=True)


def time_to_consent(driver, port, capabilities, env, program):
    """Seconds from asking the (already running) driver for a session, which
    starts `program`, until CONSENT_READY holds."""
    proc = subprocess.Popen(driver, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_port(port)
        # tauri-driver starts its native driver right after it listens.
        time.sleep(1.0)
        t0 = time.monotonic()
        wd = Session(f"http://127.0.0.1:{port}", capabilities)
        try:
            while not wd.js(CONSENT_READY):
                if time.monotonic() - t0 > 60:
                    raise RuntimeError("no interactive consent screen within 60 s")
                time.sleep(0.01)
            return time.monotonic() - t0
        finally:
            wd.quit()
    finally:
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            pass
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        wait_gone(program)


def tauri_driver(port):
    return [TAURI_DRIVER, "--port", str(port), "--native-port", str(free_port()), "--native-driver", NATIVE_DRIVER]


def consent_chromium(url):
    profile = tempfile.mkdtemp(prefix="sz-bench-chromium-")
    port = free_port()
    caps = {"browserName": "chrome", "goog:chromeOptions": {
        "binary": CHROMIUM_WRAPPER,
        "args": [f"--user-data-dir={profile}", *CONSENT_FLAGS, f"--app={url}"]}}
    try:
        return time_to_consent(["chromedriver", f"--port={port}"], port, caps, dict(os.environ), CHROMIUM_REAL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def consent_tauri(application, args, policy_for=None):
    """The app (with a link, its profile allowed by policy so no arrival
    question comes first) or the floor, in a fresh home."""
    work = tempfile.mkdtemp(prefix="sz-bench-consent-")
    home = TestHome(work)
    if policy_for:
        managed = os.path.join(work, "policies", "managed")
        os.makedirs(managed)
        with open(os.path.join(managed, "10-org.json"), "w") as f:
            json.dump({"organisationProfileUrl": policy_for}, f)
        home.extra_env["SPRECHZIMMER_POLICY_ROOT"] = os.path.dirname(managed)
    env = home.env()
    env.pop("SPRECHZIMMER_LOG", None)
    port = free_port()
    try:
        return time_to_consent(tauri_driver(port), port,
                               {"tauri:options": {"application": application, "args": list(args)}}, env, application)
    finally:
        kill_strays(home)
        shutil.rmtree(work, ignore_errors=True)


def consent_times(rounds, build):
    app, floor = binaries(build)
    sim_dir = tempfile.mkdtemp(prefix="sz-bench-consent-sim-")
    sim = Sim(sim_dir)
    try:
        profile = f"{sim.base}/profile.json"
        answers, view = capture_answers(sim, sim.invite(sim.create()[0], name="Bench"))
        server, url = consent_page(answers, view)
        try:
            runs = {
                "chromium --app, the same page": lambda: consent_chromium(url),
                "bare Tauri window (floor), the same page": lambda: consent_tauri(floor, [url]),
                "app, link on the command line": lambda: consent_tauri(
                    app, [sim.invite(sim.create()[0], name="Bench")], policy_for=profile),
            }
            out = {}
            # One start each first, not counted: the first start after a
            # build reads everything from disk.
            for run in runs.values():
                run()
            order = list(runs)
            for r in range(rounds):
                # A different one first each round: none always follows another.
                for what in order[r % len(order):] + order[:r % len(order)]:
                    out.setdefault(what, []).append(runs[what]())
                print(f"consent: round {r + 1} of {rounds} done", file=sys.stderr)
            return out
        finally:
            server.terminate()
            server.join(10)
    finally:
        sim.stop()
        shutil.rmtree(sim_dir, ignore_errors=True)


# ---- tray, sizes ----

def tray_idle(runs, build):
    """Tray idle PSS (MB) of `sprechzimmer --tray` (the agent takes over)."""
    app = binaries(build)[0]
    work = tempfile.mkdtemp(prefix="sz-bench-tray-sim-")
    proc, base = tray.start_sim(work)
    try:
        out = []
        for _ in range(runs):
            kb, procs, program = tray.one_run(app, base, 5.0)
            out.append((kb / 1024, procs, program))
        return out
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(work, ignore_errors=True)


# What IT rolls out, as built by tests/bench/packages.sh.
WIN = os.path.join(ROOT, "target", "x86_64-pc-windows-gnu", "release")
DEB = os.path.join(ROOT, "target", "release", "bundle", "deb", "*.deb")
# The Linux binaries are taken from inside the .deb: target/release may hold
# a benchmark build by now.
IN_DEB = [("Linux binary `sprechzimmer`", "usr/bin/sprechzimmer"),
          ("Linux tray agent `sprechzimmer-tray`", "usr/bin/sprechzimmer-tray")]
ARTIFACTS = [
    ("Windows binary `sprechzimmer.exe`", os.path.join(WIN, "sprechzimmer.exe")),
    ("Windows tray agent `sprechzimmer-tray.exe`", os.path.join(WIN, "sprechzimmer-tray.exe")),
    (".deb", DEB),
    ("MSI (per machine)", os.path.join(WIN, "bundle", "msi", "*.msi")),
    ("NSIS installer (per user)", os.path.join(WIN, "bundle", "*-setup.exe")),
]
BINARY_TARGET_MB = 15


def newest(pattern):
    import glob
    found = sorted(glob.glob(pattern), key=os.path.getmtime)
    return found[-1] if found else None


def sizes():
    out = {}
    deb = newest(DEB)
    if deb:
        unpacked = tempfile.mkdtemp(prefix="sz-bench-deb-")
        try:
            subprocess.run(["dpkg-deb", "-x", deb, unpacked], check=True)
            for what, path in IN_DEB:
                out[what] = os.path.getsize(os.path.join(unpacked, path)) / 1024 / 1024
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
    for what, pattern in ARTIFACTS:
        if newest(pattern):
            out[what] = os.path.getsize(newest(pattern)) / 1024 / 1024
    return out


# ---- the report ----

def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def summary(values):
    return statistics.median(values), min(values), max(values)


MEETING_ANCHOR = "chromium --app alone, in the meeting"
CONSENT_ANCHOR = "chromium --app, the same page"
WIPE_TARGET_MS = 100
TRAY_TARGET_MB = 30


def report(rows):
    """Prints the tables; returns [(label, ratio, anchor)] for the plot."""
    ratios = []
    memory = {k: v for k, v in rows.items() if ":" not in k}
    if memory:
        anchor = summary([v[0] for v in memory[MEETING_ANCHOR]])[0]
        print("| what | rounds | tree PSS, median (min–max) | processes | vs chromium --app alone |")
        print("|---|---|---|---|---|")
        for what, values in memory.items():
            med, lo, hi = summary([v[0] for v in values])
            procs = "/".join(str(p) for p in sorted({v[1] for v in values}))
            print(f"| {what} | {len(values)} | {med:.0f} MB ({lo:.0f}–{hi:.0f}) | {procs} | {med / anchor:.2f}× |")
            if what != MEETING_ANCHOR:
                ratios.append((f"PSS: {what}", med / anchor, "chromium --app alone, in the meeting"))
        print()
    consent = {k.split(":", 1)[1]: v for k, v in rows.items() if k.startswith("consent:")}
    if consent:
        anchor = statistics.median(consent[CONSENT_ANCHOR])
        floor = statistics.median(next(v for k, v in consent.items() if k.startswith("bare Tauri")))
        print(f"| start → interactive consent screen ({rows.get('build:', 'debug')} builds) | rounds | median (min–max) | vs chromium --app | vs bare Tauri window |")
        print("|---|---|---|---|---|")
        for what, values in consent.items():
            med, lo, hi = summary(values)
            print(f"| {what} | {len(values)} | {med * 1000:.0f} ms ({lo * 1000:.0f}–{hi * 1000:.0f}) | "
                  f"{med / anchor:.2f}× | {med / floor:.2f}× |")
            if what != CONSENT_ANCHOR:
                ratios.append((f"start → consent: {what}", med / anchor, "chromium --app, the same consent page"))
        print()
    wipes = {k.split(":", 1)[1]: v for k, v in rows.items() if k.startswith("wipe:")}
    if wipes:
        print("| view | sessions | session ended → wiped, median / p95 | folder removal, median / p95 (max) | size removed, median |")
        print("|---|---|---|---|---|")
        for view, found in wipes.items():
            teardown, removal = [f[0] for f in found], [f[1] for f in found]
            size = statistics.median(f[3] for f in found)
            size = f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} KB"
            files = statistics.median(f[2] for f in found)
            print(f"| {view} | {len(found)} | {statistics.median(teardown):.0f} / {p95(teardown):.0f} ms | "
                  f"{statistics.median(removal):.1f} / {p95(removal):.1f} ms ({max(removal):.1f}) | "
                  f"{size} in {files:.0f} files |")
            ratios.append((f"wipe p95, {view} view", p95(removal) / WIPE_TARGET_MS, f"target: {WIPE_TARGET_MS} ms"))
        print()
    if rows.get("tray:idle"):
        values = rows["tray:idle"]
        med, lo, hi = summary([v[0] for v in values])
        programs = ", ".join(sorted({v[2] for v in values}))
        print(f"Tray idle (`sprechzimmer --tray`, {rows.get('build:', 'debug')} build, no window): {med:.1f} MB ({lo:.1f}–{hi:.1f}) over {len(values)} runs, "
              f"{'/'.join(str(p) for p in sorted({v[1] for v in values}))} process(es), `{programs}`; "
              f"{med / TRAY_TARGET_MB:.2f}× the {TRAY_TARGET_MB} MB target.")
        print()
        ratios.append(("PSS: tray idle", med / TRAY_TARGET_MB, f"target: {TRAY_TARGET_MB} MB"))
    if rows.get("sizes:release"):
        print(f"| release artifact | size | vs the {BINARY_TARGET_MB} MB binary target |")
        print("|---|---|---|")
        for what, mb in rows["sizes:release"].items():
            print(f"| {what} | {mb:.1f} MB | {mb / BINARY_TARGET_MB:.2f}× |")
            ratios.append((f"size: {what.replace('`', '')}", mb / BINARY_TARGET_MB, f"target: {BINARY_TARGET_MB} MB (binary)"))
        print()
    return ratios


def machine():
    """What the figures come from, for the report and the plot."""
    def out(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return ""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    os_name = next((line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release")
                    if line.startswith("PRETTY_NAME=")), "?")
    return {
        "cpu": f"{os.cpu_count()} × {cpu}", "memory": f"{mem / 1024 / 1024:.0f} GB", "os": os_name,
        "webkitgtk": out("dpkg-query", "-W", "-f=${Version}", "libwebkit2gtk-4.1-0"),
        "chromium": out(CHROMIUM_WRAPPER, "--version").split(" built on")[0],
    }


def plot(ratios, path, caption):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    anchors = list(dict.fromkeys(a for _, _, a in ratios))
    colours = dict(zip(anchors, plt.get_cmap("tab10").colors))
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(ratios) + 1.8), dpi=110)
    ys = range(len(ratios))[::-1]
    for y, (label, ratio, anchor) in zip(ys, ratios):
        ax.barh(y, ratio, color=colours[anchor], label=anchor)
        ax.text(ratio + 0.02, y, f"{ratio:.2f}×", va="center", fontsize=8)
    ax.set_yticks(list(ys), [label for label, _, _ in ratios], fontsize=8)
    ax.axvline(1.0, color="black", lw=1)
    ax.set_xlim(0, max(1.0, *(r for _, r, _ in ratios)) * 1.12)
    ax.set_xlabel("ratio against its anchor (1.0 = the anchor)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="lower right", title="anchor", title_fontsize=7)
    # The machine's line is long: wrapped, so the figure keeps all of it.
    fig.suptitle("\n".join(textwrap.wrap(caption, 100)), fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


PARTS = ("memory", "consent", "wipe", "tray", "sizes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the memory figures")
    ap.add_argument("--consent-rounds", type=int, default=5, help="interleaved rounds of the start-up figures")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds at the start screen and in the lobby before measuring")
    ap.add_argument("--meeting-settle", type=float, default=75.0,
                    help="seconds in the meeting before measuring, chromium alone and the app alike: past the app's "
                         "second hand-back of the window's memory, a minute after the first")
    ap.add_argument("--wipe-sessions", type=int, default=10, help="client sessions per view for the wipe's times")
    ap.add_argument("--tray-runs", type=int, default=5)
    ap.add_argument("--build", choices=("release", "debug"),
                    help="the app and floor builds for the start-up and tray figures (default: release where built)")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"what to measure, of {','.join(PARTS)}")
    ap.add_argument("--json", help="write the raw figures to this file")
    ap.add_argument("--from-json", help="measure nothing: the tables (and plot) from figures written with --json")
    ap.add_argument("--plot", help="write the ratios to this PNG (python3-matplotlib)")
    a = ap.parse_args()
    parts = set(a.parts.split(","))
    if parts - set(PARTS):
        ap.error(f"unknown parts: {', '.join(sorted(parts - set(PARTS)))}")
    if a.from_json:
        with open(a.from_json) as f:
            rows = json.load(f)
    else:
        rows = {}
        if "sizes" in parts:
            rows["sizes:release"] = sizes()
            missing = [w for w, _ in IN_DEB + ARTIFACTS if w not in rows["sizes:release"]]
            if missing:
                print(f"not built (tests/bench/packages.sh): {', '.join(missing)}", file=sys.stderr)
        build = a.build or ("release" if all(map(os.path.exists, binaries("release"))) else "debug")
        missing = [b for b in binaries(build) if not os.path.exists(b)]
        if missing:
            ap.error(f"not built: {', '.join(missing)} (tests/bench/compare.sh builds them)")
        rows["build:"] = build
        rows["machine:"] = machine()
        # The e2e harness drives this build too (memory, wipe).
        harness.APP = binaries(build)[0]
        print(f"measuring the {build} build", file=sys.stderr)
        if "consent" in parts:
            for what, values in consent_times(a.consent_rounds, build).items():
                rows[f"consent:{what}"] = values
        if "memory" in parts:
            for r in range(a.rounds):
                sim_dir = tempfile.mkdtemp(prefix="sz-bench-compare-sim-")
                sim = Sim(sim_dir)
                try:
                    rows.setdefault(MEETING_ANCHOR, []).append(chromium_alone(sim, a.meeting_settle))
                finally:
                    sim.stop()
                    shutil.rmtree(sim_dir, ignore_errors=True)
                for view in ("embedded", "browser"):
                    for state, figure in app_states(view, a.settle, a.meeting_settle).items():
                        rows.setdefault(f"app ({view} view), {state}", []).append(figure)
                print(f"memory: round {r + 1} of {a.rounds} done", file=sys.stderr)
        if "wipe" in parts:
            for view in ("embedded", "browser"):
                rows[f"wipe:{view}"] = wipe_times(view, a.wipe_sessions)
        if "tray" in parts:
            rows["tray:idle"] = tray_idle(a.tray_runs, build)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    ratios = report(rows)
    m = rows.get("machine:")
    if m:
        m["chromium"] = m["chromium"].split(" built on")[0]
    if m:
        print(f"Machine: {m['cpu']}, {m['memory']}, {m['os']}; WebKitGTK {m['webkitgtk']}; {m['chromium']}; "
              f"the app and the floor: {rows.get('build:', 'debug')} build. MB are 2^20 bytes.")
    if a.plot and ratios:
        caption = "Sprechzimmer side by side (tests/bench/compare.py, one run)"
        if m:
            caption += f"\n{m['cpu']}, {m['memory']}; {m['os']}; WebKitGTK {m['webkitgtk']}; {m['chromium']}"
        plot(ratios, a.plot, caption)
    return 0


if __name__ == "__main__":
    sys.exit(main())
