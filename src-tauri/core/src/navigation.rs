//! The meeting view's navigation guard: what one URL may do. The embedded
//! window (wry's navigation callback, WebView2's frame hooks) and the
//! fallback browser's DevTools driver ask the same question.

use url::Url;

use crate::hosts;
use crate::provider::jitsi;

/// What the navigation guard decides for one URL.
#[derive(Debug, PartialEq, Eq)]
pub enum Nav {
    Allow,
    /// The Jitsi host page reporting an event; never actually loaded.
    Signal(jitsi::Signal),
    /// An http(s) URL outside the organisation's hosts.
    Outside,
    Block,
}

pub fn classify(url: &Url, allowed: &[hosts::HostPattern], rules: hosts::UrlRules) -> Nav {
    if jitsi::is_host_url(url) {
        return match jitsi::parse_signal(url) {
            Some(s) => Nav::Signal(s),
            // The Jitsi host page, or the device check's page; each is
            // served only in its own view, under its nonce.
            None if matches!(url.path(), "/jitsi" | crate::device_check::PATH) => Nav::Allow,
            None => Nav::Block,
        };
    }
    match url.scheme() {
        // Frames the meeting page creates for itself.
        "about" if matches!(url.as_str(), "about:blank" | "about:srcdoc") => Nav::Allow,
        "http" | "https" => {
            if hosts::any_matches(allowed, url) && hosts::check_remote_url(url.as_str(), rules).is_ok() {
                Nav::Allow
            } else {
                Nav::Outside
            }
        }
        _ => Nav::Block,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_guard() {
        let allowed = vec![hosts::HostPattern::parse("bbb.example.org").unwrap()];
        let rules = hosts::UrlRules::default();
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(classify(&u("https://bbb.example.org/html5client/join"), &allowed, rules), Nav::Allow);
        assert_eq!(classify(&u("about:blank"), &allowed, rules), Nav::Allow);
        assert_eq!(classify(&u("https://evil.example/"), &allowed, rules), Nav::Outside);
        assert_eq!(classify(&u("http://bbb.example.org/"), &allowed, rules), Nav::Outside);
        assert_eq!(classify(&u("https://user:pw@bbb.example.org/"), &allowed, rules), Nav::Outside);
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "tauri://localhost/", "sprechzimmer://join?v=1"] {
            assert_eq!(classify(&u(bad), &allowed, rules), Nav::Block, "{bad}");
        }
        let host = jitsi::host_base();
        assert_eq!(classify(&u(&format!("{host}/jitsi?n=1")), &allowed, rules), Nav::Allow);
        assert_eq!(classify(&u(&format!("{host}/signal/left")), &allowed, rules), Nav::Signal(jitsi::Signal::Left));
        assert_eq!(classify(&u(&format!("{host}/signal/unknown")), &allowed, rules), Nav::Block);
        assert_eq!(classify(&u(&format!("{host}/other")), &allowed, rules), Nav::Block);
    }
}
