//! The error every command returns. It reaches the UI as `{code, message}`:
//! the code for logic and tests, the message already translated. Display
//! texts are for logs and never carry a URL, a name or a meeting ID.

use serde::{Serialize, Serializer};

use crate::hosts::UrlProblem;
use crate::i18n;
use crate::invite::InviteError;
use crate::profile::ProfileError;
use crate::provider::ProviderError;
use crate::session::SessionError;
use crate::settings::PolicyError;
use crate::settings::SettingsError;
use crate::wipe::WipeError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invite(#[from] InviteError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Wipe(#[from] WipeError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Counsellor(#[from] crate::counsellor::CounsellorError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("link not allowed: {0}")]
    Link(UrlProblem),
    #[error("link was not offered by the app")]
    LinkNotOffered,
    #[error("the system could not open the link")]
    LinkOpenFailed,
    #[error("the webview cannot carry meetings and no supported browser is installed")]
    NoBrowser,
    #[error("the browser chosen for meetings is not installed")]
    ChosenBrowserMissing,
    #[error("the meeting browser could not be started")]
    BrowserStartFailed,
    #[error("the meeting view could not be started")]
    MeetingViewFailed,
    #[error("window: {0}")]
    Window(#[from] tauri::Error),
    #[error("the organisation requires a consent receipt, and it was not delivered")]
    ReceiptRequired,
    #[error("the consent receipt could not be saved")]
    ReceiptSaveFailed,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invite(e) => e.code(),
            Error::Profile(e) => e.code(),
            Error::Provider(e) => e.code(),
            Error::Session(e) => e.code(),
            Error::Wipe(e) => e.code(),
            Error::Policy(e) => e.code(),
            Error::Counsellor(e) => e.code(),
            Error::Settings(e) => e.code(),
            Error::Link(p) => p.code(),
            Error::LinkNotOffered => "link.not_offered",
            Error::LinkOpenFailed => "link.open_failed",
            Error::NoBrowser => "browser.none",
            Error::ChosenBrowserMissing => "browser.chosen_missing",
            Error::BrowserStartFailed => "browser.start_failed",
            // The same words as any window that cannot open.
            Error::Window(_) | Error::MeetingViewFailed => "app.window",
            Error::ReceiptRequired => "consent.receipt_required",
            Error::ReceiptSaveFailed => "receipt.save_failed",
        }
    }

    pub fn message(&self) -> String {
        i18n::t(i18n::current(), &format!("error.{}", self.code()))
    }
}

impl Error {
    /// The form field an error is about, where there is one: the UI shows
    /// the message by that field.
    pub fn field(&self) -> Option<&'static str> {
        use crate::counsellor::CounsellorError;
        match self {
            Error::Counsellor(CounsellorError::Invalid(f)) => Some(f),
            Error::Counsellor(CounsellorError::WrongSecret) => Some("secret"),
            Error::Counsellor(CounsellorError::NotInProfile) => Some("server"),
            _ => None,
        }
    }
}

/// `{code, message}`, and `field` where the error is about one.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let field = self.field();
        let mut st = s.serialize_struct("Error", if field.is_some() { 3 } else { 2 })?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.message())?;
        if let Some(f) = field {
            st.serialize_field("field", f)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_error_names_its_field() {
        let e = Error::from(crate::counsellor::CounsellorError::Invalid("client_name"));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!((v["code"].as_str(), v["field"].as_str()), (Some("counsellor.invalid"), Some("client_name")));
        let e = Error::from(SessionError::Busy);
        assert!(serde_json::to_value(&e).unwrap().get("field").is_none());
    }

    #[test]
    fn serialises_to_code_and_translated_message() {
        let e = Error::from(SessionError::Consent(crate::consent::ConsentError::Missing));
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "consent.required");
        let msg = v["message"].as_str().unwrap();
        assert!(!msg.is_empty() && !msg.starts_with("error."), "untranslated: {msg}");
    }

    #[test]
    fn every_error_code_has_a_translation_in_both_languages() {
        use crate::i18n::{t, Lang};
        let codes = [
            "invite.not_an_invite",
            "invite.too_long",
            "invite.malformed",
            "invite.unsupported_version",
            "invite.unknown_provider",
            "invite.expired",
            "invite.invalid",
            "invite.not_guest",
            "invite.host_not_allowed",
            "invite.provider_not_allowed",
            "invite.no_organisation",
            "url.invalid",
            "url.too_long",
            "url.scheme",
            "url.credentials",
            "url.insecure",
            "url.ip_host",
            "url.look_alike",
            "url.local_name",
            "url.port",
            "profile.invalid",
            "profile.unsupported_version",
            "net.unreachable",
            "net.tls",
            "net.bad_response",
            "meeting.not_found",
            "meeting.ended",
            "meeting.denied",
            "meeting.full",
            "meeting.failed",
            "server.bad_response",
            "server.unexpected",
            "session.none",
            "session.busy",
            "session.wrong_step",
            "consent.required",
            "consent.outdated",
            "consent.wrong_session",
            "consent.name_required",
            "wipe.failed",
            "link.not_offered",
            "link.open_failed",
            "app.window",
            "browser.none",
            "browser.chosen_missing",
            "browser.start_failed",
            "policy.organisation_not_allowed",
            "policy.provider_not_allowed",
            "policy.host_not_allowed",
            "settings.locked",
            "settings.invalid",
            "settings.write_failed",
            "counsellor.not_set_up",
            "counsellor.damaged",
            "counsellor.invalid",
            "counsellor.secret_missing",
            "counsellor.keyring",
            "counsellor.wrong_secret",
            "counsellor.not_in_profile",
            "counsellor.no_terms",
            "counsellor.consent_required",
            "counsellor.no_session",
            "counsellor.write_failed",
            "counsellor.disabled",
            "counsellor.clipboard",
        ];
        for lang in Lang::ALL {
            for c in codes {
                let key = format!("error.{c}");
                assert_ne!(t(lang, &key), key, "missing {key} for {lang:?}");
            }
        }
    }
}
