//! The counsellor's side: one account (organisation profile, meeting
//! service and its access) and the counsellor's consent, kept in
//! `counsellor.json` without any secret; the secret itself lives only in
//! the OS credential store (`secrets`). Starting and ending sessions is in
//! `start`.

pub mod bookings;
pub mod invitation;
pub mod secrets;
pub mod start;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::hosts::{self, UrlRules};
use crate::profile::OrgProfile;

pub const FILE_NAME: &str = "counsellor.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum Access {
    /// The BBB API base, e.g. `https://bbb.example.org/bigbluebutton/api/`
    /// (or a Scalelite tenant's). Its shared secret is in the keyring.
    Bbb { api: Url },
    /// A Jitsi Meet server; with `jwt_app_id`, rooms get tokens signed with
    /// the app secret from the keyring.
    Jitsi { server: Url, jwt_app_id: Option<String> },
}

impl Access {
    /// The keyring entry's name: which service and host the secret is for.
    pub fn secret_name(&self) -> String {
        match self {
            Access::Bbb { api } => format!("bbb:{}", crate::hosts::host_with_port(api)),
            Access::Jitsi { server, .. } => format!("jitsi:{}", crate::hosts::host_with_port(server)),
        }
    }

    pub fn needs_secret(&self) -> bool {
        match self {
            Access::Bbb { .. } => true,
            Access::Jitsi { jwt_app_id, .. } => jwt_app_id.is_some(),
        }
    }

    pub fn host_url(&self) -> &Url {
        match self {
            Access::Bbb { api } => api,
            Access::Jitsi { server, .. } => server,
        }
    }

    pub fn kind(&self) -> crate::provider::ProviderKind {
        match self {
            Access::Bbb { .. } => crate::provider::ProviderKind::Bbb,
            Access::Jitsi { .. } => crate::provider::ProviderKind::Jitsi,
        }
    }
}

/// What the counsellor agreed to, by text version: asked again when a text
/// changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRecord {
    pub privacy_digest: String,
    pub terms_digest: String,
    pub privacy_version: String,
    pub terms_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub given_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub profile: Url,
    pub access: Access,
    /// Shown to clients in the meeting; a role is fine ("Beratung").
    pub display_name: String,
    #[serde(default)]
    pub consent: Option<ConsentRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum CounsellorError {
    #[error("no counsellor account is set up")]
    NotSetUp,
    #[error("the account file is damaged")]
    Damaged,
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    #[error("the secret is missing from the credential store")]
    SecretMissing,
    #[error("the credential store is not available")]
    Keyring,
    #[error("the server refused the secret")]
    WrongSecret,
    #[error("the meeting server or service is not one the organisation lists")]
    NotInProfile,
    #[error("the organisation has no terms for counsellors")]
    NoCounsellorTerms,
    #[error("the counsellor has not accepted the current texts")]
    ConsentRequired,
    #[error("a session is already running")]
    Busy,
    #[error("no session is running")]
    NoSession,
    #[error("counsellor features are switched off by policy")]
    Disabled,
    #[error("the clipboard is not available")]
    Clipboard,
    #[error("the session has no appointment")]
    NoAppointment,
    #[error("the bookings file cannot be read")]
    BookingsDamaged,
    #[error("no such booking")]
    NoBooking,
    #[error("the calendar file could not be written")]
    CalendarFailed,
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    #[error("could not write the account file: {0}")]
    Io(#[from] std::io::Error),
}

impl CounsellorError {
    pub fn code(&self) -> &'static str {
        match self {
            CounsellorError::NotSetUp => "counsellor.not_set_up",
            CounsellorError::Damaged => "counsellor.damaged",
            CounsellorError::Invalid(_) => "counsellor.invalid",
            CounsellorError::SecretMissing => "counsellor.secret_missing",
            CounsellorError::Keyring => "counsellor.keyring",
            CounsellorError::WrongSecret => "counsellor.wrong_secret",
            CounsellorError::NotInProfile => "counsellor.not_in_profile",
            CounsellorError::NoCounsellorTerms => "counsellor.no_terms",
            CounsellorError::ConsentRequired => "counsellor.consent_required",
            CounsellorError::Busy => "session.busy",
            CounsellorError::NoSession => "counsellor.no_session",
            CounsellorError::Disabled => "counsellor.disabled",
            CounsellorError::Clipboard => "counsellor.clipboard",
            CounsellorError::NoAppointment => "counsellor.no_appointment",
            CounsellorError::BookingsDamaged => "counsellor.bookings_damaged",
            CounsellorError::NoBooking => "counsellor.no_booking",
            CounsellorError::CalendarFailed => "counsellor.calendar_failed",
            CounsellorError::Provider(e) => e.code(),
            CounsellorError::Profile(e) => e.code(),
            CounsellorError::Io(_) => "counsellor.write_failed",
        }
    }
}

