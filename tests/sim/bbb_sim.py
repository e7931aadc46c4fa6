#!/usr/bin/env python3
"""A simulated BigBlueButton server (and organisation profile host) on 127.0.0.1.

It speaks the parts of the BBB API the app and the counsellor side use, the
way BBB 2.7 does (see ../shared/BRIEF.md):

* checksums: hex(hash(call + query-without-checksum + secret)), sha1/sha256/
  sha384/sha512 as configured by --algorithms (BBB's supportedChecksumAlgorithms);
* XML answers <response><returncode>…</returncode><messageKey>…</messageKey>…;
* create (idempotent, duplicateWarning), join (302 to /html5client/join, or to
  /html5client/guestWait for guests under ASK_MODERATOR; XML on errors),
  isMeetingRunning, end (sentEndMeetingRequest), getMeetingInfo, enter,
  guestWait (JSON status the wait page polls);
* the HTML5 client's pages: the guest wait page (DENY -> logoutURL after a
  delay, 15 s like BBB unless --deny-delay says otherwise) and the client page
  (meeting end or removal -> modal -> logoutURL).

Test control lives under /sim/ and is not part of BBB: admitting or denying
guests (what the moderator's client does), making a user leave, and reading
the request log. Only 127.0.0.1 is ever bound.
"""

import argparse
import hashlib
import html
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402

HASHES = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
HEX_LEN = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


def checksum(algo, call, query, secret):
    return HASHES[algo]((call + query + secret).encode()).hexdigest()


def strip_checksum(raw_query):
    """The query string exactly as sent, minus the checksum parameter."""
    parts = [p for p in raw_query.split("&") if not p.startswith("checksum=")]
    return "&".join(parts)


def xml_response(fields, success=True):
    body = ["<response>", f"<returncode>{'SUCCESS' if success else 'FAILED'}</returncode>"]
    for k, v in fields:
        body.append(f"<{k}>{html.escape(str(v))}</{k}>")
    body.append("</response>")
    return "".join(body)


def failed(key, message):
    return xml_response([("messageKey", key), ("message", message)], success=False)


class Meeting:
    def __init__(self, params):
        self.meeting_id = params["meetingID"]
        self.internal_id = hashlib.sha1(self.meeting_id.encode()).hexdigest() + "-" + str(int(time.time() * 1000))
        self.name = params.get("name", self.meeting_id)
        self.create_time = str(int(time.time() * 1000))
        self.guest_policy = params.get("guestPolicy", "ALWAYS_ACCEPT")
        self.logout_url = params.get("logoutURL", "")
        self.params = dict(params)
        self.running = False
        self.ended = False
        self.users = {}  # sessionToken -> user dict


class State:
    def __init__(self, args):
        self.secret = args.secret
        self.algorithms = args.algorithms.split(",")
        self.deny_delay = args.deny_delay
        self.auto_confirm_end = args.auto_confirm_end
        self.invite_page = getattr(args, "invite_page", None)
        # Consent receipts the organisation's endpoint received, and
        # whether it answers at all (/sim/receipts-down).
        self.receipts = []
        self.receipts_down = False
        self.profile = None
        self.meetings = {}
        self.tokens = {}  # sessionToken -> meeting id
        self.log = []
        self.down = False
        self.lock = threading.RLock()
        self.demo = None

    def snapshot(self):
        with self.lock:
            return {
                "meetings": {
                    mid: {
                        "running": m.running,
                        "ended": m.ended,
                        "guestPolicy": m.guest_policy,
                        "logoutURL": m.logout_url,
                        "createParams": m.params,
                        "users": [
                            {"token": t, "role": u["role"], "guest": u["guest"], "status": u["status"],
                             "entered": u["entered"], "fullName": u["fullName"], "userAgent": u["userAgent"]}
                            for t, u in m.users.items()
                        ],
                    }
                    for mid, m in self.meetings.items()
                },
                "log": list(self.log),
            }


