//! The consent gate. The UI's checkboxes are a courtesy; this is the check.
//! A consent is valid only for one opened invite and for the exact texts
//! (by digest) that were shown.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::profile::OrgProfile;

/// What the consent screen sends. Digests echo what it displayed, so a text
/// that changed in between is caught.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsentRequest {
    pub session_id: String,
    pub privacy_accepted: bool,
    pub terms_accepted: bool,
    pub privacy_digest: String,
    pub terms_digest: String,
    /// The name to appear under, where the client chooses it (Jitsi).
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub session_id: String,
    pub privacy_digest: String,
    pub terms_digest: String,
    pub given_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("both the privacy notice and the terms must be accepted")]
    Missing,
    #[error("the texts changed since they were shown")]
    Outdated,
    #[error("the consent belongs to another invite")]
    WrongSession,
}

impl ConsentError {
    pub fn code(self) -> &'static str {
        match self {
            ConsentError::Missing => "consent.required",
            ConsentError::Outdated => "consent.outdated",
            ConsentError::WrongSession => "consent.wrong_session",
        }
    }
}

/// Grants consent for `session_id` if the request accepts both current texts.
pub fn grant(req: &ConsentRequest, session_id: &str, profile: &OrgProfile, now: OffsetDateTime) -> Result<Consent, ConsentError> {
    if req.session_id != session_id {
        return Err(ConsentError::WrongSession);
    }
    if !(req.privacy_accepted && req.terms_accepted) {
        return Err(ConsentError::Missing);
    }
    let privacy = profile.privacy_notice.digest();
    let terms = profile.client_terms.digest();
    if req.privacy_digest != privacy || req.terms_digest != terms {
        return Err(ConsentError::Outdated);
    }
    Ok(Consent { session_id: session_id.to_string(), privacy_digest: privacy, terms_digest: terms, given_at: now })
}

/// Re-checks a consent already held against the profile it must still match.
pub fn still_valid(c: &Consent, session_id: &str, profile: &OrgProfile) -> Result<(), ConsentError> {
    if c.session_id != session_id {
        return Err(ConsentError::WrongSession);
    }
    if c.privacy_digest != profile.privacy_notice.digest() || c.terms_digest != profile.client_terms.digest() {
        return Err(ConsentError::Outdated);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;
    use time::macros::datetime;

    fn profile() -> OrgProfile {
        OrgProfile::from_json(&crate::profile::tests::sample().to_string(), UrlRules::default()).unwrap()
    }

    fn req(p: &OrgProfile, privacy: bool, terms: bool) -> ConsentRequest {
        ConsentRequest {
            session_id: "s1".into(),
            privacy_accepted: privacy,
            terms_accepted: terms,
            privacy_digest: p.privacy_notice.digest(),
            terms_digest: p.client_terms.digest(),
            display_name: None,
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    #[test]
    fn both_boxes_are_required() {
        let p = profile();
        assert_eq!(grant(&req(&p, false, false), "s1", &p, NOW), Err(ConsentError::Missing));
        assert_eq!(grant(&req(&p, true, false), "s1", &p, NOW), Err(ConsentError::Missing));
        assert_eq!(grant(&req(&p, false, true), "s1", &p, NOW), Err(ConsentError::Missing));
        let c = grant(&req(&p, true, true), "s1", &p, NOW).unwrap();
        assert_eq!(c.given_at, NOW);
        assert!(still_valid(&c, "s1", &p).is_ok());
    }

    #[test]
    fn consent_is_bound_to_texts_and_invite() {
        let p = profile();
        let mut r = req(&p, true, true);
        r.terms_digest = "0".repeat(64);
        assert_eq!(grant(&r, "s1", &p, NOW), Err(ConsentError::Outdated));
        assert_eq!(grant(&req(&p, true, true), "s2", &p, NOW), Err(ConsentError::WrongSession));

        let c = grant(&req(&p, true, true), "s1", &p, NOW).unwrap();
        let mut changed = p.clone();
        changed.privacy_notice.text.0.insert("de".into(), "Neuer Text".into());
        assert_eq!(still_valid(&c, "s1", &changed), Err(ConsentError::Outdated));
        assert_eq!(still_valid(&c, "s2", &p), Err(ConsentError::WrongSession));
    }
}
