//! The organisation profile (docs/organisation-profile.md): who runs the
//! counselling, the texts a client consents to, and which meeting hosts the
//! organisation stands behind.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::hosts::{self, HostPattern, UrlRules};
use crate::i18n::Lang;
use crate::net::{Http, NetError};
use crate::provider::{Meeting, ProviderKind};

pub mod check;
use check::{Findings, Severity};

pub const SCHEMA_VERSION: u32 = 1;
pub const MAX_PROFILE_BYTES: u64 = 1024 * 1024;
const MAX_TEXT_CHARS: usize = 200_000;
const MAX_SHORT_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("profile redirected")]
    Redirected,
    #[error("profile is not valid JSON of the expected shape")]
    Malformed,
    #[error("profile schema version not supported")]
    UnsupportedVersion,
    #[error("profile field {0} is invalid")]
    Invalid(String),
    #[error("the organisation does not allow this meeting host")]
    HostNotAllowed,
    #[error("the organisation does not offer this meeting service")]
    ProviderNotAllowed,
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::Net(n) => n.code(),
            ProfileError::Redirected | ProfileError::Malformed | ProfileError::Invalid(_) => "profile.invalid",
            ProfileError::UnsupportedVersion => "profile.unsupported_version",
            ProfileError::HostNotAllowed => "invite.host_not_allowed",
            ProfileError::ProviderNotAllowed => "invite.provider_not_allowed",
        }
    }
}

/// Text in several languages, keyed by language code; German is the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        self.pick(lang).1
    }

    /// The text for `lang` and the language it is written in: the chosen
    /// language, else German (the organisation's own, and binding), else
    /// English, else any (`Lang::fallbacks`).
    pub fn pick(&self, lang: Lang) -> (&str, &str) {
        lang.fallbacks()
            .iter()
            .find_map(|code| self.0.get_key_value(*code))
            .or_else(|| self.0.iter().next())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .unwrap_or(("", ""))
    }

    /// The languages this text is written in.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    fn validate(&self, path: &str, max_chars: usize, f: &mut Findings) {
        if !self.0.contains_key("de") && !self.0.contains_key("en") {
            f.error(path, "no_base_language", "needs a text in German (\"de\") or English (\"en\")".into());
        }
        for (k, v) in &self.0 {
            let at = format!("{path}.{k}");
            if k.len() != 2 || !k.bytes().all(|b| b.is_ascii_lowercase()) {
                f.error(&at, "language_code", format!("\"{k}\" is not a two-letter language code in lower case (ISO 639-1)"));
            }
            let n = v.chars().count();
            if v.trim().is_empty() {
                f.error(&at, "empty", "is empty".into());
            } else if n > max_chars {
                f.error(&at, "too_long", format!("is {n} characters long, at most {max_chars} are read"));
            }
            if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
                f.error(&at, "control", "contains control characters (only line breaks and tabs may stand in a text)".into());
            }
        }
    }
}

