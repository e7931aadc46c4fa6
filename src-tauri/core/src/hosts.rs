//! Which remote URLs the app is willing to talk to at all. Every URL that
//! comes from outside (invite, profile) passes through `check_remote_url`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use url::{Host, Url};

pub const MAX_URL_LEN: usize = 4096;

/// Transport rules that depend on how the app was started.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlRules {
    /// Plain http to 127.0.0.0/8, ::1 or localhost: only for the demo and tests.
    pub allow_loopback_http: bool,
}

impl UrlRules {
    /// `SPRECHZIMMER_ALLOW_LOOPBACK_HTTP=1` is the explicit opt-in the demo and
    /// the tests use; nothing else turns it on.
    /// `SPRECHZIMMER_ALLOW_LOOPBACK_HTTP=1`, honoured only by builds made
    /// for tests, the demo and benchmarks: debug builds, or release builds
    /// with the `loopback-http` feature. A shipped build ignores it.
    pub fn from_env() -> Self {
        Self::from_env_in(cfg!(any(debug_assertions, feature = "loopback-http")), |k| std::env::var(k).ok())
    }

    pub fn from_env_in(build_allows: bool, get: impl Fn(&str) -> Option<String>) -> Self {
        UrlRules { allow_loopback_http: build_allows && get("SPRECHZIMMER_ALLOW_LOOPBACK_HTTP").as_deref() == Some("1") }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("not a URL")]
    NotAUrl,
    #[error("URL too long")]
    TooLong,
    #[error("scheme not allowed")]
    Scheme,
    #[error("credentials in URL")]
    Credentials,
    #[error("plain http is not allowed")]
    InsecureHttp,
    #[error("IP addresses are not allowed as hosts")]
    IpHost,
    #[error("host looks like an imitation of another host")]
    LookAlike,
    #[error("URL has no host")]
    NoHost,
    #[error("a name of the local network, not of a server on the internet")]
    LocalName,
    #[error("a port of another kind of service")]
    Port,
}

impl UrlProblem {
    pub fn code(self) -> &'static str {
        match self {
            UrlProblem::NotAUrl => "url.invalid",
            UrlProblem::TooLong => "url.too_long",
            UrlProblem::Scheme => "url.scheme",
            UrlProblem::Credentials => "url.credentials",
            UrlProblem::InsecureHttp => "url.insecure",
            UrlProblem::IpHost => "url.ip_host",
            UrlProblem::LookAlike => "url.look_alike",
            UrlProblem::NoHost => "url.invalid",
            UrlProblem::LocalName => "url.local_name",
            UrlProblem::Port => "url.port",
        }
    }
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// An https URL (or loopback http when allowed) without credentials, on a
/// DNS name that is not a homograph, or on loopback.
pub fn check_remote_url(raw: &str, rules: UrlRules) -> Result<Url, UrlProblem> {
    if raw.len() > MAX_URL_LEN {
        return Err(UrlProblem::TooLong);
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(UrlProblem::NotAUrl);
    }
    let url = Url::parse(raw).map_err(|_| UrlProblem::NotAUrl)?;
    match url.scheme() {
        "https" => {}
        "http" => {
            if !(rules.allow_loopback_http && is_loopback(&url)) {
                return Err(UrlProblem::InsecureHttp);
            }
        }
        _ => return Err(UrlProblem::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    match url.host() {
        None => return Err(UrlProblem::NoHost),
        Some(Host::Ipv4(_)) | Some(Host::Ipv6(_)) => {
            if !(rules.allow_loopback_http && is_loopback(&url)) {
                return Err(UrlProblem::IpHost);
            }
        }
        Some(Host::Domain(d)) => {
            if d.parse::<IpAddr>().is_ok() {
                return Err(UrlProblem::IpHost);
            }
            if d.eq_ignore_ascii_case("localhost") && !rules.allow_loopback_http {
                return Err(UrlProblem::IpHost);
            }
            if is_local_name(d) {
                return Err(UrlProblem::LocalName);
            }
            if !domain_is_plausible(d) {
                return Err(UrlProblem::LookAlike);
            }
        }
    }
    // https on 443, or an unprivileged port where a server runs on an
    // alternate one (8443). The other privileged ports are other services
    // (SSH, SMTP, …), which an invite must not make the app knock on.
    if let Some(port) = url.port() {
        if port != 443 && port < 1024 && !is_loopback(&url) {
            return Err(UrlProblem::Port);
        }
    }
    Ok(url)
}

/// Names that only mean something on the local network: a single label
/// (`beratung`, resolved through search domains), `*.localhost`, mDNS's
/// `.local`, and `.home.arpa`. The organisation's servers have public names.
fn is_local_name(d: &str) -> bool {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    if d == "localhost" {
        return false; // loopback, allowed only for the demo and tests above
    }
    !d.contains('.') || d.ends_with(".localhost") || d.ends_with(".local") || d.ends_with(".home.arpa")
}

/// Internationalised labels are fine for German names (umlauts, ß, accents)
/// but not for scripts whose letters imitate Latin ones (Cyrillic а, Greek ο):
/// such a label is refused outright instead of being shown as a look-alike.
fn domain_is_plausible(ascii_domain: &str) -> bool {
    if ascii_domain.is_empty() || ascii_domain.len() > 253 {
        return false;
    }
    for label in ascii_domain.split('.') {
        if label.is_empty() || label.len() > 63 {
            return false;
        }
        if label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--") {
            let (unicode, result) = idna::domain_to_unicode(label);
            if result.is_err() || !unicode.chars().all(is_latin_letter_or_ascii) {
                return false;
            }
        } else if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return false;
        }
    }
    true
}

