//! The DevTools protocol as the fallback browser speaks it over
//! `--remote-debugging-pipe`: NUL-terminated JSON messages. `Driver` is the
//! whole conversation as a state machine — it turns each message from the
//! browser into commands to send back and events for the app — so it is
//! tested without a browser.
//!
//! What it enforces: the app window loads only the meeting, and every
//! document request (main frame, frames, pop-ups) goes through the same
//! host check as the embedded meeting window. Pop-ups are closed; their
//! address is offered to the user instead. Downloads are denied. Links to
//! other schemes (`mailto:`) never reach another program (see
//! `browser::HANDLER_STUBS`); the driver hears of them through
//! `Page.frameRequestedNavigation` and offers them like a pop-up.
//!
//! Frames: Chromium gives cross-site and sandboxed frames a target of their
//! own (out-of-process iframes). Browser-level auto-attach does not reach
//! them, so every attached page and frame session asks for its own
//! children, and each is held until its `Fetch` interception is on.

use serde_json::{json, Value};
use url::Url;

use crate::hosts::{self, HostPattern, UrlRules};

/// One message may be large (target lists), but not unbounded.
pub const MAX_MESSAGE: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CdpError {
    #[error("message from the browser exceeds the size limit")]
    TooLarge,
}

/// Splits the byte stream from the browser into messages.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, CdpError> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(end) = self.buf.iter().position(|&b| b == 0) {
            let msg: Vec<u8> = self.buf.drain(..=end).take(end).collect();
            out.push(String::from_utf8_lossy(&msg).into_owned());
        }
        if self.buf.len() > MAX_MESSAGE {
            return Err(CdpError::TooLarge);
        }
        Ok(out)
    }
}

pub fn frame(msg: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(msg).unwrap_or_default();
    bytes.push(0);
    bytes
}

/// What the app learns from the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The meeting page committed a new address (after redirects).
    PageCommitted(Url),
    /// The meeting page tried to leave the organisation's hosts.
    LeftHosts(Url),
    /// A pop-up wanted this address; it was closed.
    Offer(Url),
    /// A frame of the meeting page tried to load a page off the hosts; it
    /// was refused (for the log: which frames try is worth knowing).
    FrameRefused,
    /// The meeting page is gone: the user closed the window.
    Closed,
    /// The served page asked for this other address of its own origin; it
    /// was answered empty ([`LocalPage`]).
    LocalRequest(Url),
}

/// A page the driver serves itself, on an origin of its own that never
/// reaches the network (the device check). Every request of the browser is
/// intercepted: the page's address gets the page, other addresses of its
/// origin an empty answer and an [`Event::LocalRequest`], anything else is
/// refused.
#[derive(Debug, Clone)]
pub struct LocalPage {
    pub url: Url,
    pub html: String,
    pub csp: String,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub target_id: String,
    pub session_id: String,
}

pub struct Driver {
    next_id: u64,
    entry: Url,
    allowed: Vec<HostPattern>,
    rules: UrlRules,
    media_origins: Vec<String>,
    main: Option<Target>,
    popups: Vec<Target>,
    /// Frames of the meeting page that run in a target of their own.
    frames: Vec<Target>,
    last_url: Option<String>,
    local: Option<LocalPage>,
}

impl Driver {
    pub fn new(entry: Url, allowed: Vec<HostPattern>, rules: UrlRules, media_origins: Vec<String>) -> Driver {
        Driver { next_id: 0, entry, allowed, rules, media_origins, main: None, popups: Vec::new(), frames: Vec::new(), last_url: None, local: None }
    }

    /// A driver for a page it serves itself: no host is allowed, media go
    /// to the page's origin only.
    pub fn serving(page: LocalPage) -> Driver {
        let origin = page.url.origin().ascii_serialization();
        let mut d = Driver::new(page.url.clone(), Vec::new(), UrlRules::default(), vec![origin]);
        d.local = Some(page);
        d
    }

    fn command(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let mut msg = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        msg
    }