/// Everything setup checks before it stores anything: the organisation
/// lists the server and service, and the server takes the secret. Then the
/// secret goes to the credential store (replacing an earlier account's) and
/// the rest to the account file.
pub async fn set_up(http: &crate::net::Http, rules: UrlRules, file: &Path, mut account: Account, secret: &str) -> Result<Account, CounsellorError> {
    let p = crate::profile::fetch(http, &account.profile, rules).await?;
    account.check_profile(&p)?;
    let secret = secret.trim();
    if account.access.needs_secret() {
        if secret.is_empty() {
            return Err(CounsellorError::Invalid("secret"));
        }
        if let Access::Bbb { api } = &account.access {
            start::check_bbb_secret(http, api, secret).await?;
        }
    }
    let old = Account::load(file).ok();
    if let Some(old) = &old {
        secrets::delete(&secrets::entry(&old.access.secret_name())?)?;
        // A consent for the same organisation's texts still holds.
        if old.profile == account.profile {
            account.consent = old.consent.clone();
        }
    }
    if account.access.needs_secret() {
        secrets::store(&secrets::entry(&account.access.secret_name())?, secret)?;
    }
    account.save(file)?;
    Ok(account)
}

/// Whether the counsellor's tray is wanted: counsellor features on and an
/// access set up. The full app and the tray agent ask the same.
pub fn tray_wanted(setup: &crate::settings::Setup) -> bool {
    setup.settings.counsellor_mode && setup.user_file.as_ref().and_then(|f| f.parent()).is_some_and(|d| Account::load(&Account::file_in(d)).is_ok())
}

/// Deletes the account and its secret.
pub fn remove(file: &Path) -> Result<(), CounsellorError> {
    let account = Account::load(file)?;
    secrets::delete(&secrets::entry(&account.access.secret_name())?)?;
    // The access's bookings and their key go with it.
    if let Some(dir) = file.parent() {
        bookings::Bookings::in_dir(dir, &bookings::CredentialStore).remove_all()?;
    }
    std::fs::remove_file(file)?;
    Ok(())
}

impl Account {
    pub fn file_in(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Checks the addresses: https (loopback http only in demo/test
    /// builds), no credentials, no look-alikes.
    pub fn new(profile: &str, access: Access, display_name: &str, rules: UrlRules) -> Result<Account, CounsellorError> {
        let profile = hosts::check_remote_url(profile, rules).map_err(|_| CounsellorError::Invalid("profile"))?;
        let access = match access {
            Access::Bbb { api } => {
                let mut api = hosts::check_remote_url(api.as_str(), rules).map_err(|_| CounsellorError::Invalid("bbb"))?;
                if api.query().is_some() || api.fragment().is_some() {
                    return Err(CounsellorError::Invalid("bbb"));
                }
                // `…/api` and `…/api/` name the same base.
                let path = api.path().trim_end_matches('/').to_string();
                api.set_path(&format!("{path}/"));
                Access::Bbb { api }
            }
            Access::Jitsi { server, jwt_app_id } => {
                let mut server = hosts::check_remote_url(server.as_str(), rules).map_err(|_| CounsellorError::Invalid("jitsi"))?;
                server.set_path("/");
                server.set_query(None);
                server.set_fragment(None);
                let jwt_app_id = jwt_app_id.filter(|id| !id.trim().is_empty());
                if let Some(id) = &jwt_app_id {
                    let ok = id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                    if !ok {
                        return Err(CounsellorError::Invalid("jwt_app_id"));
                    }
                }
                Access::Jitsi { server, jwt_app_id }
            }
        };
        let display_name = display_name.trim();
        let n = display_name.chars().count();
        if !(1..=64).contains(&n) || display_name.chars().any(char::is_control) {
            return Err(CounsellorError::Invalid("display_name"));
        }
        Ok(Account { profile, access, display_name: display_name.to_string(), consent: None })
    }

    /// The organisation must stand behind this server and service, or its
    /// clients' apps would refuse the invites.
    pub fn check_profile(&self, p: &OrgProfile) -> Result<(), CounsellorError> {
        let listed = hosts::any_matches(&p.meeting_hosts, self.access.host_url());
        if !listed || !p.providers.contains(&self.access.kind()) {
            return Err(CounsellorError::NotInProfile);
        }
        Ok(())
    }

    /// The consent still covers the organisation's current texts.
    pub fn consent_valid(&self, p: &OrgProfile) -> bool {
        match (&self.consent, &p.counsellor_terms) {
            (Some(c), Some(terms)) => c.privacy_digest == p.privacy_notice.digest() && c.terms_digest == terms.digest(),
            _ => false,
        }
    }

    /// Records the consent for exactly the texts whose digests the screen
    /// showed.
    pub fn give_consent(&mut self, p: &OrgProfile, privacy_digest: &str, terms_digest: &str, now: OffsetDateTime) -> Result<(), CounsellorError> {
        let terms = p.counsellor_terms.as_ref().ok_or(CounsellorError::NoCounsellorTerms)?;
        if privacy_digest != p.privacy_notice.digest() || terms_digest != terms.digest() {
            return Err(CounsellorError::ConsentRequired);
        }
        self.consent = Some(ConsentRecord {
            privacy_digest: privacy_digest.to_string(),
            terms_digest: terms_digest.to_string(),
            privacy_version: p.privacy_notice.version.clone(),
            terms_version: terms.version.clone(),
            given_at: now,
        });
        Ok(())
    }

    pub fn load(file: &Path) -> Result<Account, CounsellorError> {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CounsellorError::NotSetUp),
            Err(e) => return Err(e.into()),
        };
        serde_json::from_slice(&bytes).map_err(|_| CounsellorError::Damaged)
    }