fn is_latin_letter_or_ascii(c: char) -> bool {
    let latin = ('\u{00C0}'..='\u{024F}').contains(&c) && c != '\u{00D7}' && c != '\u{00F7}';
    c.is_ascii_alphanumeric() || c == '-' || latin
}

/// A host the organisation allows: `meet.example.org` or `*.example.org`
/// (any subdomain, not the bare domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostPattern {
    wildcard: bool,
    domain: String,
}

impl TryFrom<String> for HostPattern {
    type Error = UrlProblem;
    fn try_from(s: String) -> Result<Self, UrlProblem> {
        HostPattern::parse(&s)
    }
}

impl From<HostPattern> for String {
    fn from(p: HostPattern) -> String {
        p.to_string()
    }
}

impl std::fmt::Display for HostPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.wildcard {
            write!(f, "*.{}", self.domain)
        } else {
            f.write_str(&self.domain)
        }
    }
}

impl HostPattern {
    pub fn parse(s: &str) -> Result<HostPattern, UrlProblem> {
        let (wildcard, rest) = match s.strip_prefix("*.") {
            Some(r) => (true, r),
            None => (false, s),
        };
        // Normalise through the URL parser so "Beratung-Müller.de" matches its
        // punycode form; ports and paths are not part of a host pattern.
        if rest.is_empty() || rest.contains(['/', ':', '@', '?', '#', '\\', '*']) {
            return Err(UrlProblem::NotAUrl);
        }
        let url = Url::parse(&format!("https://{rest}/")).map_err(|_| UrlProblem::NotAUrl)?;
        let host = url.host_str().ok_or(UrlProblem::NoHost)?.to_string();
        match url.host() {
            Some(Host::Domain(d)) if d.parse::<IpAddr>().is_err() => {
                if d != "localhost" && !domain_is_plausible(d) {
                    return Err(UrlProblem::LookAlike);
                }
                if wildcard && !d.contains('.') {
                    return Err(UrlProblem::NotAUrl); // "*.de" would allow a whole TLD
                }
            }
            Some(Host::Ipv4(ip)) if ip.is_loopback() && !wildcard => {}
            _ => return Err(UrlProblem::IpHost),
        }
        Ok(HostPattern { wildcard, domain: host })
    }

    pub fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host = host.to_ascii_lowercase();
        if self.wildcard {
            host.len() > self.domain.len() + 1 && host.ends_with(&self.domain) && host.as_bytes()[host.len() - self.domain.len() - 1] == b'.'
        } else {
            host == self.domain
        }
    }
}

impl HostPattern {
    /// Every host `self` admits is admitted by `other` too.
    pub fn is_covered_by(&self, other: &HostPattern) -> bool {
        let under = |d: &str| d.len() > other.domain.len() + 1 && d.ends_with(&format!(".{}", other.domain));
        match (self.wildcard, other.wildcard) {
            (_, false) => !self.wildcard && self.domain == other.domain,
            (false, true) => under(&self.domain),
            (true, true) => self.domain == other.domain || under(&self.domain),
        }
    }
}

