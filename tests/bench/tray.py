#!/usr/bin/env python3
"""Measures the counsellor's tray mode: `sprechzimmer --tray` (what autostart
runs) with a counsellor access set up, idle in the tray with no window (the
process becomes the tray agent, `sprechzimmer-tray`, where it is installed
next to the app). The whole process tree's PSS (from
/proc/<pid>/smaps_rollup), how many processes it has, and which program it
runs.

Run under a private X server and D-Bus session:

    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \\
        python3 tests/bench/tray.py [--runs 5] [--binary target/release/sprechzimmer]

The access is a Jitsi one on the simulated server (no secret needed, so no
keyring daemon in the measurement).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from startup import pss_kb, tree  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def start_sim(workdir):
    ready = os.path.join(workdir, "ready.json")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "sim", "jitsi_sim.py"), "--ready-file", ready],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(ready):
        time.sleep(0.05)
    time.sleep(0.1)
    with open(ready) as f:
        return proc, json.load(f)["base"]


def one_run(binary, base, settle):
    home = tempfile.mkdtemp(prefix="sz-bench-tray-")
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=f"{home}/.cache", XDG_DATA_HOME=f"{home}/.local/share",
               XDG_CONFIG_HOME=f"{home}/.config", SPRECHZIMMER_ALLOW_LOOPBACK_HTTP="1", SPRECHZIMMER_LOG="info")
    try:
        subprocess.run([binary, "counsellor", "setup", "--profile", f"{base}/profile.json", "--jitsi", base,
                        "--name", "Bench"], env=env, check=True, capture_output=True)
        log = os.path.join(home, "app.log")
        with open(log, "wb") as err:
            proc = subprocess.Popen([binary, "--tray"], env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while b"in the tray, without a window" not in open(log, "rb").read():
                if proc.poll() is not None:
                    raise RuntimeError("the app exited")
                time.sleep(0.05)
            time.sleep(settle)
            pids = tree(proc.pid)
            program = os.path.basename(os.readlink(f"/proc/{proc.pid}/exe"))
            return sum(pss_kb(p) for p in pids), len(pids), program
        finally:
            proc.terminate()
            proc.wait(20)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "sprechzimmer"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds idle in the tray before measuring")
    ap.add_argument("--compare", action="store_true",
                    help="also measure the app's own tray (a copy of the binary with no agent beside it), interleaved")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="sz-bench-sim-")
    sim, base = start_sim(work)
    try:
        alone = None
        if a.compare:
            alone = os.path.join(work, "alone", "sprechzimmer")
            os.makedirs(os.path.dirname(alone))
            shutil.copy2(a.binary, alone)
        one_run(a.binary, base, 1.0)  # warm-up
        results, without = [], []
        for _ in range(a.runs):
            results.append(one_run(a.binary, base, a.settle))
            if alone:
                without.append(one_run(alone, base, a.settle))
    finally:
        sim.terminate()
        shutil.rmtree(work, ignore_errors=True)
    print("| mode | runs | whole-tree PSS (median, min–max) | processes | program |")
    print("|---|---|---|---|---|")
    rows = [("`--tray`, counsellor access set up, no window", results)]
    if without:
        rows.append(("the same, no agent installed (the app's own tray)", without))
    for label, rs in rows:
        pss = [r[0] / 1024 for r in rs]
        print(f"| {label} | {a.runs} | {statistics.median(pss):.1f} MB ({min(pss):.1f}–{max(pss):.1f}) | {rs[-1][1]} | `{rs[-1][2]}` |")
    if without:
        ratio = statistics.median(r[0] for r in results) / statistics.median(r[0] for r in without)
        print(f"\nagent / app's own tray: {ratio:.2f}")


if __name__ == "__main__":
    main()
