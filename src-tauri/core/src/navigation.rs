//! The embedded view's navigation guard (a meeting or the device check):
//! what one URL may do. wry's navigation callback and WebView2's frame
//! hooks ask it; the fallback browser's DevTools driver has its own
//! (`browser::cdp`).

use url::Url;

use crate::hosts;
use crate::provider::jitsi;

/// What a view shows: it decides which of the app's own pages it may load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// A meeting: the organisation's hosts, the app's Jitsi host page and
    /// its signals (which the engine hears for Jitsi meetings only).
    Meeting,
    /// The device check: the app's check page, and no signals.
    DeviceCheck,
}

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

pub fn classify(url: &Url, allowed: &[hosts::HostPattern], rules: hosts::UrlRules, view: ViewKind) -> Nav {
    if jitsi::is_host_url(url) {
        // The app's own pages, each in its own view only.
        return match (view, jitsi::parse_signal(url)) {
            (ViewKind::Meeting, Some(s)) => Nav::Signal(s),
            (ViewKind::Meeting, None) if url.path() == "/jitsi" => Nav::Allow,
            (ViewKind::DeviceCheck, None) if url.path() == crate::device_check::PATH => Nav::Allow,
            _ => Nav::Block,
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
        assert_eq!(classify(&u("https://bbb.example.org/html5client/join"), &allowed, rules, ViewKind::Meeting), Nav::Allow);
        assert_eq!(classify(&u("about:blank"), &allowed, rules, ViewKind::Meeting), Nav::Allow);
        assert_eq!(classify(&u("https://evil.example/"), &allowed, rules, ViewKind::Meeting), Nav::Outside);
        assert_eq!(classify(&u("http://bbb.example.org/"), &allowed, rules, ViewKind::Meeting), Nav::Outside);
        assert_eq!(classify(&u("https://user:pw@bbb.example.org/"), &allowed, rules, ViewKind::Meeting), Nav::Outside);
        for bad in ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "tauri://localhost/", "sprechzimmer://join?v=1"] {
            assert_eq!(classify(&u(bad), &allowed, rules, ViewKind::Meeting), Nav::Block, "{bad}");
        }
        let host = jitsi::host_base();
        assert_eq!(classify(&u(&format!("{host}/jitsi?n=1")), &allowed, rules, ViewKind::Meeting), Nav::Allow);
        assert_eq!(classify(&u(&format!("{host}/signal/left")), &allowed, rules, ViewKind::Meeting), Nav::Signal(jitsi::Signal::Left));
        assert_eq!(classify(&u(&format!("{host}/signal/unknown")), &allowed, rules, ViewKind::Meeting), Nav::Block);
        assert_eq!(classify(&u(&format!("{host}/other")), &allowed, rules, ViewKind::Meeting), Nav::Block);
    }

    #[test]
    fn each_view_reaches_its_own_page_only() {
        let allowed = vec![hosts::HostPattern::parse("bbb.example.org").unwrap()];
        let rules = hosts::UrlRules::default();
        let check = crate::device_check::embedded_url("n");
        let host = Url::parse(&format!("{}/jitsi?n=1", jitsi::host_base())).unwrap();
        let signal = Url::parse(&format!("{}/signal/left", jitsi::host_base())).unwrap();
        assert_eq!(classify(&check, &allowed, rules, ViewKind::DeviceCheck), Nav::Allow);
        assert_eq!(classify(&check, &allowed, rules, ViewKind::Meeting), Nav::Block, "no check page in a meeting");
        assert_eq!(classify(&host, &allowed, rules, ViewKind::DeviceCheck), Nav::Block, "no meeting page in a check");
        assert_eq!(classify(&signal, &allowed, rules, ViewKind::DeviceCheck), Nav::Block, "a check sends no meeting signals");
        let meeting = Url::parse("https://bbb.example.org/html5client/join").unwrap();
        assert_eq!(classify(&meeting, &allowed, rules, ViewKind::DeviceCheck), Nav::Allow, "the hosts are the view's to give");
    }
}
