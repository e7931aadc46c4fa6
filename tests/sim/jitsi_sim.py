#!/usr/bin/env python3
"""A simulated Jitsi Meet server (and organisation profile host) on 127.0.0.1.

* /external_api.js keeps the IFrame API contract of ../shared/BRIEF.md:
  `new JitsiMeetExternalAPI(domain, {roomName, parentNode, jwt,
  configOverwrite, interfaceConfigOverwrite, userInfo: {displayName}, lang,
  noSSL})`, addListener/removeListener, executeCommand('hangup' |
  'toggleLobby' | 'answerKnockingParticipant' | 'endConference'), dispose().
  Config overrides travel in the room URL's hash (#config.x=…&userInfo.…),
  the token as ?jwt=, as with the real server.
* /<room> is the conference page inside the iframe. With the room's lobby on,
  a guest gets `errorOccurred` conference.connectionError.membersOnly and
  knocks (lobby.autoKnock); admitted -> `videoConferenceJoined`; denied ->
  `errorOccurred` conference.connectionError.accessDenied (fatal); removed ->
  `participantKickedOut` {kicked: {local: true}}; hang-up or the moderator
  ending the conference -> `videoConferenceLeft`, then `readyToClose`.
  Opened directly instead (as the fallback browser does), the page goes to
  the welcome page `/` whenever the conference is over for the participant,
  as the real client does after hang-up, removal, denial or the end.

Test control under /sim/: room lobby on/off, admit, deny, kick, hangup, end,
and /sim/state with what each participant sent (name, config, token).
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bbb_sim  # noqa: E402  (shared demo organisation texts)
import simlib  # noqa: E402


class State:
    def __init__(self):
        self.rooms = {}  # name -> {"lobby": bool, "ended": bool, "participants": {pid: {...}}}
        self.log = []
        self.lock = threading.RLock()
        self.profile = None

    def room(self, name):
        return self.rooms.setdefault(name.lower(), {"lobby": False, "ended": False, "participants": {}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def json(self, obj, status=200):
        self.send(status, json.dumps(obj), "application/json")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        st = self.server.state
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        q = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        with st.lock:
            st.log.append({"path": path, "query": parsed.query, "t": time.time()})
        if path == "/profile.json":
            return self.json(st.profile)
        if path == "/external_api.js":
            return self.send(200, EXTERNAL_API, "application/javascript")
        if path.startswith("/sim/"):
            return self.control(path, q)
        parts = [p for p in path.split("/") if p]
        if not parts:
            return self.send(200, WELCOME_PAGE, "text/html;charset=utf-8")
        if len(parts) == 1:
            return self.send(200, ROOM_PAGE, "text/html;charset=utf-8")
        return self.send(404, "not found", "text/plain")

    def control(self, path, q):
        st = self.server.state
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        with st.lock:
            # The conference side, as the room page talks to it.
            if parts[1:] == ["api", "join"]:
                room = st.room(q["room"])
                if room["ended"]:
                    room["ended"] = False
                pid = secrets.token_hex(4)
                status = "knocking" if room["lobby"] else "joined"
                room["participants"][pid] = {
                    "name": q.get("name", ""), "config": json.loads(q.get("config") or "{}"),
                    "jwt": q.get("jwt") or None, "status": status}
                return self.json({"pid": pid, "status": status})
            if parts[1:] == ["api", "state"]:
                for room in st.rooms.values():
                    p = room["participants"].get(q.get("pid"))
                    if p:
                        # The moderator (who switched the lobby on) hears who knocks.
                        knocking = [k for k, o in room["participants"].items() if o["status"] == "knocking"] \
                            if room.get("lobbyBy") == q.get("pid") else []
                        return self.json({"status": p["status"], "knocking": knocking})
                return self.json({"status": "unknown"})
            if parts[1:] == ["api", "hangup"]:
                for room in st.rooms.values():
                    p = room["participants"].get(q.get("pid"))
                    if p:
                        p["status"] = "left"
                return self.json({})
            if parts[1:] == ["state"]:
                return self.json({"rooms": st.rooms, "log": st.log})
            # /sim/rooms/<room>/<action>
            if len(parts) == 4 and parts[1] == "rooms":
                room = st.room(parts[2])
                action = parts[3]
                if action == "lobby":
                    room["lobby"] = q.get("on", "1") == "1"
                    room["lobbyBy"] = q.get("by")
                    return self.json({"lobby": room["lobby"]})
                n = 0
                for p in room["participants"].values():
                    if action in ("admit", "deny") and p["status"] == "knocking":
                        p["status"] = "joined" if action == "admit" else "denied"
                    elif action == "end" and p["status"] in ("joined", "knocking"):
                        p["status"] = "ended"
                    elif action in ("kick", "hangup") and p["status"] == "joined":
                        p["status"] = {"kick": "kicked", "hangup": "left", "end": "ended"}[action]
                    else:
                        continue
                    n += 1
                if action == "end":
                    room["ended"] = True
                    room["endedBy"] = q.get("by")
                return self.json({"affected": n})
        return self.json({"error": "unknown"}, 404)


EXTERNAL_API = r"""
(function () {
  function flatten(obj, prefix, out) {
    for (const [k, v] of Object.entries(obj || {})) {
      const key = prefix + '.' + k;
      if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
      else out.push(key + '=' + encodeURIComponent(JSON.stringify(v)));
    }
    return out;
  }
  class JitsiMeetExternalAPI {
    constructor(domain, options) {
      const o = options || {};
      this._listeners = {};
      const hash = [];
      flatten(o.configOverwrite, 'config', hash);
      flatten(o.interfaceConfigOverwrite, 'interfaceConfig', hash);
      if (o.userInfo && o.userInfo.displayName) hash.push('userInfo.displayName=' + encodeURIComponent(JSON.stringify(o.userInfo.displayName)));
      if (o.lang) hash.push('config.defaultLanguage=' + encodeURIComponent(JSON.stringify(o.lang)));
      const scheme = o.noSSL ? 'http' : 'https';
      const src = scheme + '://' + domain + '/' + encodeURIComponent(o.roomName) +
        (o.jwt ? '?jwt=' + encodeURIComponent(o.jwt) : '') + '#' + hash.join('&');
      const frame = document.createElement('iframe');
      frame.name = 'jitsiConferenceFrame0';
      frame.allow = 'camera; microphone; display-capture; autoplay; clipboard-write';
      frame.src = src;
      frame.style.border = '0';
      frame.style.width = o.width || '100%';
      frame.style.height = o.height || '100%';
      (o.parentNode || document.body).appendChild(frame);
      this._frame = frame;
      this._onMessage = (ev) => {
        if (!this._frame || ev.source !== this._frame.contentWindow || !ev.data || !ev.data.jitsiEvent) return;
        for (const fn of this._listeners[ev.data.jitsiEvent] || []) fn(ev.data.payload);
      };
      window.addEventListener('message', this._onMessage);
    }
    addListener(name, fn) { (this._listeners[name] = this._listeners[name] || []).push(fn); return this; }
    addEventListener(name, fn) { return this.addListener(name, fn); }
    on(name, fn) { return this.addListener(name, fn); }
    removeListener(name, fn) { this._listeners[name] = (this._listeners[name] || []).filter(f => f !== fn); return this; }
    executeCommand(name, ...args) {
      if (this._frame) this._frame.contentWindow.postMessage({ jitsiCommand: name, args }, '*');
    }
    dispose() {
      window.removeEventListener('message', this._onMessage);
      if (this._frame) this._frame.remove();
      this._frame = null;
    }
  }
  window.JitsiMeetExternalAPI = JitsiMeetExternalAPI;
})();
"""

WELCOME_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Jitsi Meet (simulated)</title></head>
<body><h1>Welcome to Jitsi Meet (simulated)</h1></body></html>
"""

