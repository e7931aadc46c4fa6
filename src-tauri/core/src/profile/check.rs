//! `sprechzimmer org check`: the app's own reading of a profile, with every
//! problem at its field path (`privacy_notice.text.de`, `meeting_hosts[1]`),
//! plus warnings about what clients would miss.
//!
//! [`OrgProfile::from_json`] is [`check`] keeping the first error, so the
//! tool and the app cannot disagree about what is valid. Messages are
//! English, like `sprechzimmer policy`: they are for the organisation's IT.

use serde::Serialize;
use serde_json::Value;

use super::{is_plausible_email, OrgProfile, ProfileError, MAX_PROFILE_BYTES, SCHEMA_VERSION};
use crate::hosts::{self, UrlRules};

/// A comment an organisation may put in any object of its profile (the
/// JSON Schema convention); `org init` explains every field with one.
pub const COMMENT_KEY: &str = "$comment";

/// The top-level fields this app reads; any other is ignored, and warned of
/// (a typo such as `suport` would silently drop the support contact).
const TOP_LEVEL: &[&str] = &[
    "schema",
    "id",
    "name",
    "privacy_notice",
    "client_terms",
    "counsellor_terms",
    "withdrawal",
    "meeting_hosts",
    "providers",
    "support",
    "accessibility_feedback",
    "invite_page",
    "install_url",
    "consent_receipt_url",
    "consent_receipt_required",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The app refuses the profile.
    Error,
    /// The app takes it, but clients would miss something.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Where, as a path into the JSON (`support.phone`); empty for the whole file.
    pub path: String,
    /// Stable, for scripts: `empty`, `url`, `no_support`, …
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl Finding {
    /// The error the app reports for a profile this finding refuses.
    pub(super) fn into_error(self) -> ProfileError {
        match self.code {
            "schema_unsupported" => ProfileError::UnsupportedVersion,
            "not_json" | "not_object" | "too_big" | "schema_missing" | "shape" => ProfileError::Malformed,
            _ => ProfileError::Invalid(self.path),
        }
    }
}

/// What `check` found, errors first, in the order of the file's fields.
#[derive(Debug, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The profile as the app reads it, when it deserialised.
    #[serde(skip)]
    pub profile: Option<OrgProfile>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Warning)
    }

    /// The app takes this profile.
    pub fn is_valid(&self) -> bool {
        self.profile.is_some() && self.errors().next().is_none()
    }
}

#[derive(Debug, Default)]
pub(super) struct Findings(Vec<Finding>);

impl Findings {
    pub(super) fn error(&mut self, path: &str, code: &'static str, message: String) {
        self.0.push(Finding { severity: Severity::Error, path: path.to_string(), code, message });
    }

    fn warn(&mut self, path: &str, code: &'static str, message: String) {
        self.0.push(Finding { severity: Severity::Warning, path: path.to_string(), code, message });
    }

    pub(super) fn url(&mut self, path: &str, url: &str, rules: UrlRules) {
        if let Err(p) = hosts::check_remote_url(url, rules) {
            self.error(path, "url", format!("is not an address the app opens ({p}): https, a public server name, no password"));
        }
    }

    pub(super) fn email(&mut self, path: &str, e: &str) {
        if !is_plausible_email(e) {
            self.error(path, "email", format!("\"{e}\" is not an e-mail address"));
        }
    }
}

/// Reads a profile exactly as the app does and reports every problem.
pub fn check(body: &str, rules: UrlRules) -> Report {
    let mut f = Findings::default();
    let profile = read(body, rules, &mut f);
    if let Some(p) = &profile {
        if f.0.iter().all(|x| x.severity == Severity::Warning) {
            warnings(p, &mut f);
        }
    }
    f.0.sort_by_key(|x| x.severity == Severity::Warning);
    Report { findings: f.0, profile }
}