class Handler(BaseHTTPRequestHandler):
    server_version = "bbb-sim/2.7"
    protocol_version = "HTTP/1.1"

    @property
    def st(self):
        return self.server.state

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    # ---- plumbing ----

    def send(self, status, body, ctype="text/xml;charset=utf-8", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location):
        self.send(302, "", "text/plain", [("Location", location)])

    def base(self):
        return f"http://{self.headers.get('Host')}"

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path == "/consent-receipts":
            return self.receive_receipt()
        self.do_GET()

    def receive_receipt(self):
        """The organisation's receipt endpoint: stores what arrives, as is."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 65536))
        with self.st.lock:
            if self.st.receipts_down:
                return self.send(503, "receipts unavailable", "text/plain")
            self.st.receipts.append({"contentType": self.headers.get("Content-Type"), "body": body.decode("utf-8", "replace"),
                                     "headers": {k.lower(): v for k, v in self.headers.items()}})
        return self.send(201, "{}", "application/json")

    def do_GET(self):
        parsed = urllib.parse.urlsplit(self.path)
        path, raw_query = parsed.path, parsed.query
        params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        if path.startswith("/sim/"):
            return self.control(path, params)
        with self.st.lock:
            self.st.log.append({"path": path, "query": raw_query, "t": time.time()})
            down = self.st.down
        if down:
            # What a stopped server looks like behind a reverse proxy.
            return self.send(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        if path == "/profile.json":
            return self.send(200, json.dumps(self.st.profile), "application/json")
        if path == "/join.html" and self.st.invite_page:
            # The organisation's copy of `sprechzimmer org invite-page`, read
            # anew each time (the test writes it once the profile is served).
            try:
                page = open(self.st.invite_page, encoding="utf-8").read()
            except OSError:
                return self.send(404, "no invite page yet", "text/plain")
            return self.send(200, page, "text/html;charset=utf-8")
        if path == "/download":
            return self.send(200, "<!doctype html><title>Sprechzimmer herunterladen</title><h1>Sprechzimmer herunterladen</h1>",
                             "text/html;charset=utf-8")
        if path.startswith("/bigbluebutton/api/"):
            call = path[len("/bigbluebutton/api/"):]
            return self.api(call, raw_query, params)
        if path == "/html5client/guestWait":
            return self.send(200, GUEST_WAIT_PAGE, "text/html;charset=utf-8")
        if path == "/html5client/join":
            return self.send(200, CLIENT_PAGE, "text/html;charset=utf-8")
        if path == "/ended":
            return self.send(200, "<html><body><h1>Danke!</h1></body></html>", "text/html;charset=utf-8")
        if path == "/":
            return self.send(200, "<html><body>BigBlueButton (simulated)</body></html>", "text/html;charset=utf-8")
        return self.send(404, "<html><body>404</body></html>", "text/html")

    # ---- BBB API ----

    def verify(self, call, raw_query, params):
        given = params.get("checksum", "")
        algo = HEX_LEN.get(len(given))
        if algo is None or algo not in self.st.algorithms:
            return False
        expected = checksum(algo, call, strip_checksum(raw_query), self.st.secret)
        return secrets.compare_digest(expected, given.lower())

    def api(self, call, raw_query, params):
        st = self.st
        if call in ("", "/"):
            return self.send(200, xml_response([("version", "2.0"), ("apiVersion", "2.0"), ("bbbVersion", "2.7.0")]))
        if call == "enter":
            return self.enter(params)
        if call == "guestWait":
            return self.guest_status(params)
        if not self.verify(call, raw_query, params):
            return self.send(200, failed("checksumError", "Checksums do not match"))
        with st.lock:
            if call == "create":
                return self.create(params)
            if call == "join":
                return self.join(params)
            if call == "isMeetingRunning":
                m = st.meetings.get(params.get("meetingID", ""))
                running = bool(m and m.running and not m.ended)
                return self.send(200, xml_response([("running", "true" if running else "false")]))
            if call == "end":
                m = st.meetings.get(params.get("meetingID", ""))
                if not m or m.ended:
                    return self.send(200, failed("notFound", "We could not find a meeting with that meeting ID"))
                m.ended = True
                m.running = False
                return self.send(200, xml_response([("messageKey", "sentEndMeetingRequest"),
                                                    ("message", "A request to end the meeting was sent.")]))
            if call == "getMeetingInfo":
                m = st.meetings.get(params.get("meetingID", ""))
                if not m or m.ended:
                    return self.send(200, failed("notFound", "We could not find a meeting with that meeting ID"))
                return self.send(200, xml_response([("meetingID", m.meeting_id), ("running", str(m.running).lower()),
                                                    ("participantCount", sum(u["entered"] for u in m.users.values()))]))
        return self.send(200, failed("unsupportedRequest", "This request is not supported."))

    def create(self, params):
        st = self.st
        mid = params.get("meetingID", "")
        if not (2 <= len(mid) <= 256):
            return self.send(200, failed("invalidMeetingIdentifier", "meetingID must be between 2 and 256 characters"))
        m = st.meetings.get(mid)
        if m and not m.ended:
            return self.send(200, self.create_xml(m, duplicate=True))
        m = Meeting(params)
        st.meetings[mid] = m
        return self.send(200, self.create_xml(m))

    def create_xml(self, m, duplicate=False):
        fields = [
            ("meetingID", m.meeting_id), ("internalMeetingID", m.internal_id), ("parentMeetingID", "bbb-none"),
            ("createTime", m.create_time), ("voiceBridge", "70757"), ("hasUserJoined", "false"),
            ("duration", "0"), ("hasBeenForciblyEnded", "false"),
        ]
        if duplicate:
            fields += [("messageKey", "duplicateWarning"),
                       ("message", "This conference was already in existence and may currently be in progress.")]
        else:
            fields += [("messageKey", ""), ("message", "")]
        return xml_response(fields)

    def join(self, params):
        st = self.st
        m = st.meetings.get(params.get("meetingID", ""))
        if not m:
            return self.send(200, failed("invalidMeetingIdentifier",
                                         "The meeting ID that you supplied did not match any existing meetings"))
        if m.ended:
            return self.send(200, failed("meetingForciblyEnded", "You can not re-join a meeting that has been forcibly ended."))
        if params.get("createTime") and params["createTime"] != m.create_time:
            return self.send(200, failed("mismatchCreateTimeParam",
                                         "The createTime parameter submitted mismatches with the current meeting."))
        name = params.get("fullName", "")
        if not name:
            return self.send(200, failed("missingParamFullName", "You must specify a name for the attendee"))
        role = params.get("role", "VIEWER").upper()
        guest = params.get("guest", "false") == "true"
        status = "ALLOW"
        if guest:
            if m.guest_policy == "ALWAYS_DENY":
                return self.send(200, failed("guestDeniedAccess", "Guest denied access to the meeting"))
            if m.guest_policy == "ASK_MODERATOR":
                status = "WAIT"
        token = secrets.token_hex(8)
        m.users[token] = {"role": role, "guest": guest, "status": status, "entered": False,
                          "fullName": name, "left": False, "removed": False,
                          "userAgent": self.headers.get("User-Agent", "")[:200]}
        st.tokens[token] = m.meeting_id
        if params.get("redirect", "true") == "false":
            return self.send(200, xml_response([
                ("messageKey", "successfullyJoined"), ("message", "You have joined successfully."),
                ("meeting_id", m.internal_id), ("user_id", "w_" + token), ("auth_token", token),
                ("session_token", token), ("guestStatus", status),
                ("url", f"{self.base()}/html5client/join?sessionToken={token}")]))
        target = "guestWait" if status == "WAIT" else "join"
        return self.redirect(f"{self.base()}/html5client/{target}?sessionToken={token}")

    def user(self, token):
        mid = self.st.tokens.get(token)
        m = self.st.meetings.get(mid) if mid else None
        return (m, m.users.get(token)) if m else (None, None)

    def enter(self, params):
        with self.st.lock:
            m, u = self.user(params.get("sessionToken", ""))
            if not u or u["status"] != "ALLOW" or m.ended:
                return self.send(200, json.dumps({"response": {"returncode": "FAILED", "message": "Could not find conference."}}),
                                 "application/json")
            u["entered"] = True
            if u["role"] == "MODERATOR":
                m.running = True
            return self.send(200, json.dumps({"response": {"returncode": "SUCCESS", "fullname": u["fullName"],
                                                           "role": u["role"], "guest": str(u["guest"]).lower(),
                                                           "logoutUrl": m.logout_url}}), "application/json")

    def guest_status(self, params):
        token = params.get("sessionToken", "")
        with self.st.lock:
            m, u = self.user(token)
            if not u:
                return self.send(200, json.dumps({"response": {"returncode": "FAILED", "message": "Invalid session token"}}),
                                 "application/json")
            resp = {"returncode": "SUCCESS", "guestStatus": u["status"], "lobbyMessage": "",
                    "positionInWaitingQueue": 1 + sum(1 for x in m.users.values() if x["status"] == "WAIT" and x is not u),
                    "url": f"/html5client/join?sessionToken={token}" if u["status"] == "ALLOW" else m.logout_url,
                    "denyRedirectSeconds": self.st.deny_delay}
            return self.send(200, json.dumps({"response": resp}), "application/json")

    # ---- test control (/sim/...) ----

    def control(self, path, params):
        st = self.st
        with st.lock:
            if path == "/sim/state":
                return self.send(200, json.dumps(st.snapshot()), "application/json")
            if path == "/sim/client-state":
                # What the simulated HTML5 client learns over its websocket.
                m, u = self.user(params.get("sessionToken", ""))
                if not u:
                    return self.send(200, json.dumps({"meeting": "unknown"}), "application/json")
                # One-shot page actions a test asked for (a link in the chat, a script).
                navigate, popup = u.pop("navigate", None), u.pop("open", None)
                return self.send(200, json.dumps({
                    "meeting": "ended" if m.ended else "running",
                    "removed": u["removed"], "leave": u["left"], "logoutURL": m.logout_url,
                    "navigate": navigate, "open": popup,
                    "autoConfirm": st.auto_confirm_end}), "application/json")
            if path == "/sim/down":
                st.down = params.get("on", "1") == "1"
                return self.send(200, "{}", "application/json")
            if path == "/sim/reset":
                st.meetings.clear()
                st.tokens.clear()
                st.log.clear()
                st.down = False
                return self.send(200, "{}", "application/json")
            if path == "/sim/log":
                return self.send(200, json.dumps(st.log), "application/json")
            if path == "/sim/receipts":
                return self.send(200, json.dumps(st.receipts), "application/json")
            if path == "/sim/receipts-down":
                st.receipts_down = params.get("on", "1") == "1"
                return self.send(200, "{}", "application/json")
            parts = path.strip("/").split("/")
            # /sim/meetings/<id>/guests/admit|deny,
            # /sim/meetings/<id>/users/leave|remove|navigate?to=…|open?to=…
            if len(parts) == 5 and parts[1] == "meetings":
                m = st.meetings.get(urllib.parse.unquote(parts[2]))
                if not m:
                    return self.send(404, "{}", "application/json")
                kind, action = parts[3], parts[4]
                n = 0
                for u in m.users.values():
                    if kind == "guests" and u["guest"] and u["status"] == "WAIT":
                        u["status"] = "ALLOW" if action == "admit" else "DENY"
                        n += 1
                    elif kind == "users" and u["role"] == "VIEWER" and u["entered"]:
                        if action in ("navigate", "open"):
                            u[action] = params["to"]
                        else:
                            u["left" if action == "leave" else "removed"] = True
                        n += 1
                return self.send(200, json.dumps({"affected": n}), "application/json")
        return self.send(404, "{}", "application/json")


GUEST_WAIT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Guest Lobby</title>
<style>body{font-family:sans-serif;background:#06172a;color:#fff;display:grid;place-items:center;height:100vh;margin:0}
.box{text-align:center}</style></head>
<body><div class="box"><h2 id="msg">Please wait for a moderator to approve you joining the meeting.</h2>
<p id="pos"></p></div>
<script>
const token = new URLSearchParams(location.search).get('sessionToken');
async function poll() {
  const r = await fetch('/bigbluebutton/api/guestWait?redirect=false&sessionToken=' + encodeURIComponent(token));
  const { response } = await r.json();
  if (response.returncode !== 'SUCCESS') { document.getElementById('msg').textContent = 'Invalid session'; return; }
  if (response.guestStatus === 'ALLOW') { location.href = response.url; return; }
  if (response.guestStatus === 'DENY') {
    document.getElementById('msg').textContent = 'Guest denied access to the meeting';
    setTimeout(() => { location.href = response.url || '/'; }, response.denyRedirectSeconds * 1000);
    return;
  }
  document.getElementById('pos').textContent = 'Your position in the waiting queue: ' + response.positionInWaitingQueue;
  setTimeout(poll, 500);
}
poll();
</script></body></html>
"""

