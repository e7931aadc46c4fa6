#!/usr/bin/env python3
"""A counsellor's day in numbers: N sessions one after another in one app
run, against the simulated BigBlueButton server. After each session (and a
short settle) it records the whole process tree's PSS and its process
count, for client sessions in each view (the embedded one, the meeting
window in its own `meeting-view` process; the fallback browser) and for the
counsellor's own meetings (embedded view).

The sessions are driven like the end-to-end tests (tauri-driver and
WebKitWebDriver, so a build with WebDriver automation: the debug build by
default). Run under a private X server and D-Bus session:

    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \\
        python3 tests/bench/soak.py [--sessions 20] [--views embedded,browser,counsellor] [--plot docs/soak.png]

Prints a Markdown table (PSS relative to the level after the first session)
and, with --plot, draws the curves (Debian's python3-matplotlib, so run it
with /usr/bin/python3; `--from-json` plots rows saved with `--json`).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from startup import pss_kb  # noqa: E402
from harness import (App, Keyring, Sim, TestHome, accept_counsellor_setup, admit_client, app_tree,  # noqa: E402
                     fill_counsellor_setup, kill_strays, leave_meeting, through_devices, wait_until, web_processes,
                     window_web_processes)


def tree_pss_mb():
    tree = app_tree()
    return sum(pss_kb(p) for p in tree) / 1024, len(tree)


def breakdown():
    """'name PSS' per process of the tree, for the log."""
    parts = []
    for pid, cmd in sorted(app_tree().items()):
        name = os.path.basename(cmd.split(" ")[0]) if cmd else str(pid)
        parts.append(f"{name} {pss_kb(pid) / 1024:.0f}")
    return ", ".join(parts)


def admitted(wd, sim, mid):
    """Lets the knocking client in. On Linux the app's window then goes and
    the status window stands in (issue 15): returned, once the window's web
    process is gone (the meeting window's own may stay)."""
    before = window_web_processes()
    if not before:
        raise RuntimeError("the app window's web process was not found")
    status = admit_client(wd, lambda: sim.control(f"meetings/{mid}/guests/admit"))
    if status:
        wait_until(lambda: not (web_processes() & before), "the app's window to go")
    else:
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'open'", what="admitted")
    return status


def leave(wd, status):
    """"Leave", wherever it is, up to the "ended" screen."""
    leave_meeting(wd, status)
    wd.wait_screen("ended")


def session(wd, sim, i):
    mid, _ = sim.create()
    sim.moderator_enters(mid)
    wd.wait_screen("start")
    wd.js("document.getElementById('invite-input').value = ''")
    wd.type("#invite-input", sim.invite(mid, name=f"Bench {i}"))
    wd.click("#open-invite")
    wd.wait_screen("consent")
    wd.click("#privacy-check")
    wd.click("#terms-check")
    wd.click("#consent-continue")
    through_devices(wd)
    wait_until(lambda: any(g["status"] == "WAIT" for g in sim.guests(mid)), "the guest to knock")
    wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'", what="knocking")
    leave(wd, admitted(wd, sim, mid))
    wd.click_leaving("#ended-done")


def counsellor_session(wd, sim, i):
    """The counsellor's own meeting (embedded view): start, in the room, end."""
    known = set(sim.state()["meetings"])
    wd.wait_screen("counsellor")
    wd.js("document.getElementById('cn-client-name').value = ''")
    wd.type("#cn-client-name", f"Bench {i}")
    wd.click("#cn-start")
    wd.wait_for("return document.getElementById('cn-status').dataset.state === 'open'", what="counsellor in the room")
    mid = next(m for m in sim.state()["meetings"] if m not in known)
    wd.click("#cn-end")
    wait_until(lambda: sim.state()["meetings"][mid]["ended"], "BBB `end`")
    wd.wait_screen("ended")
    wd.click_leaving("#ended-done")
    wd.wait_screen("counsellor")


def one_view(view, sessions, settle):
    work = tempfile.mkdtemp(prefix=f"sz-bench-soak-{view}-")
    home = TestHome(work)
    counsellor = view == "counsellor"
    home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "embedded" if counsellor else view
    keyring = Keyring(home) if counsellor else None
    sim = Sim(work, "--auto-confirm-end")
    app = App(home, (), workdir=work)
    rows = []
    try:
        app.wd.wait_screen("start")
        if counsellor:
            fill_counsellor_setup(app.wd, sim)
            accept_counsellor_setup(app.wd)
        time.sleep(settle)
        rows.append((0,) + tree_pss_mb())
        for i in range(1, sessions + 1):
            if counsellor:
                counsellor_session(app.wd, sim, i)
            else:
                session(app.wd, sim, i)
            time.sleep(settle)
            rows.append((i,) + tree_pss_mb())
            print(f"{view}: after session {i}: {rows[-1][1]:.0f} MB, {rows[-1][2]} processes ({breakdown()})",
                  file=sys.stderr)
    finally:
        app.close()
        kill_strays(home)
        sim.stop()
        if keyring:
            keyring.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


LABELS = {
    "embedded": "client sessions, embedded view",
    "browser": "client sessions, fallback browser",
    "counsellor": "counsellor's own meetings (embedded)",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--views", default="embedded,browser,counsellor",
                    help="client sessions in the embedded view or the fallback browser; the counsellor's own meetings")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds after each session before measuring")
    ap.add_argument("--plot", help="write the curves to this PNG")
    ap.add_argument("--json", help="write the raw rows to this file")
    ap.add_argument("--from-json", help="measure nothing: table and plot from rows written with --json")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            results = json.load(f)
        a.sessions = len(next(iter(results.values()))) - 1
    else:
        results = {v: one_view(v, a.sessions, a.settle) for v in a.views.split(",")}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print("| view | start | after 1 | after {n} | max after 1..{n} | {n} vs 1 | processes start / after each |".format(n=a.sessions))
    print("|---|---|---|---|---|---|---|")
    for view, rows in results.items():
        first = rows[1][1]
        later = [r[1] for r in rows[1:]]
        procs = sorted({r[2] for r in rows[1:]})
        print(f"| {view} | {rows[0][1]:.0f} MB | {first:.0f} MB | {rows[-1][1]:.0f} MB | {max(later):.0f} MB | "
              f"{rows[-1][1] / first:.2f}× | {rows[0][2]} / {', '.join(map(str, procs))} |")
    if a.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
        for view, rows in results.items():
            first = rows[1][1]
            ax.plot([r[0] for r in rows[1:]], [r[1] / first for r in rows[1:]], marker="o", ms=3,
                    label=LABELS.get(view, view))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.axhline(1.10, color="grey", ls="--", lw=1, label="+10 %")
        ax.set_xlabel("sessions in one app run")
        ax.set_ylabel("tree PSS / after session 1")
        ax.set_title("Whole-tree memory over a day of sessions")
        ax.legend()
        fig.tight_layout()
        fig.savefig(a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
