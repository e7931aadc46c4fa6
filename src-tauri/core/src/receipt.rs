//! Proof of consent (Art. 7(1) GDPR: the organisation must be able to show
//! that a person consented). One receipt, two copies:
//!
//! - the organisation's, POSTed as JSON to the profile's
//!   `consent_receipt_url` right after the consent (docs/consent-receipts.md);
//! - the client's, a page they save by explicit choice, to keep or print.
//!
//! Neither carries a name, a meeting ID or the invite itself. The invite's
//! SHA-256 ties the receipt to the invite the organisation issued, which the
//! organisation can recompute; nobody else can get the invite back from it.

use serde::Serialize;
use time::{OffsetDateTime, UtcOffset};

use crate::consent::Consent;
use crate::i18n::{t, tf, Lang};
use crate::invite::Invite;
use crate::profile::{Document, OrgProfile};

pub const FORMAT: &str = "sprechzimmer-consent-receipt/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub format: &'static str,
    /// Random; the client's copy shows it, so both copies can be matched.
    pub receipt_id: String,
    pub profile_id: String,
    pub profile_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
    pub documents: Vec<DocumentRecord>,
    /// SHA-256 (hex) of the invite link as issued (`Invite::fingerprint`).
    pub invite_sha256: String,
    pub app: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRecord {
    /// `privacy_notice` or `client_terms`.
    pub role: &'static str,
    pub version: String,
    /// `Document::digest`: SHA-256 of the document's canonical JSON, all
    /// languages; the value the consent was checked against.
    pub sha256: String,
    /// The language the client read it in.
    pub shown_language: String,
}

fn record(role: &'static str, d: &Document, digest: &str, lang: Lang) -> DocumentRecord {
    DocumentRecord { role, version: d.version.clone(), sha256: digest.to_string(), shown_language: d.text.pick(lang).0.to_string() }
}

impl Receipt {
    pub fn new(invite: &Invite, profile: &OrgProfile, consent: &Consent, lang: Lang) -> Receipt {
        Receipt {
            format: FORMAT,
            receipt_id: hex::encode(rand::random::<[u8; 16]>()),
            profile_id: profile.id.clone(),
            profile_url: invite.profile_url.to_string(),
            given_at: consent.given_at.to_offset(UtcOffset::UTC).replace_nanosecond(0).unwrap_or(consent.given_at),
            documents: vec![
                record("privacy_notice", &profile.privacy_notice, &consent.privacy_digest, lang),
                record("client_terms", &profile.client_terms, &consent.terms_digest, lang),
            ],
            invite_sha256: invite.fingerprint.clone(),
            app: format!("Sprechzimmer {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// What the organisation's endpoint receives.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a receipt serialises")
    }

    /// The client's copy: a self-contained page (no script, nothing loaded)
    /// in the client's language, at their clock's offset.
    pub fn page(&self, profile: &OrgProfile, lang: Lang, offset: UtcOffset, delivered: bool) -> String {
        let at = self.given_at.to_offset(offset);
        let two = |n: u8| format!("{n:02}");
        let date = tf(lang, "mail.date", &[("day", &two(at.day())), ("month", &two(at.month() as u8)), ("year", &at.year().to_string())]);
        let time = format!("{}:{}", two(at.hour()), two(at.minute()));
        let (h, m, _) = offset.as_hms();
        let zone = format!("UTC{}{:02}:{:02}", if offset.is_negative() { '-' } else { '+' }, h.unsigned_abs(), m.unsigned_abs());
        let docs = [&profile.privacy_notice, &profile.client_terms];
        let mut items = String::new();
        for (d, r) in docs.iter().zip(&self.documents) {
            let (title_lang, title) = d.title.pick(lang);
            items.push_str(&format!(
                "<li><span lang=\"{}\">{}</span><br><span class=\"digest\">{}</span></li>\n",
                esc(title_lang),
                esc(&tf(lang, "receipt.document", &[("title", title), ("version", &r.version)])),
                esc(&tf(lang, "receipt.digest", &[("digest", &r.sha256)]))
            ));
        }
        let (org_lang, org) = profile.name.pick(lang);
        let (w_lang, withdrawal) = profile.withdrawal.text.pick(lang);
        let contact: Vec<&str> = [profile.withdrawal.email.as_deref(), profile.withdrawal.url.as_deref()].into_iter().flatten().collect();
        let sent = if delivered { format!("<p>{}</p>\n", esc(&t(lang, "receipt.sent"))) } else { String::new() };
        format!(
            "<!doctype html>\n<html lang=\"{lang_attr}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>{title}</title>\n<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}\
             .digest{{font:12px monospace;word-break:break-all;color:#444}}li{{margin:.75rem 0}}</style>\n</head>\n<body>\n\
             <h1>{title}</h1>\n<p>{org_label} <span lang=\"{org_lang}\">{org}</span></p>\n<p>{given}</p>\n<ul>\n{items}</ul>\n\
             <p>{id}</p>\n{sent}<p>{no_name}</p>\n<h2>{withdraw}</h2>\n<p lang=\"{w_lang}\">{withdrawal}</p>\n<p>{contact}</p>\n</body>\n</html>\n",
            lang_attr = lang.base(),
            dir = if lang.is_rtl() { "rtl" } else { "ltr" },
            title = esc(&t(lang, "receipt.title")),
            org_label = esc(&t(lang, "receipt.org")),
            org_lang = esc(org_lang),
            org = esc(org),
            given = esc(&tf(lang, "receipt.given", &[("date", &date), ("time", &time), ("zone", &zone)])),
            items = items,
            id = esc(&tf(lang, "receipt.id", &[("id", &self.receipt_id)])),
            sent = sent,
            no_name = esc(&t(lang, "receipt.no_name")),
            withdraw = esc(&t(lang, "receipt.withdraw")),
            w_lang = esc(w_lang),
            withdrawal = esc(withdrawal).replace('\n', "<br>"),
            contact = esc(&contact.join(" · ")),
        )
    }

    /// `Sprechzimmer-Einwilligung-<date>-<time>`, at the client's offset: no name.
    pub fn file_stem(&self, offset: UtcOffset) -> String {
        let at = self.given_at.to_offset(offset);
        format!("Sprechzimmer-Einwilligung-{:04}-{:02}-{:02}-{:02}{:02}", at.year(), at.month() as u8, at.day(), at.hour(), at.minute())
    }
}

/// Text for HTML (also the device check's page title).
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{grant, ConsentRequest};
    use crate::hosts::UrlRules;
    use time::macros::datetime;

