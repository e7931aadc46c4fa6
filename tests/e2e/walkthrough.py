#!/usr/bin/env python3
"""Takes the screenshots of docs/walkthrough.md from the real app.

Run under a private X server:  xvfb-run -a -s "-screen 0 1280x900x24" \
    dbus-run-session -- python3 tests/e2e/walkthrough.py docs/img
Only the Arabic and Ukrainian screens (no ImageMagick needed):
    ... python3 tests/e2e/walkthrough.py docs/img --languages
Only the client's way in (bookings, invite page, booked lobby):
    ... python3 tests/e2e/walkthrough.py docs/img --way-in
"""

import datetime
import os
import shutil
import subprocess
import sys
import time

from harness import App, Sim, TestHome, accept_counsellor_setup, admit_client, leave_meeting, workdir, through_devices


def shot(out, name, geometry=None):
    time.sleep(0.8)  # let the compositor paint the last DOM change
    path = os.path.join(out, f"{name}.png")
    subprocess.run(["/usr/bin/import", "-window", "root", path], check=True)
    if geometry:
        subprocess.run(["/usr/bin/convert", path, "-crop", geometry, "+repage", path], check=True)
    print("wrote", path)


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
    os.makedirs(out, exist_ok=True)
    d = workdir("walkthrough")
    home = TestHome(d)
    sim = Sim(d, "--auto-confirm-end")
    app = None
    try:
        mid, _ = sim.create()
        at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
        link = sim.invite(mid, name="Kim Klientin", at=at)
        app = App(home, (), workdir=d)
        wd = app.wd
        main_window = "760x820+0+0"
        wd.wait_screen("start")
        wd.type("#invite-input", link)
        time.sleep(1.5)  # the window's first paint after start-up
        shot(out, "1-start", main_window)
        wd.click("#open-invite")
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        shot(out, "2-consent", main_window)
        wd.click("#consent-continue")
        # The device check, in its own window; Xvfb has no camera or
        # microphone, so it explains that the client can still take part.
        wd.wait_screen("devices")
        wd.click("#devices-check")
        wd.wait_for("return !document.getElementById('devices-camera').hidden")
        # No window manager here: the check's window is set beside the app's.
        subprocess.run(["xdotool", "search", "--name", "^Kamera und Mikrofon prüfen$",
                        "windowsize", "%@", "700", "820", "windowmove", "%@", "580", "0"], capture_output=True)
        time.sleep(1.5)
        shot(out, "16-device-check")
        wd.click("#devices-stop")
        wd.wait_for("return !document.getElementById('devices-closed').hidden")
        wd.click("#devices-continue")
        wd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'")
        shot(out, "3-lobby", main_window)
        sim.moderator_enters(mid)
        while not any(g["status"] == "WAIT" for g in sim.guests(mid)):
            time.sleep(0.2)
        time.sleep(1.5)
        shot(out, "4-waiting-room")
        # Admitted: the meeting window has the meeting, and the status
        # window stands in for the app's (Linux).
        status = admit_client(wd, lambda: sim.control(f"meetings/{mid}/guests/admit"))
        while not any(g["entered"] for g in sim.guests(mid)):
            time.sleep(0.2)
        shot(out, "5-meeting")
        leave_meeting(wd, status)
        wd.wait_screen("ended")
        shot(out, "6-ended", main_window)
    finally:
        if app:
            app.close()
        sim.stop()
        shutil.rmtree(d, ignore_errors=True)