ROOM_PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>Jitsi Meet (simulated)</title>
<style>body{font-family:sans-serif;background:#131519;color:#fff;display:grid;place-items:center;height:100vh;margin:0}</style>
</head><body><div><h1 id="status">Connecting…</h1><p id="who"></p></div>
<script>
const room = decodeURIComponent(location.pathname.slice(1));
const config = {};
for (const part of location.hash.slice(1).split('&').filter(Boolean)) {
  const [k, v] = part.split('=');
  try { config[k] = JSON.parse(decodeURIComponent(v)); } catch (e) { config[k] = decodeURIComponent(v); }
}
const jwt = new URLSearchParams(location.search).get('jwt');
const name = config['userInfo.displayName'] || '';
// Opened directly (not in the IFrame API's frame), the real client leaves
// the room page when the conference is over for this participant: to the
// welcome page (or the close page, when enabled).
const standalone = window.parent === window;
const emit = (jitsiEvent, payload) => {
  if (!standalone) return parent.postMessage({ jitsiEvent, payload }, '*');
  const over = jitsiEvent === 'readyToClose' || jitsiEvent === 'participantKickedOut'
    || (jitsiEvent === 'errorOccurred' && payload.isFatal);
  if (over) setTimeout(() => location.assign('/'), 500);
};
let pid = null, last = null;
const knocked = new Set();
window.addEventListener('message', (ev) => {
  const cmd = ev.data && ev.data.jitsiCommand;
  if (cmd === 'hangup' && pid) fetch('/sim/api/hangup?pid=' + pid);
  // Moderator commands, as a JWT moderator (or the first participant) may give them.
  if (cmd === 'toggleLobby' && pid) fetch('/sim/rooms/' + encodeURIComponent(room) + '/lobby?on=' + (ev.data.args[0] ? '1' : '0') + '&by=' + pid);
  if (cmd === 'endConference' && pid) fetch('/sim/rooms/' + encodeURIComponent(room) + '/end?by=' + pid);
});
async function start() {
  const q = new URLSearchParams({ room, name, config: JSON.stringify(config), jwt: jwt || '' });
  const r = await (await fetch('/sim/api/join?' + q)).json();
  pid = r.pid;
  document.getElementById('who').textContent = name;
  poll();
}
async function poll() {
  const { status, knocking } = await (await fetch('/sim/api/state?pid=' + pid)).json();
  for (const id of knocking || []) {
    if (!knocked.has(id)) { knocked.add(id); emit('knockingParticipant', { participant: { id, name: '' } }); }
  }
  if (status !== last) {
    last = status;
    document.getElementById('status').textContent = status;
    if (status === 'knocking') emit('errorOccurred', { name: 'conference.connectionError.membersOnly', message: 'Members only', type: 'CONFERENCE', isFatal: false });
    if (status === 'joined') emit('videoConferenceJoined', { roomName: room, id: pid, displayName: name });
    if (status === 'denied') return emit('errorOccurred', { name: 'conference.connectionError.accessDenied', message: 'Access denied', type: 'CONFERENCE', isFatal: true });
    if (status === 'kicked') return emit('participantKickedOut', { kicked: { id: pid, local: true }, kicker: { id: 'moderator' } });
    if (status === 'left' || status === 'ended') { emit('videoConferenceLeft', { roomName: room }); return emit('readyToClose', {}); }
  }
  setTimeout(poll, 300);
}
start();
</script></body></html>
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready-file")
    ap.add_argument("--demo", action="store_true", help="print a client invite for a demo room")
    args = ap.parse_args()
    state = State()
    _, base = simlib.start(Handler, args.port, state)
    profile = bbb_sim.demo_profile(base)
    profile["providers"] = ["jitsi"]
    state.profile = profile
    if args.demo:
        print(client_invite(base, "Beratung-" + secrets.token_hex(12)), flush=True)
    simlib.announce(args.ready_file, {"base": base}, "jitsi-sim")
    simlib.wait_forever()


def client_invite(base, room, jwt=None):
    q = [("v", "1"), ("provider", "jitsi"), ("profile", f"{base}/profile.json"), ("room", f"{base}/{room}")]
    if jwt:
        q.append(("jwt", jwt))
    return "sprechzimmer://join?" + urllib.parse.urlencode(q)


if __name__ == "__main__":
    main()