    /// The first commands: hear about every page, and hold each new one
    /// until its requests are intercepted.
    pub fn start(&mut self) -> Vec<Value> {
        vec![
            self.command(None, "Browser.setDownloadBehavior", json!({ "behavior": "deny" })),
            self.command(None, "Target.setDiscoverTargets", json!({ "discover": true })),
            self.command(None, "Target.setAutoAttach", json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true })),
        ]
    }

    pub fn close_browser(&mut self) -> Value {
        self.command(None, "Browser.close", json!({}))
    }

    pub fn bring_to_front(&mut self) -> Option<Value> {
        let id = self.main.as_ref()?.target_id.clone();
        Some(self.command(None, "Target.activateTarget", json!({ "targetId": id })))
    }

    pub fn on_message(&mut self, raw: &str) -> (Vec<Value>, Vec<Event>) {
        let Ok(msg) = serde_json::from_str::<Value>(raw) else { return (vec![], vec![]) };
        let params = &msg["params"];
        let session = msg["sessionId"].as_str();
        match msg["method"].as_str() {
            Some("Target.attachedToTarget") => self.on_attached(params),
            Some("Fetch.requestPaused") => self.on_request(session, params),
            Some("Page.frameRequestedNavigation") => (vec![], other_scheme(params)),
            Some("Target.targetInfoChanged") => (vec![], self.on_info_changed(&params["targetInfo"])),
            Some("Target.targetDestroyed") => {
                let gone = params["targetId"].as_str();
                self.popups.retain(|p| Some(p.target_id.as_str()) != gone);
                self.frames.retain(|p| Some(p.target_id.as_str()) != gone);
                (vec![], self.closed_if(|m| Some(m.target_id.as_str()) == gone))
            }
            Some("Target.detachedFromTarget") => {
                let gone = params["sessionId"].as_str();
                self.frames.retain(|p| Some(p.session_id.as_str()) != gone);
                (vec![], self.closed_if(|m| Some(m.session_id.as_str()) == gone))
            }
            _ => (vec![], vec![]),
        }
    }

    fn closed_if(&mut self, is_main: impl Fn(&Target) -> bool) -> Vec<Event> {
        if self.main.as_ref().is_some_and(is_main) {
            self.main = None;
            // A closed main page stays closed: later pages are pop-ups.
            self.last_url = Some(String::new());
            vec![Event::Closed]
        } else {
            vec![]
        }
    }

    fn on_attached(&mut self, params: &Value) -> (Vec<Value>, Vec<Event>) {
        let info = &params["targetInfo"];
        let (Some(session), Some(target_id)) = (params["sessionId"].as_str(), info["targetId"].as_str()) else {
            return (vec![], vec![]);
        };
        let target = Target { target_id: target_id.to_string(), session_id: session.to_string() };
        let mut cmds = Vec::new();
        let mut events = Vec::new();
        let kind = info["type"].as_str();
        if matches!(kind, Some("page" | "iframe")) {
            // Before the target runs: its document requests are intercepted,
            // and so are its own out-of-process frames.
            // Serving a page: every request, not only documents, so none
            // of the page's own reaches the network.
            let patterns = if self.local.is_some() {
                json!([{ "urlPattern": "*", "requestStage": "Request" }])
            } else {
                json!([{ "urlPattern": "*", "resourceType": "Document", "requestStage": "Request" }])
            };
            cmds.push(self.command(Some(session), "Fetch.enable", json!({ "patterns": patterns })));
            cmds.push(self.command(
                Some(session),
                "Target.setAutoAttach",
                json!({ "autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true }),
            ));
            // For `Page.frameRequestedNavigation`: the only word of a link
            // to another scheme, which no request interception sees.
            cmds.push(self.command(Some(session), "Page.enable", json!({})));
        }
        if kind == Some("iframe") {
            cmds.push(self.command(Some(session), "Runtime.runIfWaitingForDebugger", json!({})));
            self.frames.push(target);
        } else if kind == Some("page") {
            if self.main.is_none() && self.last_url.is_none() {
                for origin in self.media_origins.clone() {
                    cmds.push(self.command(
                        None,
                        "Browser.grantPermissions",
                        json!({ "origin": origin, "permissions": ["audioCapture", "videoCapture"] }),
                    ));
                }
                self.main = Some(target);
                cmds.push(self.command(Some(session), "Runtime.runIfWaitingForDebugger", json!({})));
                let entry = self.entry.to_string();
                cmds.push(self.command(Some(session), "Page.navigate", json!({ "url": entry })));
            } else {
                if let Some(url) = info["url"].as_str().and_then(|u| Url::parse(u).ok()) {
                    if matches!(url.scheme(), "http" | "https") {
                        events.push(Event::Offer(url));
                    }
                }
                cmds.push(self.command(Some(session), "Runtime.runIfWaitingForDebugger", json!({})));
                cmds.push(self.command(None, "Target.closeTarget", json!({ "targetId": target_id })));
                self.popups.push(target);
            }
        } else if params["waitingForDebugger"].as_bool() == Some(true) {
            cmds.push(self.command(Some(session), "Runtime.runIfWaitingForDebugger", json!({})));
        }
        (cmds, events)
    }

    fn on_request(&mut self, session: Option<&str>, params: &Value) -> (Vec<Value>, Vec<Event>) {
        let Some(request_id) = params["requestId"].as_str().map(str::to_string) else { return (vec![], vec![]) };
        let url = params["request"]["url"].as_str().and_then(|u| Url::parse(u).ok());
        if let Some(page) = self.local.clone() {
            return self.serve(session, request_id, url, &page);
        }
        let allowed = url.as_ref().is_some_and(|u| self.is_allowed(u));
        let main = self.main.as_ref().filter(|m| Some(m.session_id.as_str()) == session);
        let main_frame = main.is_some_and(|m| params["frameId"].as_str() == Some(m.target_id.as_str()));
        let in_frame = self.frames.iter().any(|f| Some(f.session_id.as_str()) == session);
        let mut events = Vec::new();
        let verdict = if in_frame {
            // A frame of its own: the same host rule, refused quietly.
            if allowed {
                "continue"
            } else {
                events.push(Event::FrameRefused);
                "fail"
            }
        } else if main.is_some() {
            if allowed {
                "continue"
            } else {
                if !main_frame {
                    events.push(Event::FrameRefused);
                } else if let Some(u) = url.filter(|u| matches!(u.scheme(), "http" | "https")) {
                    events.push(Event::LeftHosts(u));
                }
                "fail"
            }
        } else {
            // A pop-up's first page: offered, never loaded.
            if let Some(u) = url.filter(|u| matches!(u.scheme(), "http" | "https")) {
                events.push(Event::Offer(u));
            }
            "fail"
        };
        let cmd = if verdict == "continue" {
            self.command(session, "Fetch.continueRequest", json!({ "requestId": request_id }))
        } else {
            // "Aborted" cancels quietly: the meeting stays on screen, where
            // any other reason would replace it with an error page.
            self.command(session, "Fetch.failRequest", json!({ "requestId": request_id, "errorReason": "Aborted" }))
        };
        (vec![cmd], events)
    }

    fn serve(&mut self, session: Option<&str>, request_id: String, url: Option<Url>, page: &LocalPage) -> (Vec<Value>, Vec<Event>) {
        use base64::Engine;
        let own = url.filter(|u| u.origin() == page.url.origin());
        let fulfil = |code: u16, body: &str, csp: &str| {
            json!({
                "requestId": request_id,
                "responseCode": code,
                "responseHeaders": [
                    { "name": "Content-Type", "value": "text/html; charset=utf-8" },
                    { "name": "Content-Security-Policy", "value": csp },
                    { "name": "Cache-Control", "value": "no-store" },
                    { "name": "Referrer-Policy", "value": "no-referrer" },
                ],
                "body": base64::engine::general_purpose::STANDARD.encode(body.as_bytes()),
            })
        };
        match own {
            Some(u) if u == page.url => {
                let params = fulfil(200, &page.html, &page.csp);
                (vec![self.command(session, "Fetch.fulfillRequest", params)], vec![])
            }
            Some(u) => {
                let params = fulfil(204, "", "default-src 'none'");
                (vec![self.command(session, "Fetch.fulfillRequest", params)], vec![Event::LocalRequest(u)])
            }
            None => (vec![self.command(session, "Fetch.failRequest", json!({ "requestId": request_id, "errorReason": "Aborted" }))], vec![]),
        }
    }

    fn is_allowed(&self, u: &Url) -> bool {
        matches!(u.scheme(), "http" | "https") && hosts::any_matches(&self.allowed, u) && hosts::check_remote_url(u.as_str(), self.rules).is_ok()
    }

    fn on_info_changed(&mut self, info: &Value) -> Vec<Event> {
        let Some(main) = &self.main else { return vec![] };
        if info["targetId"].as_str() != Some(main.target_id.as_str()) {
            return vec![];
        }
        let Some(raw) = info["url"].as_str() else { return vec![] };
        if self.last_url.as_deref() == Some(raw) {
            return vec![]; // a title change
        }
        self.last_url = Some(raw.to_string());
        match Url::parse(raw) {
            // Only pages the guard let through; anything else can only be
            // Chromium's error page for a request it refused.
            Ok(u) if self.is_allowed(&u) => vec![Event::PageCommitted(u)],
            _ => vec![],
        }
    }
}

/// A navigation to a scheme that Chromium would hand to another program:
/// offered to the app, which decides. Web addresses are left to `Fetch`.
fn other_scheme(params: &Value) -> Vec<Event> {
    match params["url"].as_str().and_then(|u| Url::parse(u).ok()) {
        Some(url) if hosts::is_for_another_program(&url) => vec![Event::Offer(url)],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver() -> Driver {
        Driver::new(
            Url::parse("https://bbb.example.org/bigbluebutton/api/join?x=1").unwrap(),
            vec![HostPattern::parse("bbb.example.org").unwrap()],
            UrlRules::default(),
            vec!["https://bbb.example.org".into()],
        )
    }

    fn attached(session: &str, target: &str, kind: &str, url: &str) -> String {
        json!({ "method": "Target.attachedToTarget", "params": {
            "sessionId": session, "waitingForDebugger": true,
            "targetInfo": { "targetId": target, "type": kind, "url": url } } })
        .to_string()
    }

    fn paused(session: &str, frame: &str, url: &str) -> String {
        json!({ "method": "Fetch.requestPaused", "sessionId": session, "params": {
            "requestId": "r1", "frameId": frame, "resourceType": "Document", "request": { "url": url } } })
        .to_string()
    }

    fn methods(cmds: &[Value]) -> Vec<&str> {
        cmds.iter().map(|c| c["method"].as_str().unwrap()).collect()
    }

    #[test]
    fn decoder_splits_on_nul_and_keeps_partial_messages() {
        let mut d = Decoder::default();
        assert_eq!(d.push(b"{\"a\":1}\0{\"b\"").unwrap(), vec!["{\"a\":1}"]);
        assert_eq!(d.push(b":2}\0\0").unwrap(), vec!["{\"b\":2}", ""]);
        assert_eq!(d.push(&vec![b'x'; MAX_MESSAGE + 1]), Err(CdpError::TooLarge));
        assert_eq!(frame(&json!({"id":1})), b"{\"id\":1}\0");
    }

    #[test]
    fn the_first_page_gets_the_guard_media_and_then_the_meeting() {
        let mut d = driver();
        let start = d.start();
        assert_eq!(methods(&start), ["Browser.setDownloadBehavior", "Target.setDiscoverTargets", "Target.setAutoAttach"]);
        assert_eq!(start[0]["params"]["behavior"], "deny", "no download ever lands in the session folder");
        assert_eq!(start[2]["params"]["waitForDebuggerOnStart"], true);
        let (cmds, events) = d.on_message(&attached("S1", "T1", "page", "about:blank"));
        assert!(events.is_empty());
        assert_eq!(
            methods(&cmds),
            ["Fetch.enable", "Target.setAutoAttach", "Page.enable", "Browser.grantPermissions", "Runtime.runIfWaitingForDebugger", "Page.navigate"]
        );
        assert_eq!(cmds[0]["sessionId"], "S1");
        assert_eq!(cmds[0]["params"]["patterns"][0]["resourceType"], "Document");
        assert_eq!(
            (cmds[1]["sessionId"].as_str(), cmds[1]["params"]["waitForDebuggerOnStart"].as_bool()),
            (Some("S1"), Some(true)),
            "the page's own frames are held too"
        );
        assert_eq!(cmds[2]["sessionId"], "S1");
        assert_eq!(cmds[3]["params"]["origin"], "https://bbb.example.org");
        assert_eq!(cmds[3]["params"]["permissions"], json!(["audioCapture", "videoCapture"]));
        assert!(cmds[3].get("sessionId").is_none(), "a browser-wide command");
        assert_eq!(cmds[5]["params"]["url"], "https://bbb.example.org/bigbluebutton/api/join?x=1");
        let ids: Vec<u64> = cmds.iter().map(|c| c["id"].as_u64().unwrap()).collect();
        assert_eq!(ids, [4, 5, 6, 7, 8, 9], "ids are unique and increasing");
    }

    #[test]
    fn a_served_page_comes_from_the_driver_and_nothing_from_the_network() {
        use base64::Engine;
        let url = Url::parse("https://device-check.sprechzimmer.invalid/check").unwrap();
        let mut d = Driver::serving(LocalPage { url: url.clone(), html: "<p>check</p>".into(), csp: "default-src 'none'".into() });
        let (cmds, _) = d.on_message(&attached("S1", "T1", "page", "about:blank"));
        assert!(cmds[0]["params"]["patterns"][0].get("resourceType").is_none(), "every request, not only documents");
        let grant = cmds.iter().find(|c| c["method"] == "Browser.grantPermissions").unwrap();
        assert_eq!(grant["params"]["origin"], "https://device-check.sprechzimmer.invalid", "media for the page's origin only");
        assert_eq!(cmds.last().unwrap()["params"]["url"], url.as_str());
        // The page itself, with its CSP.
        let (cmds, events) = d.on_message(&paused("S1", "T1", url.as_str()));
        assert_eq!(methods(&cmds), ["Fetch.fulfillRequest"]);
        assert!(events.is_empty());
        assert_eq!(cmds[0]["params"]["responseCode"], 200);
        let body = base64::engine::general_purpose::STANDARD.decode(cmds[0]["params"]["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, b"<p>check</p>");
        assert!(cmds[0]["params"]["responseHeaders"].as_array().unwrap().iter().any(|h| h["name"] == "Content-Security-Policy"));
        // Its words to the app: answered empty, handed on.
        let said = "https://device-check.sprechzimmer.invalid/check/report/ok/none";
        let (cmds, events) = d.on_message(&paused("S1", "T1", said));
        assert_eq!((methods(&cmds), cmds[0]["params"]["responseCode"].as_u64()), (vec!["Fetch.fulfillRequest"], Some(204)));
        assert_eq!(events, [Event::LocalRequest(Url::parse(said).unwrap())]);
        // Anything else, even a meeting host, never leaves.
        for other in ["https://bbb.example.org/", "http://device-check.sprechzimmer.invalid/check", "https://sprechzimmer.invalid/check"] {
            let (cmds, events) = d.on_message(&paused("S1", "T1", other));
            assert_eq!(methods(&cmds), ["Fetch.failRequest"], "{other}");
            assert!(events.is_empty());
        }
    }

    #[test]
    fn the_guard_lets_the_meeting_load_and_stops_everything_else() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        let (cmds, events) = d.on_message(&paused("S1", "T1", "https://bbb.example.org/html5client/join?sessionToken=a"));
        assert_eq!(methods(&cmds), ["Fetch.continueRequest"]);
        assert!(events.is_empty());

        let (cmds, events) = d.on_message(&paused("S1", "T1", "https://logout.example.com/bye"));
        assert_eq!(methods(&cmds), ["Fetch.failRequest"]);
        assert_eq!(cmds[0]["params"]["errorReason"], "Aborted");
        assert_eq!(events, [Event::LeftHosts(Url::parse("https://logout.example.com/bye").unwrap())]);

        for bad in ["http://bbb.example.org/", "https://user:pw@bbb.example.org/", "file:///etc/passwd"] {
            let (cmds, _) = d.on_message(&paused("S1", "T1", bad));
            assert_eq!(methods(&cmds), ["Fetch.failRequest"], "{bad}");
        }
        // A third-party frame in the page's own process is refused quietly.
        let (cmds, events) = d.on_message(&paused("S1", "FRAME2", "https://video.example.net/embed"));
        assert_eq!(methods(&cmds), ["Fetch.failRequest"]);
        assert_eq!(events, [Event::FrameRefused]);
    }

    #[test]
    fn popups_are_closed_and_offered() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        let (cmds, events) = d.on_message(&attached("S2", "T2", "page", "https://docs.example.com/a"));
        assert_eq!(methods(&cmds), ["Fetch.enable", "Target.setAutoAttach", "Page.enable", "Runtime.runIfWaitingForDebugger", "Target.closeTarget"]);
        assert_eq!(cmds[4]["params"]["targetId"], "T2");
        assert_eq!(events, [Event::Offer(Url::parse("https://docs.example.com/a").unwrap())]);
        // Opened blank, then sent somewhere: the request tells where.
        d.on_message(&attached("S3", "T3", "page", "about:blank"));
        let (cmds, events) = d.on_message(&paused("S3", "T3", "https://bbb.example.org/other"));
        assert_eq!(methods(&cmds), ["Fetch.failRequest"]);
        assert_eq!(events, [Event::Offer(Url::parse("https://bbb.example.org/other").unwrap())]);
        // Workers just run.
        let (cmds, _) = d.on_message(&attached("S4", "T4", "worker", "https://bbb.example.org/w.js"));
        assert_eq!(methods(&cmds), ["Runtime.runIfWaitingForDebugger"]);
    }

    #[test]
    fn frames_of_their_own_are_held_to_the_hosts_too() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        // A sandboxed or cross-site frame becomes its own target: held until
        // its requests are intercepted and its own frames are, too.
        let (cmds, events) = d.on_message(&attached("F1", "TF1", "iframe", "about:srcdoc"));
        assert_eq!(methods(&cmds), ["Fetch.enable", "Target.setAutoAttach", "Page.enable", "Runtime.runIfWaitingForDebugger"]);
        assert!(cmds.iter().all(|c| c["sessionId"] == "F1"));
        assert!(events.is_empty());
        // Its navigation away is refused quietly: no offer, no "left hosts".
        let (cmds, events) = d.on_message(&paused("F1", "TF1", "https://elsewhere.example/"));
        assert_eq!(methods(&cmds), ["Fetch.failRequest"]);
        assert_eq!(cmds[0]["sessionId"], "F1");
        assert_eq!(events, [Event::FrameRefused], "a frame neither ends the meeting nor pops an offer");
        let (cmds, _) = d.on_message(&paused("F1", "TF1", "https://bbb.example.org/pad"));
        assert_eq!(methods(&cmds), ["Fetch.continueRequest"]);
        // A frame inside that frame: the same.
        d.on_message(&attached("F2", "TF2", "iframe", "about:blank"));
        assert_eq!(methods(&d.on_message(&paused("F2", "TF2", "http://bbb.example.org/")).0), ["Fetch.failRequest"]);
        // Gone is gone: a later request on that session is no frame's.
        d.on_message(&json!({ "method": "Target.targetDestroyed", "params": { "targetId": "TF1" } }).to_string());
        let (_, events) = d.on_message(&paused("F1", "TF1", "https://elsewhere.example/"));
        assert_eq!(events.len(), 1, "an unknown session is treated as a pop-up: offered, not loaded");
    }

    #[test]
    fn links_to_other_schemes_are_offered_from_page_and_frames() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        d.on_message(&attached("F1", "TF1", "iframe", "about:srcdoc"));
        let requested = |s: &str, u: &str| {
            json!({ "method": "Page.frameRequestedNavigation", "sessionId": s,
            "params": { "frameId": "x", "reason": "anchorClick", "url": u, "disposition": "currentTab" } })
            .to_string()
        };
        for (session, link) in [("S1", "mailto:x@example.org"), ("F1", "sprechzimmer://join?x=1"), ("S1", "tel:+4930123")] {
            let (cmds, events) = d.on_message(&requested(session, link));
            assert!(cmds.is_empty(), "nothing is sent: the browser hands it to nobody");
            assert_eq!(events, [Event::Offer(Url::parse(link).unwrap())], "{link}");
        }
        // Web addresses are the guard's (Fetch); scripts and the page's own
        // schemes never leave the browser.
        for inside in [
            "https://bbb.example.org/x",
            "http://elsewhere.example/",
            "javascript:void(0)",
            "about:blank",
            "data:text/html,x",
            "blob:https://bbb.example.org/1",
            "not a url",
        ] {
            assert!(d.on_message(&requested("S1", inside)).1.is_empty(), "{inside}");
        }
    }

    #[test]
    fn address_changes_of_the_meeting_page_are_reported_once() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        let info = |t: &str, u: &str| {
            json!({ "method": "Target.targetInfoChanged", "params": { "targetInfo": { "targetId": t, "type": "page", "url": u } } }).to_string()
        };
        assert!(d.on_message(&info("T1", "about:blank")).1.is_empty());
        let u = "https://bbb.example.org/html5client/join";
        assert_eq!(d.on_message(&info("T1", u)).1, [Event::PageCommitted(Url::parse(u).unwrap())]);
        assert!(d.on_message(&info("T1", u)).1.is_empty(), "title changes repeat the URL");
        assert!(d.on_message(&info("T9", "https://bbb.example.org/x")).1.is_empty(), "not the meeting page");
        assert!(d.on_message(&info("T1", "https://outside.example/phish")).1.is_empty(), "an error page for a refused request");
    }

    #[test]
    fn closing_the_meeting_page_is_the_end_and_pop_ups_are_not() {
        let mut d = driver();
        d.on_message(&attached("S1", "T1", "page", "about:blank"));
        d.on_message(&attached("S2", "T2", "page", "about:blank"));
        let destroyed = |t: &str| json!({ "method": "Target.targetDestroyed", "params": { "targetId": t } }).to_string();
        assert!(d.on_message(&destroyed("T2")).1.is_empty());
        assert!(d.bring_to_front().is_some());
        assert_eq!(d.on_message(&destroyed("T1")).1, [Event::Closed]);
        assert!(d.on_message(&destroyed("T1")).1.is_empty(), "once");
        assert!(d.bring_to_front().is_none());
        // A page opened after that is no new meeting page.
        let (cmds, _) = d.on_message(&attached("S5", "T5", "page", "about:blank"));
        assert!(methods(&cmds).contains(&"Target.closeTarget"));
    }

    #[test]
    fn garbage_is_ignored() {
        let mut d = driver();
        for junk in [
            "",
            "null",
            "[]",
            "{\"method\":5}",
            "{\"method\":\"Fetch.requestPaused\",\"params\":{}}",
            "{\"method\":\"Target.attachedToTarget\",\"params\":{\"targetInfo\":7}}",
        ] {
            assert_eq!(d.on_message(junk), (vec![], vec![]), "{junk}");
        }
    }
}