def browser_walkthrough(out):
    """The same session where the webview has no WebRTC: Chromium carries it."""
    d = workdir("walkthrough-browser")
    home = TestHome(d)
    home.extra_env["SPRECHZIMMER_MEETING_VIEW"] = "auto"
    sim = Sim(d, "--auto-confirm-end")
    app = None
    try:
        mid, _ = sim.create()
        sim.moderator_enters(mid)
        app = App(home, (sim.invite(mid, name="Kim Klientin"),), workdir=d)
        wd = app.wd
        wd.wait_screen("consent")
        wd.click("#privacy-check")
        wd.click("#terms-check")
        wd.click("#consent-continue")
        through_devices(wd)
        while not any(g["status"] == "WAIT" for g in sim.guests(mid)):
            time.sleep(0.2)
        wd.wait_for("return document.getElementById('meeting-status').dataset.state === 'knocking'")
        time.sleep(1.0)
        # The app's window while the client knocks, as WebDriver renders it
        # (Chromium covers it on screen): where the session runs, and why.
        wd.screenshot(os.path.join(out, "8-browser-app.png"))
        print("wrote", os.path.join(out, "8-browser-app.png"))
        # Admitted: the app's window goes; the status window stands in.
        status = admit_client(wd, lambda: sim.control(f"meetings/{mid}/guests/admit"))
        while not any(g["entered"] for g in sim.guests(mid)):
            time.sleep(0.2)
        time.sleep(1.5)
        shot(out, "7-browser-meeting")
        wid = status.window_ids()[0]
        path = os.path.join(out, "8b-status-window.png")
        subprocess.run(["/usr/bin/import", "-window", wid, path], check=True)
        print("wrote", path)
        status.press(status.leave)
        wd.wait_screen("ended")
    finally:
        if app:
            app.close()
        sim.stop()
        shutil.rmtree(d, ignore_errors=True)


def counsellor_walkthrough(out):
    """A counsellor's running session (Jitsi without tokens: no keyring needed)."""
    from harness import JitsiSim
    d = workdir("walkthrough-counsellor")
    home = TestHome(d)
    sim = JitsiSim(d)
    app = None
    try:
        app = App(home, (), workdir=d)
        wd = app.wd
        wd.wait_screen("start")
        wd.click("#open-counsellor")
        wd.wait_screen("counsellor-setup")
        wd.js("document.getElementById('cs-provider').value = 'jitsi';"
              "document.getElementById('cs-provider').dispatchEvent(new Event('change'))")
        wd.type("#cs-profile", sim.base + "/profile.json")
        wd.type("#cs-server", sim.base)
        wd.type("#cs-name", "Beratung Nord")
        time.sleep(1.5)
        wd.screenshot(os.path.join(out, "9-counsellor-setup.png"))
        accept_counsellor_setup(wd)
        wd.type("#cn-client-name", "Kim")
        wd.click("#cn-start")
        wd.wait_for("return document.getElementById('cn-status').dataset.state === 'open'")
        time.sleep(1.5)
        wd.screenshot(os.path.join(out, "10-counsellor-running.png"))
        print("wrote counsellor screenshots")
        wd.click("#cn-end")
        wd.wait_screen("ended")
    finally:
        if app:
            app.close()
        sim.stop()
        shutil.rmtree(d, ignore_errors=True)


def languages_walkthrough(out):
    """The consent screen and the waiting room in Arabic (right to left) and
    Ukrainian, as the app's window shows them (WebDriver screenshots)."""
    for lang in ("ar", "uk"):
        d = workdir(f"walkthrough-{lang}")
        home = TestHome(d)
        sim = Sim(d)
        app = None
        try:
            mid, _ = sim.create()
            app = App(home, (), workdir=d)
            wd = app.wd
            wd.wait_screen("start")
            wd.invoke("set_language", {"lang": lang, "remember": False})
            wd.js("window.__old = true; location.reload()")
            wd.wait_for("return !window.__old && document.body && document.body.dataset.ready === 'true'")
            wd.type("#invite-input", sim.invite(mid, name="Kim Klientin"))
            wd.click("#open-invite")
            wd.wait_screen("consent")
            wd.click("#privacy-check")
            wd.click("#terms-check")
            wd.js("window.scrollTo(0, 0)")
            time.sleep(0.8)
            wd.screenshot(os.path.join(out, f"11-consent-{lang}.png"))
            wd.click("#consent-continue")
            through_devices(wd)
            wd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'")
            time.sleep(0.8)
            wd.screenshot(os.path.join(out, f"12-lobby-{lang}.png"))
            print("wrote", lang, "screenshots")
        finally:
            if app:
                app.close()
            sim.stop()
            shutil.rmtree(d, ignore_errors=True)