/// The patterns of `profile` that `policy` fully admits: a managed list of
/// meeting hosts narrows the organisation's own list, never widens it.
/// `host` or `host:port`, as the UI and the logs name a server.
pub fn host_with_port(u: &Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

pub fn narrow(profile: &[HostPattern], policy: Option<&[HostPattern]>) -> Vec<HostPattern> {
    match policy {
        None => profile.to_vec(),
        Some(policy) => profile.iter().filter(|p| policy.iter().any(|q| p.is_covered_by(q))).cloned().collect(),
    }
}

pub fn any_matches(patterns: &[HostPattern], url: &Url) -> bool {
    patterns.iter().any(|p| p.matches(url))
}

/// Scheme, host and port: what a browser calls the origin.
/// A link a browser would hand to another program (`mailto:`, `tel:`, an
/// app's own scheme) rather than load itself. Neither meeting view follows
/// one; the app hears of it and decides (`engine::Input::Offer`).
pub fn is_for_another_program(url: &Url) -> bool {
    !matches!(url.scheme(), "http" | "https" | "javascript" | "about" | "data" | "blob" | "file" | "chrome-error" | "ws" | "wss")
}

pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_for_other_programs_are_told_apart_from_pages() {
        for other in ["mailto:x@example.org", "tel:+4930123", "sprechzimmer://join?x=1", "ms-teams:/l/x", "intent://x"] {
            assert!(is_for_another_program(&Url::parse(other).unwrap()), "{other}");
        }
        for page in [
            "https://a.example/",
            "http://a.example/",
            "javascript:void(0)",
            "about:blank",
            "data:text/html,x",
            "blob:https://a.example/1",
            "file:///etc/passwd",
            "wss://a.example/ws",
        ] {
            assert!(!is_for_another_program(&Url::parse(page).unwrap()), "{page}");
        }
    }

    const STRICT: UrlRules = UrlRules { allow_loopback_http: false };
    const DEMO: UrlRules = UrlRules { allow_loopback_http: true };

    #[test]
    fn policy_hosts_narrow_the_profile_hosts() {
        let p = |s: &str| HostPattern::parse(s).unwrap();
        assert!(p("bbb.example.org").is_covered_by(&p("bbb.example.org")));
        assert!(p("bbb.example.org").is_covered_by(&p("*.example.org")));
        assert!(p("*.meet.example.org").is_covered_by(&p("*.example.org")));
        assert!(p("*.example.org").is_covered_by(&p("*.example.org")));
        assert!(!p("*.example.org").is_covered_by(&p("bbb.example.org")));
        assert!(!p("example.org").is_covered_by(&p("*.example.org")));
        assert!(!p("bbb.evil-example.org").is_covered_by(&p("*.example.org")));
        let profile = vec![p("bbb.example.org"), p("*.cdn.example.net"), p("meet.example.com")];
        assert_eq!(narrow(&profile, None), profile);
        let policy = vec![p("*.example.org"), p("*.example.net")];
        assert_eq!(narrow(&profile, Some(&policy)), vec![p("bbb.example.org"), p("*.cdn.example.net")]);
        assert!(narrow(&profile, Some(&[])).is_empty());
    }

    #[test]
    fn accepts_plain_https() {
        assert!(check_remote_url("https://beratung.example.org/profile.json", STRICT).is_ok());
    }

    #[test]
    fn refuses_hostile_schemes() {
        for u in
            ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x", "sprechzimmer://join"]
        {
            assert_eq!(check_remote_url(u, STRICT), Err(UrlProblem::Scheme), "{u}");
        }
    }

    #[test]
    fn refuses_credentials() {
        assert_eq!(check_remote_url("https://user:pw@example.org/", STRICT), Err(UrlProblem::Credentials));
        assert_eq!(check_remote_url("https://bbb.example.org@evil.example/", STRICT), Err(UrlProblem::Credentials));
    }

    #[test]
    fn http_only_on_loopback_and_only_when_allowed() {
        assert_eq!(check_remote_url("http://example.org/", DEMO), Err(UrlProblem::InsecureHttp));
        assert_eq!(check_remote_url("http://127.0.0.1:8080/", STRICT), Err(UrlProblem::InsecureHttp));
        assert!(check_remote_url("http://127.0.0.1:8080/", DEMO).is_ok());
        assert!(check_remote_url("http://[::1]:8080/", DEMO).is_ok());
    }

    #[test]
    fn refuses_ip_hosts() {
        assert_eq!(check_remote_url("https://192.0.2.1/", STRICT), Err(UrlProblem::IpHost));
        assert_eq!(check_remote_url("https://127.0.0.1/", STRICT), Err(UrlProblem::IpHost));
        // Decimal and hex forms are normalised by the URL parser and still refused.
        assert_eq!(check_remote_url("https://3221225985/", STRICT), Err(UrlProblem::IpHost));
        assert_eq!(check_remote_url("https://0xC0000201/", STRICT), Err(UrlProblem::IpHost));
    }

    #[test]
    fn refuses_look_alike_hosts_but_accepts_german_idn() {
        // Cyrillic "а" in "exаmple".
        assert_eq!(check_remote_url("https://bbb.ex\u{0430}mple.org/", STRICT), Err(UrlProblem::LookAlike));
        assert_eq!(check_remote_url("https://xn--exmple-4nf.org/", STRICT), Err(UrlProblem::LookAlike));
        assert!(check_remote_url("https://beratung-m\u{00FC}ller.de/", STRICT).is_ok());
    }

    #[test]
    fn refuses_control_characters_and_oversized() {
        assert_eq!(check_remote_url("https://exa\nmple.org/", STRICT), Err(UrlProblem::NotAUrl));
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(check_remote_url(&long, STRICT), Err(UrlProblem::TooLong));
    }

    #[test]
    fn host_patterns() {
        let exact = HostPattern::parse("bbb.example.org").unwrap();
        let wild = HostPattern::parse("*.example.org").unwrap();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(exact.matches(&u("https://bbb.example.org/x")));
        assert!(exact.matches(&u("https://BBB.example.org/x")));
        assert!(!exact.matches(&u("https://bbb.example.org.evil.test/")));
        assert!(wild.matches(&u("https://a.b.example.org/")));
        assert!(!wild.matches(&u("https://example.org/")));
        assert!(!wild.matches(&u("https://badexample.org/")));
        assert!(HostPattern::parse("*.de").is_err());
        assert!(HostPattern::parse("example.org/path").is_err());
        assert!(HostPattern::parse("example.org:8443").is_err());
        assert!(HostPattern::parse("192.0.2.1").is_err());
        assert!(HostPattern::parse("ex\u{0430}mple.org").is_err());
        assert!(HostPattern::parse("127.0.0.1").is_ok());
    }

    #[test]
    fn loopback_http_only_in_builds_made_for_it() {
        let set = |k: &str| (k == "SPRECHZIMMER_ALLOW_LOOPBACK_HTTP").then(|| "1".to_string());
        assert!(UrlRules::from_env_in(true, set).allow_loopback_http);
        assert!(!UrlRules::from_env_in(false, set).allow_loopback_http, "a shipped build ignores the variable");
        assert!(!UrlRules::from_env_in(true, |_| Some("yes".into())).allow_loopback_http);
        assert!(!UrlRules::from_env_in(true, |_| None).allow_loopback_http);
    }

    #[test]
    fn local_network_names_and_other_services_ports_are_refused() {
        let rules = UrlRules::default();
        for bad in ["https://beratung/p.json", "https://bbb.localhost/", "https://bbb.local/", "https://nas.home.arpa/", "https://BBB.LOCAL./x"] {
            assert_eq!(check_remote_url(bad, rules), Err(UrlProblem::LocalName), "{bad}");
        }
        for bad in ["https://bbb.example.org:22/", "https://bbb.example.org:25/", "https://bbb.example.org:80/"] {
            assert_eq!(check_remote_url(bad, rules), Err(UrlProblem::Port), "{bad}");
        }
        for ok in ["https://bbb.example.org/", "https://bbb.example.org:443/", "https://bbb.example.org:8443/api"] {
            assert!(check_remote_url(ok, rules).is_ok(), "{ok}");
        }
        let demo = UrlRules { allow_loopback_http: true };
        assert!(check_remote_url("http://localhost:8080/p.json", demo).is_ok(), "the demo's loopback");
        assert!(check_remote_url("http://127.0.0.1:80/p.json", demo).is_ok());
        assert_eq!(check_remote_url("http://x.localhost:8080/", demo), Err(UrlProblem::InsecureHttp));
    }
}
