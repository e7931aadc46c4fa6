//! The organisation's invite page (`sprechzimmer org invite-page`): a static
//! page the organisation hosts at its profile's `invite_page`. Invites then
//! travel as `https://…/join.html#<invite>`, which mail programs open; the
//! page hands the fragment to the app (`sprechzimmer://join?<invite>`) and
//! explains how to install it otherwise.
//!
//! The fragment never reaches the page's server, and the page removes it
//! from the address bar and history. It loads nothing: its style and script
//! are inline and pinned by hash in its Content-Security-Policy, so neither
//! a third party nor a changed file on the server can run in it.

use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::i18n::{self, Lang};
use crate::profile::OrgProfile;

const HTML: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The page's texts, one catalogue key each (`page.<key>`).
pub const KEYS: &[&str] = &[
    "title",
    "opening",
    "opened",
    "open",
    "not_installed",
    "install",
    "install_none",
    "then",
    "link",
    "copy",
    "copied",
    "help",
    "private",
    "broken",
    "language",
    "language_name",
];

/// A CSP source pinning `s` by its SHA-256 (also the device check's page).
pub(crate) fn csp_hash(s: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes())))
}

/// JSON that can stand inside `<script>`: no `</script>`, no `<!--`.
fn script_safe(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The page for this organisation: its name, install address and support
/// contact, and the app's texts in every language.
pub fn render(profile: &OrgProfile) -> String {
    let texts: Map<String, Value> = Lang::ALL
        .iter()
        .map(|&lang| {
            let t: Map<String, Value> = KEYS.iter().map(|k| (k.to_string(), Value::String(i18n::t(lang, &format!("page.{k}"))))).collect();
            (lang.code().to_string(), Value::Object(t))
        })
        .collect();
    let support = profile.support.as_ref().map(|s| json!({ "phone": s.phone, "email": s.email, "hours": s.hours.as_ref().map(|h| &h.0) }));
    let data = json!({
        "texts": texts,
        "org": profile.name.0,
        "install": profile.install_url,
        "support": support,
    });
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    HTML.replace("{{CSP}}", &csp).replace("{{STYLE}}", STYLE).replace("{{SCRIPT}}", SCRIPT).replace("{{DATA}}", &script_safe(&data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;

    fn profile(edit: impl Fn(&mut Value)) -> OrgProfile {
        let mut v = crate::profile::tests::sample();
        edit(&mut v);
        OrgProfile::from_json(&v.to_string(), UrlRules::default()).unwrap()
    }

    #[test]
    fn the_page_loads_nothing_and_pins_its_own_code() {
        let page = render(&profile(|_| {}));
        let csp = page.split("http-equiv=\"Content-Security-Policy\" content=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(csp.contains(&csp_hash(SCRIPT)) && csp.contains(&csp_hash(STYLE)));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{csp}");
        for attr in ["src=", "<link", "@import", "url(", "fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket"] {
            assert!(!page.contains(attr), "the page loads nothing: {attr}");
        }
        assert!(page.contains("no-referrer"));
        // Exactly the files, byte for byte, that the hashes name.
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")) && page.contains(&format!("<style>{STYLE}</style>")));
    }

    #[test]
    fn the_organisations_texts_cannot_break_out_of_the_page() {
        let page = render(&profile(|v| {
            v["name"]["de"] = json!("</script><script>alert(1)</script><!--");
            v["support"]["hours"]["de"] = json!("\u{2028}&amp;");
        }));
        assert_eq!(page.matches("</script>").count(), 2, "only the page's own two scripts end");
        assert!(!page.contains("<!--") && !page.contains('\u{2028}'));
        let data = page.split("<script type=\"application/json\" id=\"data\">").nth(1).unwrap().split("</script>").next().unwrap();
        let v: Value = serde_json::from_str(data).unwrap();
        assert_eq!(v["org"]["de"], "</script><script>alert(1)</script><!--", "the text itself is intact");
    }

    #[test]
    fn every_language_has_every_text() {
        let page = render(&profile(|v| v["install_url"] = json!("https://beratung.example.org/app")));
        let data = page.split("<script type=\"application/json\" id=\"data\">").nth(1).unwrap().split("</script>").next().unwrap();
        let v: Value = serde_json::from_str(data).unwrap();
        assert_eq!(v["install"], "https://beratung.example.org/app");
        assert_eq!(v["support"]["phone"], "+49 30 1234-567");
        for lang in Lang::ALL {
            for k in KEYS {
                let text = v["texts"][lang.code()][k].as_str().unwrap();
                assert!(!text.is_empty() && !text.starts_with("page."), "{}: page.{k}", lang.code());
            }
        }
        assert_eq!(v["texts"]["de"]["title"], "Einladung zur Videoberatung");
    }
}
