//! Can the system webview carry a meeting? Asked once per app run, in a
//! hidden throwaway window that keeps no data (incognito, in the UI
//! webview's folder, so no extra WebKit network process stays behind).
//! The answer is kept in memory only.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tauri::webview::PageLoadEvent;
use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::wipe::Paths;

pub const LABEL: &str = "webview-probe";

/// Both are needed for audio and video in BigBlueButton and Jitsi Meet.
const QUESTION: &str = "(typeof window.RTCPeerConnection === 'function' ? 'webrtc=1' : 'webrtc=0') + \
    (navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function' ? '&media=1' : '&media=0')";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capability {
    pub webrtc: bool,
    pub media: bool,
}

impl Capability {
    pub fn can_carry_meetings(self) -> bool {
        self.webrtc && self.media
    }
}

/// Reads the answer to `QUESTION`, as the webview hands it back (a JSON
/// string).
pub fn parse_answer(raw: &str) -> Option<Capability> {
    let text: String = serde_json::from_str(raw).ok()?;
    let mut webrtc = None;
    let mut media = None;
    for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
        let flag = match v.as_ref() {
            "1" => true,
            "0" => false,
            _ => return None,
        };
        match k.as_ref() {
            "webrtc" => webrtc = Some(flag),
            "media" => media = Some(flag),
            _ => return None,
        }
    }
    Some(Capability { webrtc: webrtc?, media: media? })
}

/// Runs the probe. If the webview never answers, the embedded window is
/// assumed to work, as it does on Windows and macOS.
pub async fn run<R: Runtime>(app: &AppHandle<R>, paths: &Paths) -> Capability {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let built = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("probe.html".into()))
        .visible(false)
        .incognito(true)
        .data_directory(paths.ui_webview())
        .on_navigation(crate::main_window::is_app_url)
        .on_page_load(move |w, payload| {
            if payload.event() != PageLoadEvent::Finished {
                return;
            }
            let tx = tx.clone();
            let _ = w.eval_with_callback(QUESTION, move |raw| {
                if let (Some(cap), Some(tx)) = (parse_answer(&raw), tx.lock().unwrap_or_else(|p| p.into_inner()).take()) {
                    let _ = tx.send(cap);
                }
            });
        })
        .build();
    let answer = match built {
        Ok(_) => tokio::time::timeout(Duration::from_secs(15), rx).await.ok().and_then(Result::ok),
        Err(e) => {
            log::warn!("webview probe could not start: {e}");
            None
        }
    };
    if let Some(w) = app.get_webview_window(LABEL) {
        let _ = w.destroy();
    }
    let cap = answer.unwrap_or_else(|| {
        log::warn!("webview probe gave no answer; assuming the webview can carry meetings");
        Capability { webrtc: true, media: true }
    });
    log::info!("webview: WebRTC {}, media devices {}", cap.webrtc, cap.media);
    cap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_answer_and_nothing_else() {
        assert_eq!(parse_answer(r#""webrtc=0&media=1""#), Some(Capability { webrtc: false, media: true }));
        assert!(parse_answer(r#""webrtc=1&media=1""#).unwrap().can_carry_meetings());
        for bad in [r#""webrtc=1""#, r#""webrtc=yes&media=1""#, r#""webrtc=1&media=1&x=1""#, "webrtc=1&media=1", "null", ""] {
            assert_eq!(parse_answer(bad), None, "{bad}");
        }
        assert!(!Capability { webrtc: false, media: true }.can_carry_meetings());
        assert!(!Capability { webrtc: true, media: false }.can_carry_meetings());
    }
}