CLIENT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>BigBlueButton - Meeting</title>
<style>body{font-family:sans-serif;background:#06172a;color:#fff;margin:0;height:100vh;display:grid;grid-template-rows:auto 1fr}
header{padding:10px 16px;background:#0f2a47}main{display:grid;place-items:center}
#modal{position:fixed;inset:0;background:rgba(0,0,0,.6);display:none;place-items:center}
#modal div{background:#fff;color:#000;padding:24px;border-radius:8px}</style></head>
<body><header>Meeting (simulated) <button id="leave">Leave meeting</button></header>
<main><div><h1 id="status">Connecting…</h1><p>Camera and microphone would be here.</p></div></main>
<div id="modal"><div><p id="modal-text"></p><button id="ok">OK</button></div></div>
<script>
const token = new URLSearchParams(location.search).get('sessionToken');
let logoutURL = '/';
function goOut() { location.href = logoutURL || '/'; }
document.getElementById('leave').onclick = goOut;
document.getElementById('ok').onclick = goOut;
function modal(text, auto) {
  document.getElementById('modal-text').textContent = text;
  document.getElementById('modal').style.display = 'grid';
  if (auto) setTimeout(goOut, 300);
}
async function start() {
  const r = await fetch('/bigbluebutton/api/enter?sessionToken=' + encodeURIComponent(token));
  const { response } = await r.json();
  if (response.returncode !== 'SUCCESS') { document.getElementById('status').textContent = 'Could not join'; return; }
  logoutURL = response.logoutUrl;
  document.getElementById('status').textContent = 'Welcome, ' + response.fullname;
  try { localStorage.setItem('bbbSim', token); sessionStorage.setItem('sessionToken', token); document.cookie = 'sim_session=' + token + '; path=/'; } catch (e) {}
  poll();
}
async function poll() {
  const r = await fetch('/sim/client-state?sessionToken=' + encodeURIComponent(token));
  const s = await r.json();
  if (s.leave) return goOut();
  if (s.navigate) { location.href = s.navigate; }
  if (s.open) { window.open(s.open, '_blank'); }
  if (s.removed) return modal('You have been removed from the meeting', s.autoConfirm);
  if (s.meeting === 'ended') return modal('The meeting has ended', s.autoConfirm);
  setTimeout(poll, 500);
}
start();
</script></body></html>
"""


def demo_profile(base):
    text_de = open(__file__.replace("bbb_sim.py", "demo_privacy_de.txt"), encoding="utf-8").read()
    text_en = open(__file__.replace("bbb_sim.py", "demo_privacy_en.txt"), encoding="utf-8").read()
    return {
        "schema": 1,
        "id": "demo-beratung",
        "name": {"de": "Demo-Beratungsstelle Sprechzimmer", "en": "Sprechzimmer Demo Counselling"},
        "privacy_notice": {
            "version": "2026-11",
            "title": {"de": "Datenschutzerklärung", "en": "Privacy notice"},
            "text": {"de": text_de, "en": text_en},
        },
        "client_terms": {
            "version": "2026-11",
            "title": {"de": "AGB für KlientInnen", "en": "Terms for clients"},
            "text": {
                "de": "# Geltungsbereich\n\nDiese Bedingungen gelten für die Teilnahme an Online-Beratungen der Demo-Beratungsstelle.\n\n"
                      "# Vertraulichkeit\n\nDie Beratung ist vertraulich. Bitte nehmen Sie an einem Ort teil, an dem Sie ungestört sind. "
                      "Aufzeichnungen sind weder der Beratungsstelle noch Ihnen gestattet.\n\n"
                      "# Zutritt\n\nSie betreten den Beratungsraum erst, wenn Ihre Beraterin oder Ihr Berater Sie hereinlässt. "
                      "Der Einladungslink allein genügt nicht.\n\n"
                      "# Kosten\n\nDie Beratung ist für Sie kostenlos.",
                "en": "# Scope\n\nThese terms apply to online counselling sessions of the demo counselling service.\n\n"
                      "# Confidentiality\n\nThe session is confidential. Please join from a place where you will not be disturbed. "
                      "Neither the service nor you may record the session.\n\n"
                      "# Admission\n\nYou enter the room only when your counsellor lets you in. The invitation link alone is not enough.\n\n"
                      "# Cost\n\nThe session is free of charge for you.",
            },
        },
        "counsellor_terms": {
            "version": "2026-11",
            "title": {"de": "AGB für BeraterInnen", "en": "Terms for counsellors"},
            "text": {"de": "Beraterinnen und Berater verpflichten sich zur Vertraulichkeit.",
                     "en": "Counsellors commit to confidentiality."},
        },
        "withdrawal": {
            "text": {
                "de": "Sie können Ihre Einwilligung jederzeit mit Wirkung für die Zukunft widerrufen, ohne Angabe von Gründen. "
                      "Die Rechtmäßigkeit der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt.",
                "en": "You may withdraw your consent at any time with effect for the future, without giving reasons. "
                      "Processing carried out before the withdrawal remains lawful.",
            },
            "email": "datenschutz@demo-beratung.invalid",
        },
        "support": {
            "phone": "+49 341 123456-0",
            "email": "hilfe@demo-beratung.invalid",
            "hours": {"de": "Montag bis Freitag, 9 bis 16 Uhr", "en": "Monday to Friday, 9am to 4pm"},
        },
        "accessibility_feedback": {"email": "barrierefrei@demo-beratung.invalid"},
        "meeting_hosts": ["127.0.0.1"],
        "providers": ["bbb"],
        "install_url": f"{base}/download",
    }


def signed(base, call, params, secret, algo="sha256"):
    query = urllib.parse.urlencode(params)
    return f"{base}/bigbluebutton/api/{call}?{query}&checksum={checksum(algo, call, query, secret)}"


def client_invite(base, meeting_id, full_name, secret, create_time=None, at=None, algo="sha256"):
    """A v1 client invite, the way the counsellor side builds it (docs/invite-format.md)."""
    join = {"fullName": full_name, "meetingID": meeting_id, "role": "VIEWER", "guest": "true",
            "userdata-bbb_override_default_locale": "de", "userdata-bbb_ask_for_feedback_on_logout": "false"}
    if create_time:
        join["createTime"] = create_time
    # Twice, as the counsellor's app signs it: the camera on at entry, and
    # off for a client who chose so before the waiting room.
    novideo = dict(join, **{"userdata-bbb_auto_share_webcam": "false"})
    join["userdata-bbb_auto_share_webcam"] = "true"
    q = [("v", "1"), ("provider", "bbb"), ("profile", f"{base}/profile.json"),
         ("join", signed(base, "join", join, secret, algo)),
         ("join_novideo", signed(base, "join", novideo, secret, algo)),
         ("running", signed(base, "isMeetingRunning", {"meetingID": meeting_id}, secret, algo))]
    if at:
        q.append(("at", at))
    return "sprechzimmer://join?" + urllib.parse.urlencode(q)


def run_demo(state, base, delay):
    """The demo counsellor: opens the room `delay` s after the client starts
    waiting, lets the waiting client in, and ends the meeting 10 min later."""
    mid = "demo-" + secrets.token_hex(16)
    create = {"name": "Demo-Beratung", "meetingID": mid, "guestPolicy": "ASK_MODERATOR", "record": "false",
              "autoStartRecording": "false", "allowStartStopRecording": "false", "logoutURL": f"{base}/ended"}
    urllib.request.urlopen(signed(base, "create", create, state.secret)).read()
    invite = client_invite(base, mid, "Demo-Klientin", state.secret)

    def counsellor():
        while True:
            time.sleep(0.5)
            with state.lock:
                polled = any("isMeetingRunning" in e["path"] for e in state.log)
            if polled:
                break
        time.sleep(delay)
        opener = urllib.request.build_opener(NoRedirect)
        join = signed(base, "join", {"fullName": "Demo-Beraterin", "meetingID": mid, "role": "MODERATOR"}, state.secret)
        loc = opener.open(join).headers["Location"]
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)["sessionToken"][0]
        urllib.request.urlopen(f"{base}/bigbluebutton/api/enter?sessionToken={token}").read()
        while True:
            time.sleep(1)
            with state.lock:
                m = state.meetings.get(mid)
                for u in m.users.values():
                    if u["guest"] and u["status"] == "WAIT":
                        u["status"] = "ALLOW"
    threading.Thread(target=counsellor, daemon=True).start()
    return invite


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", default="sim-" + secrets.token_hex(16))
    ap.add_argument("--algorithms", default="sha1,sha256,sha384,sha512")
    ap.add_argument("--deny-delay", type=float, default=15.0)
    ap.add_argument("--auto-confirm-end", action="store_true",
                    help="the client page confirms the 'meeting ended' modal itself, as a user would")
    ap.add_argument("--ready-file", help="write {port, secret} here once listening")
    ap.add_argument("--demo", action="store_true", help="create a demo meeting and print a client invite")
    ap.add_argument("--demo-delay", type=float, default=8.0)
    ap.add_argument("--consent-receipt", choices=("optional", "required"),
                    help="the profile asks for consent receipts at {base}/consent-receipts")
    ap.add_argument("--invite-page", metavar="FILE",
                    help="the profile names {base}/join.html as its invite page, served from FILE")
    args = ap.parse_args()

    state = State(args)
    server, base = simlib.start(Handler, args.port, state)
    state.profile = demo_profile(base)
    if args.invite_page:
        state.profile["invite_page"] = f"{base}/join.html"
    if args.consent_receipt:
        state.profile["consent_receipt_url"] = f"{base}/consent-receipts"
        state.profile["consent_receipt_required"] = args.consent_receipt == "required"
    if args.demo:
        print(run_demo(state, base, args.demo_delay), flush=True)
    simlib.announce(args.ready_file, {"port": server.server_address[1], "secret": args.secret, "base": base}, "bbb-sim")
    simlib.wait_forever()


if __name__ == "__main__":
    main()
