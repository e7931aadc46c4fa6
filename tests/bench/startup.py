#!/usr/bin/env python3
"""Measures Sprechzimmer's start: time until the main window is mapped on
the X server, and the memory of the whole process tree (PSS, from
/proc/<pid>/smaps_rollup) once the start screen is idle.

Run under a private X server (numbers go to stdout as a Markdown table):

    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- \
        python3 tests/bench/startup.py [--runs 5] [--binary target/release/sprechzimmer]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def tree(pid):
    """pid and all its descendants. Each thread lists the children it
    started (`/proc/<pid>/task/<tid>/children`): Chromium starts its network
    service from a thread other than its main one."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split() if int(c) not in out and int(c) not in todo]
            except OSError:
                pass
    return out


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def window_mapped(name):
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{name}$"],
                       capture_output=True, text=True)
    return bool(r.stdout.strip())


def one_run(binary, settle):
    home = tempfile.mkdtemp(prefix="sz-bench-")
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=f"{home}/.cache", XDG_DATA_HOME=f"{home}/.local/share",
               XDG_CONFIG_HOME=f"{home}/.config")
    t0 = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not window_mapped("Sprechzimmer"):
            if proc.poll() is not None:
                raise RuntimeError("the app exited")
            if time.monotonic() - t0 > 60:
                raise RuntimeError("no window within 60 s")
            time.sleep(0.01)
        first_window = time.monotonic() - t0
        time.sleep(settle)
        pids = tree(proc.pid)
        pss = sum(pss_kb(p) for p in pids)
        return first_window, pss, len(pids)
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(home, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/sprechzimmer")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds of idle before measuring memory")
    a = ap.parse_args()
    one_run(a.binary, 1.0)  # warm-up: the first start after a build is a cold one
    results = [one_run(a.binary, a.settle) for _ in range(a.runs)]
    times = [r[0] for r in results]
    pss = [r[1] / 1024 for r in results]
    print(f"| binary | runs | window mapped (median, min–max) | whole-tree PSS at idle start screen (median) | processes |")
    print(f"|---|---|---|---|---|")
    print(f"| `{os.path.basename(a.binary)}` {os.path.getsize(a.binary) / 1e6:.1f} MB | {a.runs} | "
          f"{statistics.median(times):.2f} s ({min(times):.2f}–{max(times):.2f}) | {statistics.median(pss):.0f} MB | {results[-1][2]} |")


if __name__ == "__main__":
    main()
