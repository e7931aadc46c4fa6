#!/usr/bin/env python3
"""Side by side, in one run: what the app costs against what a client would
use instead, `chromium --app` on the same meeting page. Rounds are
interleaved (chromium alone, the app with the embedded view, the app with
the fallback browser, then again), so a noisy machine shifts all of them
alike; only the ratios within a run mean something.

Measured per round, as whole-tree PSS (the program and everything below
it, from /proc/<pid>/smaps_rollup), each after a settle:

- `chromium --app` alone, admitted to a meeting of the simulated BigBlueButton
  server (a fresh profile, the guest join the app would make);
- the app at its start screen, in the lobby, and admitted to the same kind
  of meeting, once with the embedded view (the meeting window in its own
  `meeting-view` process) and once with the fallback browser.

The app is driven like the end-to-end tests (tauri-driver and
WebKitWebDriver, so the debug build). Run under a private X server and
D-Bus session:

    cargo build --workspace
    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \\
        /usr/bin/python3 tests/bench/compare.py [--rounds 3] [--json out.json]

Prints the Markdown table that docs/performance.md shows (median, min and
max per figure, and the ratio of the medians against chromium alone).
Then, per view, `--wipe-sessions` client sessions in one app run: the time
from "session ended" to "folder wiped" and the removal alone, with the
size removed, from the app's own log line (`SPRECHZIMMER_LOG=info`).

Issue 15's start-up time against a bare Tauri window and the package sizes
are still to come.
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from startup import pss_kb, tree  # noqa: E402
from harness import App, Sim, TestHome, bbb_sim, kill_strays, wait_until  # noqa: E402
from soak import breakdown, session, tree_pss_mb  # noqa: E402

TORN_DOWN = re.compile(r"session torn down in (\d+) ms; its folder removed in ([\d.]+) ms: (\d+) files, (\d+) bytes")

# A client's own browser: Debian's chromium as an app window, with a fresh
# profile and none of the app's hardening flags. The basic password store:
# under a bare D-Bus session chromium would otherwise wait for a keyring
# prompt that nobody answers.
CHROMIUM_FLAGS = ["--no-first-run", "--no-default-browser-check", "--password-store=basic", "--window-size=1100,760"]
if os.geteuid() == 0:
    # Chromium's sandbox refuses root (the app does the same, browser/mod.rs).
    CHROMIUM_FLAGS.append("--no-sandbox")


def chromium_alone(sim, settle):
    """Tree PSS of `chromium --app` admitted to a meeting."""
    mid, _ = sim.create()
    sim.moderator_enters(mid)
    join = bbb_sim.signed(sim.base, "join", {"fullName": "Bench", "meetingID": mid, "role": "VIEWER", "guest": "true"},
                          sim.secret)
    profile = tempfile.mkdtemp(prefix="sz-bench-chromium-")
    proc = subprocess.Popen(["chromium", f"--user-data-dir={profile}", *CHROMIUM_FLAGS, f"--app={join}"],
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


def app_states(view, settle):
    """Tree PSS of the app at the start screen, in the lobby and admitted."""
    work = tempfile.mkdtemp(prefix=f"sz-bench-compare-{view}-")
    home = TestHome(work)
    home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = view
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
        # No moderator yet: the client waits in the app's lobby.
        wd.wait_screen("lobby")
        time.sleep(settle)
        out["lobby"] = tree_pss_mb()
        sim.moderator_enters(mid)
        wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
        sim.control(f"meetings/{mid}/guests/admit")
        wait_until(lambda: any(g["entered"] for g in sim.guests(mid)), "the client to enter")
        time.sleep(settle)
        out["meeting"] = tree_pss_mb()
        print(f"{view}: in the meeting: {breakdown()}", file=sys.stderr)
        wd.click("#meeting-leave")
        wd.wait_screen("ended")
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


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds in each state before measuring")
    ap.add_argument("--wipe-sessions", type=int, default=10, help="client sessions per view for the wipe's times")
    ap.add_argument("--json", help="write the raw figures to this file")
    ap.add_argument("--from-json", help="measure nothing: the table from figures written with --json")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            rows = json.load(f)
    else:
        rows = {}
        for r in range(a.rounds):
            sim_dir = tempfile.mkdtemp(prefix="sz-bench-compare-sim-")
            sim = Sim(sim_dir)
            try:
                rows.setdefault("chromium --app alone, in the meeting", []).append(chromium_alone(sim, a.settle))
            finally:
                sim.stop()
                shutil.rmtree(sim_dir, ignore_errors=True)
            for view in ("embedded", "browser"):
                for state, figure in app_states(view, a.settle).items():
                    rows.setdefault(f"app ({view} view), {state}", []).append(figure)
            print(f"round {r + 1} of {a.rounds} done", file=sys.stderr)
        for view in ("embedded", "browser"):
            rows[f"wipe:{view}"] = wipe_times(view, a.wipe_sessions)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    anchor = summary([v[0] for v in rows["chromium --app alone, in the meeting"]])[0]
    print("| what | rounds | tree PSS, median (min–max) | processes | vs chromium --app alone |")
    print("|---|---|---|---|---|")
    wipes = {k.split(":", 1)[1]: v for k, v in rows.items() if k.startswith("wipe:")}
    for what, values in rows.items():
        if what.startswith("wipe:"):
            continue
        med, lo, hi = summary([v[0] for v in values])
        procs = "/".join(str(p) for p in sorted({v[1] for v in values}))
        print(f"| {what} | {len(values)} | {med:.0f} MB ({lo:.0f}–{hi:.0f}) | {procs} | {med / anchor:.2f}× |")
    if wipes:
        print()
        print("| view | sessions | session ended → wiped, median / p95 | folder removal, median / p95 (max) | size removed, median |")
        print("|---|---|---|---|---|")
        for view, found in wipes.items():
            teardown, removal = [f[0] for f in found], [f[1] for f in found]
            size = statistics.median(f[3] for f in found) / 1024 / 1024
            files = statistics.median(f[2] for f in found)
            print(f"| {view} | {len(found)} | {statistics.median(teardown):.0f} / {p95(teardown):.0f} ms | "
                  f"{statistics.median(removal):.1f} / {p95(removal):.1f} ms ({max(removal):.1f}) | "
                  f"{size:.1f} MB in {files:.0f} files |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
