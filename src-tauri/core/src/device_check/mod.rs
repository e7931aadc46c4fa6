//! The device check before the lobby: camera preview, microphone level, a
//! test tone and the choice of devices, in the same isolated view a
//! meeting would use — the meeting view's process, or the fallback browser
//! where the webview has no WebRTC — with a session folder of its own that
//! is wiped when the check ends.
//!
//! The page is the app's own, built here in the current language. It loads
//! nothing: style and script are inline and pinned by hash in its CSP. It
//! records and stores nothing; its streams stop with it. It tells the app
//! only what it found, as a closed set of words in a request to its own
//! origin ([`parse`]), which the view answers itself and never sends on:
//! in the meeting view the app's scheme handler, in the browser the
//! DevTools driver. No device name reaches the app.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::i18n::{self, Lang};
use crate::invite_page::csp_hash;
use crate::provider::jitsi;

const HTML: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The page's path, under the meeting view's own scheme or [`BROWSER_ORIGIN`].
pub const PATH: &str = "/check";

/// The check's origin in the fallback browser. `.invalid` never resolves
/// (RFC 6761); the DevTools driver answers every request to it before any
/// would leave the browser.
pub const BROWSER_ORIGIN: &str = "https://device-check.sprechzimmer.invalid";

/// The page's texts, one catalogue key each (`check.<key>`).
pub const KEYS: &[&str] = &[
    "title",
    "private",
    "asking",
    "camera",
    "microphone",
    "speaker",
    "preview",
    "level",
    "speak",
    "heard",
    "sound",
    "sound_hint",
    "camera_ok",
    "camera_none",
    "camera_denied",
    "camera_busy",
    "camera_failed",
    "microphone_ok",
    "microphone_none",
    "microphone_denied",
    "microphone_busy",
    "microphone_failed",
    "again",
    "done",
];

/// What the page found for one kind of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    Ok,
    /// There is none.
    None,
    /// The system (or the user) refused access.
    Denied,
    /// Another program holds it.
    Busy,
    Failed,
}

impl Found {
    fn from_word(w: &str) -> Option<Found> {
        Some(match w {
            "ok" => Found::Ok,
            "none" => Found::None,
            "denied" => Found::Denied,
            "busy" => Found::Busy,
            "failed" => Found::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub camera: Found,
    pub microphone: Found,
}

/// What the check page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    Report(Report),
    /// "Done": the user finished; the check closes.
    Done,
}

/// Reads a request of the check page: `/check/report/<camera>/<microphone>`
/// or `/check/done`, nothing more, no query, no fragment.
pub fn parse(url: &Url) -> Option<Message> {
    if url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    let rest = url.path().strip_prefix(PATH)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["done"] => Some(Message::Done),
        ["report", camera, microphone] => {
            Some(Message::Report(Report { camera: Found::from_word(camera)?, microphone: Found::from_word(microphone)? }))
        }
        _ => None,
    }
}

/// The page's address in the meeting view, served there under `nonce` only.
pub fn embedded_url(nonce: &str) -> Url {
    Url::parse(&format!("{}{PATH}?n={nonce}", jitsi::host_base())).expect("static URL")
}

/// The page's address in the fallback browser.
pub fn browser_url() -> Url {
    Url::parse(&format!("{BROWSER_ORIGIN}{PATH}")).expect("static URL")
}

/// Whether `url` is on the check's browser origin.
pub fn is_browser_origin(url: &Url) -> bool {
    url.origin().ascii_serialization() == BROWSER_ORIGIN
}

/// The page and its Content-Security-Policy (sent as a header as well as
/// in the page).
pub fn page(lang: Lang) -> (String, String) {
    let texts: Map<String, Value> = KEYS.iter().map(|k| (k.to_string(), Value::String(i18n::t(lang, &format!("check.{k}"))))).collect();
    // `<` escaped: no text can end the data block.
    let data = Value::Object(Map::from_iter([("texts".to_string(), Value::Object(texts))])).to_string().replace('<', "\\u003c");
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; connect-src 'self'; media-src mediastream: blob:; img-src data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    let title = crate::receipt::esc(&i18n::t(lang, "check.title"));
    let html = HTML
        .replace("{{LANG}}", lang.base())
        .replace("{{DIR}}", if lang.is_rtl() { "rtl" } else { "ltr" })
        .replace("{{CSP}}", &csp)
        .replace("{{TITLE}}", &title)
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replace("{{DATA}}", &data);
    (html, csp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> Url {
        Url::parse(&format!("{BROWSER_ORIGIN}{path}")).unwrap()
    }

    #[test]
    fn reads_the_pages_words_and_nothing_else() {
        assert_eq!(parse(&at("/check/done")), Some(Message::Done));
        assert_eq!(parse(&at("/check/report/ok/none")), Some(Message::Report(Report { camera: Found::Ok, microphone: Found::None })));
        assert_eq!(parse(&at("/check/report/denied/busy")), Some(Message::Report(Report { camera: Found::Denied, microphone: Found::Busy })));
        let embedded = Url::parse(&format!("{}/check/report/failed/ok", jitsi::host_base())).unwrap();
        assert_eq!(parse(&embedded), Some(Message::Report(Report { camera: Found::Failed, microphone: Found::Ok })));
        for bad in [
            "/check",
            "/check/",
            "/check/report/ok",
            "/check/report/ok/ok/ok",
            "/check/report/yes/ok",
            "/check/report/OK/ok",
            "/check/done?x=1",
            "/check/done#x",
            "/check/done/",
            "/checkdone",
            "/other/done",
            "/check/report/Kim/ok",
        ] {
            assert_eq!(parse(&at(bad)), None, "{bad}");
        }
    }

    #[test]
    fn the_page_loads_nothing_and_pins_its_own_code() {
        let (html, csp) = page(Lang::De);
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(csp.contains(&csp_hash(SCRIPT)) && csp.contains(&csp_hash(STYLE)));
        assert!(csp.contains("connect-src 'self'"), "its words go to its own origin only");
        assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
        assert!(html.contains(&format!("content=\"{csp}\"")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")) && html.contains(&format!("<style>{STYLE}</style>")));
        for attr in ["src=\"http", "@import", "url(", "XMLHttpRequest", "sendBeacon", "WebSocket", "localStorage", "indexedDB", "MediaRecorder"] {
            assert!(!html.contains(attr), "the page loads, records and keeps nothing: {attr}");
        }
        assert!(html.contains("<html lang=\"de\" dir=\"ltr\">"));
        assert!(page(Lang::Ar).0.contains("<html lang=\"ar\" dir=\"rtl\">"));
    }

    #[test]
    fn every_language_has_every_text() {
        for lang in Lang::ALL {
            let (html, _) = page(lang);
            let data = html.split("<script type=\"application/json\" id=\"data\">").nth(1).unwrap().split("</script>").next().unwrap();
            let v: Value = serde_json::from_str(data).unwrap();
            for k in KEYS {
                let text = v["texts"][k].as_str().unwrap();
                assert!(!text.is_empty() && !text.starts_with("check."), "{}: check.{k}", lang.code());
            }
        }
    }

    #[test]
    fn both_addresses_are_the_checks() {
        assert!(is_browser_origin(&browser_url()));
        assert_eq!(browser_url().path(), PATH);
        assert!(!is_browser_origin(&Url::parse("https://device-check.sprechzimmer.invalid.example.org/check").unwrap()));
        let e = embedded_url("n1");
        assert!(jitsi::is_host_url(&e) && e.path() == PATH && e.query() == Some("n=n1"));
    }
}
