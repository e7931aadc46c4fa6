"""Reads and works a native window the way a screen reader does, over
AT-SPI. Runs under Debian's own Python (`/usr/bin/python3`), which has the
GObject bindings (python3-gi, gir1.2-atspi-2.0); the harness calls it.

    atspi_tool.py dump TITLE          the window's labels, buttons, headings and alerts, as JSON
    atspi_tool.py press TITLE BUTTON  activates a button, as a screen reader would
    atspi_tool.py frames              every application's windows, by name

`dump` prints `null` when no window of that title is on the desktop.
"""

import json
import sys

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402


def frames(title):
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is None:
            continue
        for j in range(app.get_child_count()):
            w = app.get_child_at_index(j)
            if w is not None and w.get_name() == title:
                yield w


def walk(node):
    yield node
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            yield from walk(child)


def describe(window):
    labels, buttons, headings, alerts = [], [], [], []
    for node in walk(window):
        role = node.get_role()
        states = node.get_state_set()
        showing = states.contains(Atspi.StateType.SHOWING)
        if role == Atspi.Role.LABEL and showing:
            labels.append(node.get_name())
        elif role == Atspi.Role.HEADING and showing:
            headings.append(node.get_name())
        elif role == Atspi.Role.ALERT and showing:
            alerts.append(node.get_name())
        elif role == Atspi.Role.PUSH_BUTTON and showing:
            buttons.append({
                "name": node.get_name(),
                "focused": states.contains(Atspi.StateType.FOCUSED),
                "focusable": states.contains(Atspi.StateType.FOCUSABLE),
                "sensitive": states.contains(Atspi.StateType.SENSITIVE),
                "actions": [node.get_action_name(k) for k in range(node.get_n_actions())],
            })
    return {"role": window.get_role_name(), "title": window.get_name(), "labels": labels, "buttons": buttons, "headings": headings, "alerts": alerts}


def main(argv):
    if argv[1] == "frames":
        desktop = Atspi.get_desktop(0)
        names = []
        for i in range(desktop.get_child_count()):
            app = desktop.get_child_at_index(i)
            for j in range(app.get_child_count() if app else 0):
                w = app.get_child_at_index(j)
                if w is not None:
                    names.append(f"{app.get_name()}: {w.get_name()}")
        print(json.dumps(names))
        return 0
    cmd, title = argv[1], argv[2]
    found = list(frames(title))
    if cmd == "dump":
        print(json.dumps(describe(found[0]) if found else None))
        return 0
    if cmd == "press":
        name = argv[3]
        for window in found:
            for node in walk(window):
                if node.get_role() == Atspi.Role.PUSH_BUTTON and node.get_name() == name:
                    ok = node.do_action(0)
                    print(json.dumps(bool(ok)))
                    return 0 if ok else 1
        print(json.dumps(False))
        return 1
    raise SystemExit(f"unknown command {cmd!r}")


def settled(argv, attempts=10):
    """`main`, again while windows come and go: an accessible that vanished
    mid-walk (a window being destroyed) is an error of the moment."""
    import time
    for attempt in range(attempts):
        try:
            return main(argv)
        except GLib.Error:
            if attempt == attempts - 1:
                raise
            time.sleep(0.3)


if __name__ == "__main__":
    sys.exit(settled(sys.argv))