fn read(body: &str, rules: UrlRules, f: &mut Findings) -> Option<OrgProfile> {
    if body.len() as u64 > MAX_PROFILE_BYTES {
        f.error("", "too_big", format!("is {} bytes; the app reads at most {MAX_PROFILE_BYTES}", body.len()));
        return None;
    }
    let mut value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            f.error("", "not_json", format!("is not JSON: {e}"));
            return None;
        }
    };
    let Some(obj) = value.as_object() else {
        f.error("", "not_object", "must be a JSON object: { \"schema\": 1, … }".into());
        return None;
    };
    match obj.get("schema") {
        Some(v) if v.as_u64() == Some(SCHEMA_VERSION as u64) => {}
        Some(v) if v.is_u64() => {
            f.error("schema", "schema_unsupported", format!("is {v}; this app reads schema {SCHEMA_VERSION}"));
            return None;
        }
        _ => {
            f.error("schema", "schema_missing", format!("must be the number {SCHEMA_VERSION}"));
            return None;
        }
    }
    for key in obj.keys().filter(|k| !TOP_LEVEL.contains(&k.as_str()) && *k != COMMENT_KEY) {
        f.warn(key, "unknown_field", "is not a field this app reads and is ignored (a typo?)".into());
    }
    strip_comments(&mut value);
    let profile: OrgProfile = match serde_path_to_error::deserialize(value) {
        Ok(p) => p,
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            if path.starts_with("meeting_hosts[") {
                f.error(
                    &path,
                    "host",
                    "is not a host name the app accepts: \"meet.example.org\" or \"*.example.org\", without https:// or a port".into(),
                );
            } else {
                f.error(&path, "shape", format!("does not have the expected form: {}", e.inner()));
            }
            return None;
        }
    };
    profile.validate(rules, f);
    Some(profile)
}

fn strip_comments(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove(COMMENT_KEY);
            m.values_mut().for_each(strip_comments);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_comments),
        _ => {}
    }
}

/// Words a privacy notice uses when it says how long data is kept.
const RETENTION_WORDS: &[&str] = &[
    "gelöscht",
    "löschen",
    "löschung",
    "speicherdauer",
    "aufbewahr",
    "gespeichert bis",
    "delete",
    "erase",
    "retain",
    "retention",
    "stored for",
    "kept for",
];

/// Example domains (RFC 2606) a starter profile still names.
fn is_placeholder(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    ["example.org", "example.com", "example.net"].iter().any(|d| s.contains(d))
}

fn warnings(p: &OrgProfile, f: &mut Findings) {
    let texts = [
        ("name", &p.name),
        ("privacy_notice.title", &p.privacy_notice.title),
        ("privacy_notice.text", &p.privacy_notice.text),
        ("client_terms.title", &p.client_terms.title),
        ("client_terms.text", &p.client_terms.text),
        ("withdrawal.text", &p.withdrawal.text),
    ];
    let mut all: Vec<&str> = texts.iter().flat_map(|(_, l)| l.languages()).collect();
    all.sort_unstable();
    all.dedup();
    for (path, l) in texts {
        let missing: Vec<&str> = all.iter().copied().filter(|lang| !l.0.contains_key(*lang)).collect();
        if !missing.is_empty() {
            let list = missing.join(", ");
            f.warn(
                path,
                "missing_language",
                format!("has no text in {list}, which other parts of the profile have; clients reading {list} see German here"),
            );
        }
    }
    if p.withdrawal.email.is_none() && p.withdrawal.url.is_none() {
        f.warn("withdrawal", "no_withdrawal_contact", "names no \"email\" or \"url\": clients read how to withdraw consent, but not where".into());
    }
    if p.support.as_ref().is_none_or(|s| s.phone.is_none() && s.email.is_none()) {
        f.warn("support", "no_support", "names no phone or e-mail: the waiting room and error screens cannot say whom to ask for help".into());
    }
    let states_retention = p.privacy_notice.text.0.values().any(|t| {
        let t = t.to_lowercase();
        RETENTION_WORDS.iter().any(|w| t.contains(w))
    });
    if !states_retention {
        f.warn(
            "privacy_notice.text",
            "no_retention",
            "does not seem to say how long data is kept (Art. 13(2)(a) GDPR); no word such as \"gelöscht\", \"Speicherdauer\", \"deleted\" or \"retention\" was found".into(),
        );
    }
    if p.install_url.is_none() {
        f.warn("install_url", "no_install_url", "is missing: invitations and the invite page cannot say where to get the app".into());
    }
    if p.counsellor_terms.is_none() {
        f.warn(
            "counsellor_terms",
            "no_counsellor_terms",
            "is missing: counsellors cannot start sessions with this profile until it has terms for them".into(),
        );
    }
    for (i, h) in p.meeting_hosts.iter().enumerate() {
        if is_placeholder(&h.to_string()) {
            f.warn(&format!("meeting_hosts[{i}]"), "placeholder", "is an example domain: put in your meeting server's name".into());
        }
    }
    let contacts = [
        ("withdrawal.email", p.withdrawal.email.as_deref()),
        ("withdrawal.url", p.withdrawal.url.as_deref()),
        ("privacy_notice.url", p.privacy_notice.url.as_deref()),
        ("client_terms.url", p.client_terms.url.as_deref()),
        ("support.email", p.support.as_ref().and_then(|s| s.email.as_deref())),
        ("accessibility_feedback.email", p.accessibility_feedback.as_ref().and_then(|s| s.email.as_deref())),
        ("accessibility_feedback.url", p.accessibility_feedback.as_ref().and_then(|s| s.url.as_deref())),
        ("invite_page", p.invite_page.as_deref()),
        ("install_url", p.install_url.as_deref()),
        ("consent_receipt_url", p.consent_receipt_url.as_deref()),
    ];
    for (path, v) in contacts {
        if v.is_some_and(is_placeholder) {
            f.warn(path, "placeholder", "is an example address: put in your organisation's".into());
        }
    }
}