/// A text a person consents to. Its digest, not its version label, is what a
/// consent binds to: any change to any language asks for consent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub version: String,
    pub title: Localized,
    pub text: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Document {
    pub fn digest(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("documents serialise");
        hex::encode(Sha256::digest(canonical))
    }

    fn validate(&self, path: &str, rules: UrlRules, f: &mut Findings) {
        if self.version.trim().is_empty() || self.version.len() > 64 {
            f.error(&format!("{path}.version"), "version", "must be 1 to 64 characters, such as \"2026-01\"".into());
        }
        self.title.validate(&format!("{path}.title"), MAX_SHORT_CHARS, f);
        self.text.validate(&format!("{path}.text"), MAX_TEXT_CHARS, f);
        if let Some(u) = &self.url {
            f.url(&format!("{path}.url"), u, rules);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub text: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// How clients reach the organisation when something does not work: shown
/// in the waiting room and on error screens. Each part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Support {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Office hours, in words ("Mo–Fr 9–16 Uhr").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Localized>,
}

/// Where clients report barriers (BITV 2.0 § 7 asks for a feedback
/// mechanism): an address, a web page, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgProfile {
    pub schema: u32,
    pub id: String,
    pub name: Localized,
    pub privacy_notice: Document,
    pub client_terms: Document,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counsellor_terms: Option<Document>,
    pub withdrawal: Withdrawal,
    pub meeting_hosts: Vec<HostPattern>,
    pub providers: Vec<ProviderKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Support>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility_feedback: Option<Feedback>,
    /// The organisation's copy of `sprechzimmer org invite-page`: invites
    /// become `<invite_page>#<invite>`, links a mail program can open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_page: Option<String>,
    /// Where clients download the app; named in invitations and on the invite page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_url: Option<String>,
    /// Where the app POSTs a receipt of each client's consent (docs/consent-receipts.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_receipt_url: Option<String>,
    /// No meeting unless the receipt was delivered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub consent_receipt_required: bool,
}

impl OrgProfile {
    /// Parses and validates a profile document, exactly as `org check` does
    /// ([`check::check`]), keeping the first error. Unknown top-level fields
    /// are ignored so later schema additions do not lock out older apps.
    pub fn from_json(body: &str, rules: UrlRules) -> Result<OrgProfile, ProfileError> {
        let report = check::check(body, rules);
        match (report.profile, report.findings.into_iter().find(|f| f.severity == Severity::Error)) {
            (Some(p), None) => Ok(p),
            (_, Some(first)) => Err(first.into_error()),
            (None, None) => Err(ProfileError::Malformed),
        }
    }

    /// Every error of a profile that deserialised, each at its field path.
    fn validate(&self, rules: UrlRules, f: &mut Findings) {
        let id_ok =
            !self.id.is_empty() && self.id.len() <= 64 && self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !id_ok {
            f.error("id", "id", "must be 1 to 64 letters (a–z, A–Z), digits, \"-\", \"_\" or \".\"".into());
        }
        self.name.validate("name", MAX_SHORT_CHARS, f);
        self.privacy_notice.validate("privacy_notice", rules, f);
        self.client_terms.validate("client_terms", rules, f);
        if let Some(t) = &self.counsellor_terms {
            t.validate("counsellor_terms", rules, f);
        }
        self.withdrawal.text.validate("withdrawal.text", MAX_TEXT_CHARS, f);
        if let Some(e) = &self.withdrawal.email {
            f.email("withdrawal.email", e);
        }
        if let Some(u) = &self.withdrawal.url {
            f.url("withdrawal.url", u, rules);
        }
        if let Some(s) = &self.support {
            if let Some(p) = &s.phone {
                if !is_plausible_phone(p) {
                    f.error("support.phone", "phone", "is not a phone number: 3 to 20 digits, with spaces and + - / ( ) only".into());
                }
            }
            if let Some(e) = &s.email {
                f.email("support.email", e);
            }
            if let Some(h) = &s.hours {
                h.validate("support.hours", MAX_SHORT_CHARS, f);
            }
        }
        if let Some(fb) = &self.accessibility_feedback {
            if fb.email.is_none() && fb.url.is_none() {
                f.error("accessibility_feedback", "feedback_empty", "needs an \"email\" or a \"url\", or leave it out".into());
            }
            if let Some(e) = &fb.email {
                f.email("accessibility_feedback.email", e);
            }
            if let Some(u) = &fb.url {
                f.url("accessibility_feedback.url", u, rules);
            }
        }
        if let Some(page) = &self.invite_page {
            f.url("invite_page", page, rules);
            if page.contains(['?', '#']) {
                f.error("invite_page", "invite_page", "must be the page's plain address, without ? or #: the invite is appended after #".into());
            }
        }
        if let Some(u) = &self.install_url {
            f.url("install_url", u, rules);
        }
        if let Some(u) = &self.consent_receipt_url {
            f.url("consent_receipt_url", u, rules);
        }
        if self.consent_receipt_required && self.consent_receipt_url.is_none() {
            f.error("consent_receipt_required", "receipt_without_url", "is true, but no consent_receipt_url says where receipts go".into());
        }
        if self.meeting_hosts.is_empty() || self.meeting_hosts.len() > 64 {
            f.error("meeting_hosts", "hosts_count", format!("lists {} hosts; 1 to 64 are needed", self.meeting_hosts.len()));
        }
        if self.providers.is_empty() {
            f.error("providers", "providers_empty", "needs at least one of \"bbb\" and \"jitsi\"".into());
        }
    }

    /// The organisation stands behind this meeting: right service, right host.
    pub fn check_meeting(&self, meeting: &Meeting) -> Result<(), ProfileError> {
        if !self.providers.contains(&meeting.kind()) {
            return Err(ProfileError::ProviderNotAllowed);
        }
        if !hosts::any_matches(&self.meeting_hosts, meeting.host_url()) {
            return Err(ProfileError::HostNotAllowed);
        }
        Ok(())
    }
}

/// Digits with the usual separators: what a `tel:` link and a reader can use.
fn is_plausible_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&digits) && p.len() <= 32 && p.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c))
}