    pub fn save(&self, file: &Path) -> Result<(), CounsellorError> {
        crate::private_file::write(file, &serde_json::to_vec_pretty(self).expect("account serialises"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn bbb() -> Account {
        Account::new(
            "https://beratung.example.org/profile.json",
            Access::Bbb { api: u("https://bbb.example.org/bigbluebutton/api") },
            "Beratung Team Nord",
            UrlRules::default(),
        )
        .unwrap()
    }

    #[test]
    fn account_file_round_trip_holds_no_secret() {
        let t = tempfile::tempdir().unwrap();
        let f = Account::file_in(t.path());
        let a = bbb();
        assert_eq!(a.access.host_url().as_str(), "https://bbb.example.org/bigbluebutton/api/");
        a.save(&f).unwrap();
        assert_eq!(Account::load(&f).unwrap(), a);
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.to_lowercase().contains("secret"), "{text}");
        assert_eq!(a.access.secret_name(), "bbb:bbb.example.org");
        assert!(matches!(Account::load(&t.path().join("none.json")), Err(CounsellorError::NotSetUp)));
        std::fs::write(&f, "{").unwrap();
        assert!(matches!(Account::load(&f), Err(CounsellorError::Damaged)));
    }

    #[test]
    fn bad_input_is_refused() {
        let r = UrlRules::default();
        let bbb = |s: &str| Access::Bbb { api: u(s) };
        let p = "https://beratung.example.org/p.json";
        assert!(Account::new("http://beratung.example.org/p.json", bbb("https://bbb.example.org/api"), "B", r).is_err());
        assert!(Account::new(p, bbb("https://user:pw@bbb.example.org/api"), "B", r).is_err());
        assert!(Account::new(p, bbb("https://bbb.example.org/api?checksum=x"), "B", r).is_err());
        assert!(Account::new(p, bbb("https://bbb.example.org/api"), "", r).is_err());
        assert!(Account::new(p, bbb("https://bbb.example.org/api"), &"x".repeat(65), r).is_err());
        let jitsi = |id: &str| Access::Jitsi { server: u("https://meet.example.org/room"), jwt_app_id: Some(id.into()) };
        assert!(Account::new(p, jitsi("app id with spaces"), "B", r).is_err());
        let ok = Account::new(p, jitsi("sprechzimmer"), "B", r).unwrap();
        assert_eq!(ok.access.host_url().as_str(), "https://meet.example.org/");
        assert!(ok.access.needs_secret());
        let none = Account::new(p, jitsi(" "), "B", r).unwrap();
        assert!(!none.access.needs_secret(), "an empty app id means no tokens");
    }

    #[test]
    fn consent_is_bound_to_the_text_versions() {
        let body = include_str!("../../../../tests/fixtures/counsellor_profile.json");
        let mut p = OrgProfile::from_json(body, UrlRules::default()).unwrap();
        let mut a = bbb();
        a.check_profile(&p).unwrap();
        assert!(!a.consent_valid(&p));
        let (pd, td) = (p.privacy_notice.digest(), p.counsellor_terms.as_ref().unwrap().digest());
        assert!(matches!(a.give_consent(&p, "stale", &td, OffsetDateTime::UNIX_EPOCH), Err(CounsellorError::ConsentRequired)));
        a.give_consent(&p, &pd, &td, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert!(a.consent_valid(&p));
        // The organisation changes its terms: asked again.
        p.counsellor_terms.as_mut().unwrap().version = "2027-01".into();
        assert!(!a.consent_valid(&p));
        p.counsellor_terms = None;
        assert!(matches!(a.give_consent(&p, &pd, &td, OffsetDateTime::UNIX_EPOCH), Err(CounsellorError::NoCounsellorTerms)));
        // A server the organisation does not list.
        let mut other = bbb();
        other.access = Access::Bbb { api: u("https://rogue.example.net/bigbluebutton/api/") };
        assert!(matches!(other.check_profile(&p), Err(CounsellorError::NotInProfile)));
    }
}