/// The profile `sprechzimmer org init` writes: every field, each explained.
pub const STARTER: &str = include_str!("starter.json");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::sample;
    use serde_json::json;

    const RULES: UrlRules = UrlRules { allow_loopback_http: false };

    fn errors(v: &Value) -> Vec<(String, &'static str)> {
        check(&v.to_string(), RULES).errors().map(|f| (f.path.clone(), f.code)).collect()
    }

    fn mutated(f: impl Fn(&mut Value)) -> Vec<(String, &'static str)> {
        let mut v = sample();
        f(&mut v);
        errors(&v)
    }

    fn e(path: &str, code: &'static str) -> Vec<(String, &'static str)> {
        vec![(path.to_string(), code)]
    }

    #[test]
    fn each_problem_is_named_at_its_field() {
        assert_eq!(mutated(|v| v["privacy_notice"]["text"]["de"] = json!("  ")), e("privacy_notice.text.de", "empty"));
        assert_eq!(mutated(|v| v["privacy_notice"]["text"] = json!({"fr": "Nous …"})), e("privacy_notice.text", "no_base_language"));
        assert_eq!(mutated(|v| v["name"]["DE"] = json!("x")), e("name.DE", "language_code"));
        assert_eq!(mutated(|v| v["name"]["de"] = json!("x".repeat(301))), e("name.de", "too_long"));
        assert_eq!(mutated(|v| v["name"]["de"] = json!("a\u{7}")), e("name.de", "control"));
        assert_eq!(mutated(|v| v["client_terms"]["version"] = json!("")), e("client_terms.version", "version"));
        assert_eq!(mutated(|v| v["privacy_notice"]["url"] = json!("http://example.org/ds")), e("privacy_notice.url", "url"));
        assert_eq!(mutated(|v| v["withdrawal"]["email"] = json!("nobody")), e("withdrawal.email", "email"));
        assert_eq!(mutated(|v| v["support"]["phone"] = json!("ring ring")), e("support.phone", "phone"));
        assert_eq!(mutated(|v| v["accessibility_feedback"] = json!({})), e("accessibility_feedback", "feedback_empty"));
        assert_eq!(mutated(|v| v["meeting_hosts"] = json!([])), e("meeting_hosts", "hosts_count"));
        assert_eq!(mutated(|v| v["meeting_hosts"] = json!(["bbb.example.org", "https://x.example.org/"])), e("meeting_hosts[1]", "host"));
        assert_eq!(mutated(|v| v["providers"] = json!([])), e("providers", "providers_empty"));
        assert_eq!(mutated(|v| v["id"] = json!("a b")), e("id", "id"));
        assert_eq!(mutated(|v| v["invite_page"] = json!("https://beratung.example.org/join.html#x")), e("invite_page", "invite_page"));
        assert_eq!(mutated(|v| v["invite_page"] = json!("http://beratung.example.org/join.html")), e("invite_page", "url"));
        assert_eq!(mutated(|v| v["install_url"] = json!("ftp://beratung.example.org/app")), e("install_url", "url"));
        assert_eq!(mutated(|v| v["consent_receipt_required"] = json!(true)), e("consent_receipt_required", "receipt_without_url"));
        assert_eq!(mutated(|v| v["consent_receipt_url"] = json!("http://beratung.example.org/r")), e("consent_receipt_url", "url"));
        // Several at once, all reported, in the file's order.
        let many = mutated(|v| {
            v["id"] = json!("");
            v["support"]["email"] = json!("x");
            v["client_terms"]["text"]["de"] = json!("");
        });
        assert_eq!(
            many,
            vec![("id".into(), "id"), ("client_terms.text.de".into(), "empty"), ("support.email".into(), "email")],
            "every error, not just the first"
        );
    }

    #[test]
    fn structure_problems_carry_their_path() {
        assert_eq!(mutated(|v| v["privacy_notice"]["script"] = json!("x")), e("privacy_notice.script", "shape"));
        let r = check(
            &{
                let mut v = sample();
                v["privacy_notice"]["script"] = json!("x");
                v
            }
            .to_string(),
            RULES,
        );
        assert!(r.findings[0].message.contains("unknown field `script`"), "{:?}", r.findings);
        assert_eq!(mutated(|v| v["support"]["phone"] = json!(42)), e("support.phone", "shape"));
        assert_eq!(mutated(|v| v["providers"] = json!(["zoom"])), e("providers[0]", "shape"));
        assert_eq!(
            mutated(|v| {
                v.as_object_mut().unwrap().remove("client_terms");
            }),
            e("", "shape")
        );
        assert_eq!(mutated(|v| v["schema"] = json!(2)), e("schema", "schema_unsupported"));
        assert_eq!(mutated(|v| v["schema"] = json!("1")), e("schema", "schema_missing"));
        assert_eq!(errors(&json!([1])), e("", "not_object"));
        let r = check("{\"schema\": 1,", RULES);
        assert_eq!((r.findings[0].code, r.findings.len()), ("not_json", 1));
        assert!(r.findings[0].message.contains("line 1"), "says where: {}", r.findings[0].message);
        assert_eq!(check(&" ".repeat(MAX_PROFILE_BYTES as usize + 1), RULES).findings[0].code, "too_big");
    }

    #[test]
    fn the_app_refuses_exactly_what_check_calls_an_error() {
        let cases: Vec<Value> = vec![
            {
                let mut v = sample();
                v["support"]["phone"] = json!("ring");
                v
            },
            {
                let mut v = sample();
                v["schema"] = json!(7);
                v
            },
            {
                let mut v = sample();
                v["privacy_notice"]["extra"] = json!(1);
                v
            },
            sample(),
        ];
        for v in cases {
            let r = check(&v.to_string(), RULES);
            let app = OrgProfile::from_json(&v.to_string(), RULES);
            assert_eq!(r.is_valid(), app.is_ok(), "{v}");
            if let Some(first) = r.errors().next() {
                assert_eq!(app.unwrap_err(), first.clone().into_error());
            };
        }
    }

    #[test]
    fn warnings_name_what_clients_would_miss() {
        let codes = |v: &Value| check(&v.to_string(), RULES).warnings().map(|f| (f.path.clone(), f.code)).collect::<Vec<_>>();
        let mut v = sample();
        v["privacy_notice"]["text"] = json!({"de": "Wir verarbeiten Ihren Namen.", "en": "We process your name."});
        v["withdrawal"] = json!({"text": {"de": "Sie können widerrufen."}});
        v.as_object_mut().unwrap().remove("support");
        v["suport"] = json!({"phone": "123"});
        let w = codes(&v);
        for want in [
            ("suport", "unknown_field"),
            ("withdrawal", "no_withdrawal_contact"),
            ("support", "no_support"),
            ("privacy_notice.text", "no_retention"),
            ("withdrawal.text", "missing_language"),
            ("client_terms.text", "missing_language"),
            ("counsellor_terms", "no_counsellor_terms"),
            ("install_url", "no_install_url"),
            ("meeting_hosts[0]", "placeholder"),
        ] {
            assert!(w.contains(&(want.0.to_string(), want.1)), "{want:?} in {w:?}");
        }
        assert!(check(&v.to_string(), RULES).is_valid(), "warnings do not refuse");
        // A profile that says all of it gets no such warning.
        let mut good = sample();
        good["privacy_notice"]["text"] = json!({"de": "Daten werden nach der Beratung gelöscht."});
        good["counsellor_terms"] = good["client_terms"].clone();
        good["install_url"] = json!("https://beratung.example.org/app");
        good.as_object_mut().unwrap().remove("future_field");
        good["name"] = json!({"de": "Beratung"});
        good["privacy_notice"]["title"] = json!({"de": "Datenschutz"});
        let w = codes(&good);
        for gone in ["no_retention", "no_withdrawal_contact", "no_support", "no_counsellor_terms", "missing_language", "unknown_field"] {
            assert!(!w.iter().any(|(_, c)| *c == gone), "{gone} in {w:?}");
        }
        assert!(w.iter().all(|(_, c)| *c == "placeholder"), "{w:?}");
        // Each seed of a real service states its retention period.
        for seed in ["Die Daten werden nach spätestens sieben Tagen gelöscht.", "Your data is deleted after the session."] {
            let mut v = sample();
            v["privacy_notice"]["text"] = json!({"de": seed});
            assert!(!codes(&v).iter().any(|(_, c)| *c == "no_retention"), "{seed}");
        }
    }

    #[test]
    fn comments_are_allowed_anywhere_and_change_nothing() {
        let mut v = sample();
        v[COMMENT_KEY] = json!("Who runs this");
        v["name"][COMMENT_KEY] = json!("In each language");
        v["support"][COMMENT_KEY] = json!("Shown in the waiting room");
        let with = OrgProfile::from_json(&v.to_string(), RULES).unwrap();
        let without = OrgProfile::from_json(&sample().to_string(), RULES).unwrap();
        assert_eq!(with, without);
        assert_eq!(with.privacy_notice.digest(), without.privacy_notice.digest(), "comments are not consented to");
        assert!(check(&v.to_string(), RULES).warnings().all(|f| f.code != "unknown_field" || f.path == "future_field"));
    }

    #[test]
    fn the_starter_profile_is_valid_and_only_asks_for_real_addresses() {
        let r = check(STARTER, RULES);
        assert!(r.is_valid(), "{:?}", r.findings);
        assert!(r.warnings().all(|f| f.code == "placeholder"), "{:?}", r.findings);
        assert!(r.warnings().next().is_some(), "the example domains are pointed out");
        // Every field this app reads is in it, each explained.
        let v: Value = serde_json::from_str(STARTER).unwrap();
        for key in TOP_LEVEL {
            assert!(v.get(key).is_some(), "{key} is in the starter");
        }
        let explained = |o: &Value| o.get(COMMENT_KEY).and_then(Value::as_str).is_some_and(|c| c.len() > 20);
        assert!(explained(&v));
        for key in TOP_LEVEL.iter().filter(|k| v[**k].is_object()) {
            assert!(explained(&v[*key]), "{key} is explained");
        }
    }

    #[test]
    fn every_field_the_app_reads_is_known() {
        let mut v = sample();
        v["counsellor_terms"] = v["client_terms"].clone();
        v["invite_page"] = json!("https://beratung.example.org/join.html");
        v["install_url"] = json!("https://beratung.example.org/app");
        v["consent_receipt_url"] = json!("https://beratung.example.org/receipts");
        v["consent_receipt_required"] = json!(true);
        let p = OrgProfile::from_json(&v.to_string(), RULES).unwrap();
        let written = serde_json::to_value(&p).unwrap();
        let mut keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        let mut known = TOP_LEVEL.to_vec();
        keys.sort_unstable();
        known.sort_unstable();
        assert_eq!(keys, known);
    }
}