pub(crate) fn is_plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    !local.is_empty()
        && e.len() <= 254
        && domain.contains('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"',;:()[]\\".contains(c))
}

/// Fetches the profile. Redirects are refused: the invite names the one URL
/// the organisation publishes, and a redirect could lead anywhere.
pub async fn fetch(http: &Http, url: &Url, rules: UrlRules) -> Result<OrgProfile, ProfileError> {
    OrgProfile::from_json(&fetch_body(http, url).await?, rules)
}

/// The profile's text, as the app fetches it (`org check URL` reads this).
pub async fn fetch_body(http: &Http, url: &Url) -> Result<String, ProfileError> {
    let f = http.get(url, "application/json", MAX_PROFILE_BYTES).await?;
    match f.status {
        200 => Ok(f.body),
        300..=399 => Err(ProfileError::Redirected),
        s => Err(ProfileError::Net(NetError::Status(s))),
    }
}

impl OrgProfile {
    /// Whatever the consent screen can turn into a link: the documents' texts
    /// and URLs, the withdrawal text, address and URL.
    pub fn shows(&self, needle: &str) -> bool {
        let p = self;
        if needle.is_empty() {
            return false;
        }
        let docs: Vec<&Document> = [Some(&p.privacy_notice), Some(&p.client_terms), p.counsellor_terms.as_ref()].into_iter().flatten().collect();
        let support = p.support.clone().unwrap_or_default();
        let feedback = p.accessibility_feedback.clone().unwrap_or_default();
        let fields = [
            p.withdrawal.email.as_deref(),
            p.withdrawal.url.as_deref(),
            support.email.as_deref(),
            feedback.email.as_deref(),
            feedback.url.as_deref(),
        ];
        docs.iter().any(|d| d.url.as_deref() == Some(needle))
            || fields.contains(&Some(needle))
            || docs.iter().flat_map(|d| d.text.0.values()).chain(p.withdrawal.text.0.values()).any(|t| t.contains(needle))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    const RULES: UrlRules = UrlRules { allow_loopback_http: false };

    pub fn sample() -> serde_json::Value {
        json!({
            "schema": 1,
            "id": "beratung-example",
            "name": {"de": "Beratungsstelle Beispiel", "en": "Example Counselling"},
            "privacy_notice": {
                "version": "2026-01",
                "title": {"de": "Datenschutzerklärung", "en": "Privacy notice"},
                "text": {"de": "Wir verarbeiten …", "en": "We process …"},
                "url": "https://beratung.example.org/datenschutz"
            },
            "client_terms": {
                "version": "2026-01",
                "title": {"de": "AGB für KlientInnen"},
                "text": {"de": "Die Beratung …"}
            },
            "withdrawal": {"text": {"de": "Sie können widerrufen …"}, "email": "datenschutz@example.org"},
            "meeting_hosts": ["bbb.example.org", "*.bbb.example.org"],
            "providers": ["bbb"],
            "support": {"phone": "+49 30 1234-567", "email": "hilfe@example.org", "hours": {"de": "Mo–Fr 9–16 Uhr", "en": "Mon–Fri 9am–4pm"}},
            "accessibility_feedback": {"email": "barrierefrei@example.org"},
            "future_field": {"ignored": true}
        })
    }

    #[test]
    fn parses_a_valid_profile() {
        let p = OrgProfile::from_json(&sample().to_string(), RULES).unwrap();
        assert_eq!(p.name.get(Lang::En), "Example Counselling");
        assert_eq!(p.client_terms.title.get(Lang::En), "AGB für KlientInnen", "falls back to German");
        assert_eq!(p.client_terms.title.pick(Lang::Uk), ("de", "AGB für KlientInnen"), "names the language it is in");
        assert_eq!(p.privacy_notice.title.pick(Lang::Ls), ("de", "Datenschutzerklärung"), "Leichte Sprache reads German texts");
        assert_eq!(p.privacy_notice.title.pick(Lang::En), ("en", "Privacy notice"));
        let s = p.support.as_ref().unwrap();
        assert_eq!((s.phone.as_deref(), s.hours.as_ref().unwrap().get(Lang::En)), (Some("+49 30 1234-567"), "Mon–Fri 9am–4pm"));
        assert!(hosts::any_matches(&p.meeting_hosts, &Url::parse("https://node1.bbb.example.org/").unwrap()));
        assert!(!hosts::any_matches(&p.meeting_hosts, &Url::parse("https://bbb.example.org.evil.test/").unwrap()));
    }

    #[test]
    fn digest_changes_with_any_text() {
        let p = OrgProfile::from_json(&sample().to_string(), RULES).unwrap();
        let mut v = sample();
        v["privacy_notice"]["text"]["en"] = json!("We process more …");
        let q = OrgProfile::from_json(&v.to_string(), RULES).unwrap();
        assert_ne!(p.privacy_notice.digest(), q.privacy_notice.digest());
        assert_eq!(p.client_terms.digest(), q.client_terms.digest());
    }

    #[test]
    fn hostile_and_broken_profiles() {
        let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = sample();
            f(&mut v);
            OrgProfile::from_json(&v.to_string(), RULES).map(|_| ()).unwrap_err().code()
        };
        assert_eq!(OrgProfile::from_json("not json", RULES).unwrap_err().code(), "profile.invalid");
        assert_eq!(OrgProfile::from_json("[]", RULES).unwrap_err().code(), "profile.invalid");
        assert_eq!(OrgProfile::from_json(&"[".repeat(10_000), RULES).unwrap_err().code(), "profile.invalid");
        assert_eq!(mutate(&|v| v["schema"] = json!(2)), "profile.unsupported_version");
        assert_eq!(mutate(&|v| v["meeting_hosts"] = json!([])), "profile.invalid");
        assert_eq!(mutate(&|v| v["meeting_hosts"] = json!(["*.de"])), "profile.invalid");
        assert_eq!(mutate(&|v| v["meeting_hosts"] = json!(["https://bbb.example.org/"])), "profile.invalid");
        assert_eq!(mutate(&|v| v["meeting_hosts"] = json!(["bbb.ex\u{0430}mple.org"])), "profile.invalid");
        assert_eq!(mutate(&|v| v["providers"] = json!(["zoom"])), "profile.invalid");
        assert_eq!(mutate(&|v| v["privacy_notice"]["text"] = json!({})), "profile.invalid");
        assert_eq!(mutate(&|v| v["privacy_notice"]["text"] = json!({"de": "   "})), "profile.invalid");
        assert_eq!(mutate(&|v| v["privacy_notice"]["url"] = json!("javascript:alert(1)")), "profile.invalid");
        assert_eq!(mutate(&|v| v["privacy_notice"]["script"] = json!("x")), "profile.invalid");
        assert_eq!(mutate(&|v| v["withdrawal"]["email"] = json!("not an address")), "profile.invalid");
        assert_eq!(mutate(&|v| v["support"]["phone"] = json!("call me maybe")), "profile.invalid");
        assert_eq!(mutate(&|v| v["support"]["phone"] = json!("javascript:alert(1)")), "profile.invalid");
        assert_eq!(mutate(&|v| v["support"]["email"] = json!("a@b")), "profile.invalid");
        assert_eq!(mutate(&|v| v["support"]["hours"] = json!({"de": ""})), "profile.invalid");
        assert_eq!(mutate(&|v| v["support"]["fax"] = json!("123")), "profile.invalid");
        assert_eq!(mutate(&|v| v["accessibility_feedback"] = json!({})), "profile.invalid", "says where");
        assert_eq!(mutate(&|v| v["accessibility_feedback"] = json!({"url": "http://example.org/barrieren"})), "profile.invalid");
        assert_eq!(mutate(&|v| v["id"] = json!("../../etc")), "profile.invalid");
        assert_eq!(mutate(&|v| v["name"] = json!({"de": "x\u{0007}"})), "profile.invalid");
        assert_eq!(mutate(&|v| v["name"] = json!({"de": "x".repeat(1000)})), "profile.invalid");
    }

    #[test]
    fn only_links_the_consent_screen_shows_count_as_shown() {
        let mut v = sample();
        v["client_terms"]["text"]["de"] = serde_json::json!("Fragen an beratung@example.org oder https://example.org/agb");
        let p = OrgProfile::from_json(&v.to_string(), UrlRules::default()).unwrap();
        assert!(p.shows("datenschutz@example.org"), "withdrawal address");
        assert!(p.shows("beratung@example.org"), "an address in the terms");
        assert!(p.shows("https://example.org/agb"));
        assert!(p.shows("https://beratung.example.org/datenschutz"), "a document's URL");
        assert!(!p.shows("https://evil.example/"));
        assert!(!p.shows(""));
    }
}