def way_in_walkthrough(out):
    """A counsellor's bookings, the organisation's invite page in a browser,
    and the client's lobby for a booked appointment (WebDriver and DevTools
    screenshots)."""
    import base64
    import json as _json
    from chromium_cdp import Chromium
    from harness import APP, Keyring, accept_counsellor_terms, counsellor_setup_cli
    os.makedirs(out, exist_ok=True)
    d = workdir("walkthrough-way-in")
    home = TestHome(d)
    page_file = os.path.join(d, "join.html")
    sim = Sim(d, "--auto-confirm-end", "--invite-page", page_file, "--consent-receipt", "optional")
    keyring = Keyring(home)
    apps = []
    browser = None
    try:
        env = home.env()
        with open(page_file, "wb") as f:
            f.write(subprocess.run([APP, "org", "invite-page", f"{sim.base}/profile.json"], env=env, check=True,
                                   capture_output=True).stdout)
        counsellor_setup_cli(home, sim.base, "--bbb", f"{sim.base}/bigbluebutton/api", secret=sim.secret).check_returncode()
        app = App(home, (), workdir=d)
        apps.append(app)
        wd = app.wd
        wd.click("#open-counsellor")
        accept_counsellor_terms(wd)
        now = datetime.datetime.now()
        for name, days, hour in (("Kim", 2, 10), ("Alex Beispiel", 5, 14)):
            when = (now + datetime.timedelta(days=days)).replace(hour=hour, minute=30)
            wd.type("#cn-client-name", name)
            wd.js(f"document.getElementById('cn-at').value = {_json.dumps(when.strftime('%Y-%m-%dT%H:%M'))}")
            n = wd.js("return document.querySelectorAll('#cn-bookings-list li').length")
            wd.click("#cn-book")
            wd.wait_for(f"return document.querySelectorAll('#cn-bookings-list li').length === {n + 1}")
        wd.click("#toast-dismiss")
        time.sleep(1.5)
        wd.screenshot(os.path.join(out, "13-bookings.png"))
        first = wd.js("return document.querySelector('#cn-bookings-list li').dataset.booking")
        wd.click(f"[data-booking='{first}'] .booking-copy")
        deadline = time.monotonic() + 30
        link = ""
        while time.monotonic() < deadline and "#v=1" not in link:
            link = subprocess.run(["xclip", "-selection", "clipboard", "-o"], capture_output=True, text=True).stdout
            time.sleep(0.2)
        # The invite page, as the client's browser shows it without the app.
        browser = Chromium("--lang=de-DE", "--accept-lang=de-DE,de", "--window-size=760,900")
        browser.navigate(link)
        browser.wait_true("!document.getElementById('help').hidden", "the install help")
        time.sleep(0.5)
        shot_data = browser.page("Page.captureScreenshot", {"format": "png"})["data"]
        with open(os.path.join(out, "14-invite-page.png"), "wb") as f:
            f.write(base64.b64decode(shot_data))
        print("wrote", os.path.join(out, "14-invite-page.png"))
        # The client, days ahead: the lobby counts down.
        client_dir = os.path.join(d, "client")
        os.makedirs(client_dir)
        client = App(TestHome(client_dir), (link,), workdir=client_dir, isolated=True)
        apps.append(client)
        cwd = client.wd
        cwd.wait_screen("consent")
        cwd.click("#privacy-check")
        cwd.click("#terms-check")
        cwd.click("#consent-continue")
        through_devices(cwd)
        cwd.wait_for("return document.getElementById('lobby-status').dataset.state === 'waiting'")
        time.sleep(1.5)
        cwd.screenshot(os.path.join(out, "15-booked-lobby.png"))
        print("wrote way-in screenshots")
    finally:
        if browser:
            browser.close()
        for a in reversed(apps):
            a.close()
        sim.stop()
        keyring.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[2:] == ["--languages"]:
        languages_walkthrough(os.path.abspath(sys.argv[1]))
        sys.exit(0)
    if sys.argv[2:] == ["--way-in"]:
        way_in_walkthrough(os.path.abspath(sys.argv[1]))
        sys.exit(0)
    target = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "docs/img")
    main()
    browser_walkthrough(target)
    counsellor_walkthrough(target)
    way_in_walkthrough(target)