    fn fixture(edit: impl Fn(&mut serde_json::Value)) -> (Invite, OrgProfile, Consent) {
        let mut v = crate::profile::tests::sample();
        edit(&mut v);
        let profile = OrgProfile::from_json(&v.to_string(), UrlRules::default()).unwrap();
        let join = "https://bbb.example.org/bigbluebutton/api/join?fullName=Kim+Klientin&meetingID=m-secret-id&guest=true&checksum=".to_string()
            + &"0".repeat(64);
        let running = "https://bbb.example.org/bigbluebutton/api/isMeetingRunning?meetingID=m-secret-id&checksum=".to_string() + &"0".repeat(64);
        let link = crate::invite::build_bbb_link(
            &url::Url::parse("https://beratung.example.org/p.json").unwrap(),
            &url::Url::parse(&join).unwrap(),
            &url::Url::parse(&running).unwrap(),
            None,
            None,
        );
        let invite = crate::invite::parse(&link, UrlRules::default(), datetime!(2026-12-01 10:00 UTC)).unwrap();
        let req = ConsentRequest {
            session_id: "s".into(),
            privacy_accepted: true,
            terms_accepted: true,
            privacy_digest: profile.privacy_notice.digest(),
            terms_digest: profile.client_terms.digest(),
            display_name: None,
        };
        let consent = grant(&req, "s", &profile, datetime!(2026-12-02 09:41:07.123 UTC)).unwrap();
        (invite, profile, consent)
    }

    #[test]
    fn the_organisations_copy_names_texts_and_invite_but_no_person() {
        let (invite, profile, consent) = fixture(|_| {});
        let r = Receipt::new(&invite, &profile, &consent, Lang::En);
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["profile_id"], "beratung-example");
        assert_eq!(v["given_at"], "2026-12-02T09:41:07Z");
        assert_eq!(v["documents"][0]["role"], "privacy_notice");
        assert_eq!(v["documents"][0]["sha256"], profile.privacy_notice.digest());
        assert_eq!(v["documents"][0]["shown_language"], "en");
        assert_eq!(v["documents"][1]["shown_language"], "de", "the terms exist in German only");
        assert_eq!(v["invite_sha256"], invite.fingerprint);
        assert_eq!(v["receipt_id"].as_str().unwrap().len(), 32);
        let json = r.to_json();
        for secret in ["Kim", "Klientin", "m-secret-id", "checksum", "join"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        assert_ne!(Receipt::new(&invite, &profile, &consent, Lang::En).receipt_id, r.receipt_id, "each receipt its own id");
    }

    #[test]
    fn the_clients_copy_reads_in_their_language_and_time() {
        let (invite, profile, consent) = fixture(|v| v["name"]["de"] = serde_json::json!("Beratung <Süd> & \"Nord\""));
        let r = Receipt::new(&invite, &profile, &consent, Lang::De);
        let page = r.page(&profile, Lang::De, UtcOffset::from_hms(1, 0, 0).unwrap(), true);
        assert!(page.contains("02.12.2026") && page.contains("10:41") && page.contains("UTC+01:00"), "{page}");
        assert!(page.contains("Beratung &lt;Süd&gt; &amp; &quot;Nord&quot;"), "escaped: {page}");
        assert!(page.contains(&r.receipt_id) && page.contains(&profile.privacy_notice.digest()));
        assert!(page.contains("Fassung 2026-01"), "{page}");
        assert!(!page.contains("Kim") && !page.contains("m-secret-id") && !page.contains(&invite.fingerprint));
        assert!(!page.contains("<script") && page.contains("default-src 'none'"));
        assert!(page.contains(&t(Lang::De, "receipt.sent")));
        assert!(!r.page(&profile, Lang::De, UtcOffset::UTC, false).contains(&t(Lang::De, "receipt.sent")));
        let ar = r.page(&profile, Lang::Ar, UtcOffset::UTC, false);
        assert!(ar.contains("dir=\"rtl\"") && ar.contains("lang=\"de\""), "the German texts marked as German");
        assert_eq!(r.file_stem(UtcOffset::from_hms(1, 0, 0).unwrap()), "Sprechzimmer-Einwilligung-2026-12-02-1041");
    }
}
