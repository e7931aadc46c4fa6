//! The effective settings the app runs with, read from `policy::Resolved`,
//! and the user's own settings file (`settings.json` in the app's config
//! folder), which the settings screen writes.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value as Json};
use url::Url;

pub use crate::browser::BrowserChoice;
use crate::browser::BrowserKind;
use crate::hosts::{HostPattern, UrlRules};
use crate::i18n::{self, Lang};
use crate::policy::{self, Level, Resolved};
use crate::provider::ProviderKind;

pub const FILE_NAME: &str = "settings.json";

/// Where meetings open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingView {
    /// The app's own window when its webview can do WebRTC, else a browser.
    #[default]
    Auto,
    Embedded,
    Browser,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub meeting_view: MeetingView,
    pub browser: BrowserChoice,
    pub proxy: Option<Url>,
    /// `None`: follow the system.
    pub language: Option<Lang>,
    pub log_level: log::LevelFilter,
    /// The organisation plain room links belong to.
    pub profile_url: Option<Url>,
    /// Set by managed policy: only this organisation's invites are taken.
    pub profile_locked: bool,
    pub allowed_hosts: Option<Vec<HostPattern>>,
    pub allowed_providers: Option<Vec<ProviderKind>>,
    pub counsellor_mode: bool,
    pub autostart: bool,
    /// How long a booked appointment may be kept after its date, at most.
    pub booking_retention_days: u16,
}

/// The longest a booked appointment is kept after its date; policy
/// (`bookingRetentionDays`) can only shorten it.
pub const MAX_BOOKING_RETENTION_DAYS: u16 = 180;

impl Default for Settings {
    fn default() -> Self {
        Settings::from_resolved(&policy::resolve(&[], UrlRules::default()))
    }
}

impl Settings {
    pub fn file_in(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Values were validated by `policy::resolve`; anything else here is
    /// a default.
    pub fn from_resolved(r: &Resolved) -> Settings {
        let meeting_view = match r.str("meetingView") {
            Some("embedded") => MeetingView::Embedded,
            Some("browser") => MeetingView::Browser,
            _ => MeetingView::Auto,
        };
        let browser = match r.str("browser") {
            None | Some("auto") => BrowserChoice::Auto,
            Some(name) => BrowserKind::from_name(name).map(BrowserChoice::Kind).unwrap_or_else(|| BrowserChoice::Path(name.into())),
        };
        let language = r.str("language").and_then(Lang::from_code);
        let log_level = match r.str("logLevel") {
            Some("off") => log::LevelFilter::Off,
            Some("error") => log::LevelFilter::Error,
            Some("info") => log::LevelFilter::Info,
            Some("debug") => log::LevelFilter::Debug,
            _ => log::LevelFilter::Warn,
        };
        let allowed_hosts = r.list("allowedMeetingHosts").map(|l| l.iter().filter_map(|h| HostPattern::parse(h).ok()).collect());
        let allowed_providers = r.list("allowedProviders").map(|l| {
            l.iter()
                .filter_map(|p| match p.as_str() {
                    "bbb" => Some(ProviderKind::Bbb),
                    "jitsi" => Some(ProviderKind::Jitsi),
                    _ => None,
                })
                .collect()
        });
        Settings {
            meeting_view,
            browser,
            proxy: r.str("proxyUrl").and_then(|u| Url::parse(u).ok()),
            language,
            log_level,
            profile_url: r.str("organisationProfileUrl").and_then(|u| Url::parse(u).ok()),
            // Locked with no usable value (a broken managed URL): no
            // organisation's invites are accepted.
            profile_locked: r.get("organisationProfileUrl").is_some_and(|e| e.locked),
            allowed_hosts,
            allowed_providers,
            counsellor_mode: r.str("counsellorMode") != Some("off"),
            autostart: r.str("autostart") == Some("on"),
            booking_retention_days: r.str("bookingRetentionDays").and_then(|d| d.parse().ok()).unwrap_or(MAX_BOOKING_RETENTION_DAYS),
        }
    }
}

/// What the process runs with, read once at start.
#[derive(Debug, Clone)]
pub struct Setup {
    pub resolved: Resolved,
    pub settings: Settings,
    /// The user's settings file, when the platform has a config folder.
    pub user_file: Option<PathBuf>,
}

impl Setup {
    pub fn defaults() -> Setup {
        let resolved = policy::resolve(&[], UrlRules::default());
        Setup { settings: Settings::from_resolved(&resolved), resolved, user_file: None }
    }

    pub fn load(rules: UrlRules) -> Setup {
        let user_file = crate::folders::config().map(|d| Settings::file_in(&d));
        let (layers, problems) = policy::sources::gather(user_file.as_deref(), |k| std::env::var(k).ok());
        let mut resolved = policy::resolve(&layers, rules);
        resolved.problems.extend(problems);
        Setup { settings: Settings::from_resolved(&resolved), resolved, user_file }
    }
}

/// One row of the settings screen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingView {
    pub key: &'static str,
    pub title: String,
    pub help: String,
    pub value: Option<Json>,
    /// Named values to pick from; `None` for free text.
    pub choices: Option<&'static [&'static str]>,
    pub level: Level,
    pub locked: bool,
    /// A source gave a value the app could not use (see `sprechzimmer
    /// policy`); for a restriction the app then holds to the strictest
    /// reading.
    pub problem: bool,
}

/// What users may set, with the current value and whether policy locks it;
/// and the organisation's restrictions, read-only, wherever policy sets one.
pub fn view(resolved: &Resolved, lang: Lang) -> Vec<SettingView> {
    policy::DEFS
        .iter()
        .filter_map(|d| {
            let e = resolved.get(d.key)?;
            let problem = resolved.problems.iter().any(|p| p.key == d.key);
            if !d.user && !e.locked && !problem {
                return None;
            }
            let named = |v: &Option<Json>| v.as_ref().and_then(Json::as_str).is_none_or(|s| policy::definition::BROWSERS.contains(&s));
            let choices = match d.kind {
                policy::Kind::Choice(c) => Some(c),
                // A path set by IT shows as text.
                policy::Kind::Browser if named(&e.value) => Some(policy::definition::BROWSERS),
                _ => None,
            };
            let title = i18n::t(lang, &format!("settings.def.{}.title", d.key));
            let help = i18n::t(lang, &format!("settings.def.{}.help", d.key));
            Some(SettingView { key: d.key, title, help, value: e.value.clone(), choices, level: e.level, locked: e.locked, problem })
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("this setting is set by the organisation's policy")]
    Locked,
    #[error("not a setting users can change")]
    NotUserSetting,
    #[error("invalid value")]
    Invalid,
    #[error("no config folder is known for this user")]
    NoConfigDir,
    #[error("the settings file could not be written: {0}")]
    Io(#[from] std::io::Error),
}

impl SettingsError {
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::Locked => "settings.locked",
            SettingsError::NotUserSetting | SettingsError::Invalid => "settings.invalid",
            SettingsError::NoConfigDir | SettingsError::Io(_) => "settings.write_failed",
        }
    }
}

/// Sets (or with `None`, removes) one key in the user's settings file,
/// keeping the rest. Refuses what policy locks and what does not parse.
pub fn save_user(file: &Path, resolved: &Resolved, key: &str, value: Option<&str>, rules: UrlRules) -> Result<(), SettingsError> {
    let def = policy::definition::find(key).filter(|d| d.user).ok_or(SettingsError::NotUserSetting)?;
    if resolved.is_locked(key) {
        return Err(SettingsError::Locked);
    }
    let parsed = match value {
        Some(v) => def.parse(&Json::from(v), rules).map_err(|_| SettingsError::Invalid)?,
        None => None,
    };
    let mut map: Map<String, Json> = match policy::sources::json_file(file, Level::User) {
        Ok(Some(l)) => l.values,
        // A broken file is replaced rather than kept half-read.
        Ok(None) | Err(_) => Map::new(),
    };
    match parsed {
        Some(v) => map.insert(key.to_string(), v),
        None => map.remove(key),
    };
    crate::private_file::write(file, &serde_json::to_vec_pretty(&Json::Object(map)).expect("map serialises"))?;
    Ok(())
}

/// An absolute browser path as the platform spells one (tests of the
/// `browser` setting, which takes `auto`, a name or an absolute path).
impl Settings {
    /// What IT allows on this computer, on top of what the organisation's
    /// profile allows.
    pub fn admits(&self, invite: &crate::invite::Invite) -> Result<(), PolicyError> {
        if self.profile_locked && self.profile_url.as_ref() != Some(&invite.profile_url) {
            return Err(PolicyError::OrganisationNotAllowed);
        }
        if let Some(kinds) = &self.allowed_providers {
            if !kinds.contains(&invite.meeting.kind()) {
                return Err(PolicyError::ProviderNotAllowed);
            }
        }
        if let Some(hosts) = &self.allowed_hosts {
            if !crate::hosts::any_matches(hosts, invite.meeting.host_url()) {
                return Err(PolicyError::HostNotAllowed);
            }
        }
        Ok(())
    }
}

/// What IT's policy refuses for an invite, on top of what the
/// organisation's profile allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("this computer is set up for another organisation")]
    OrganisationNotAllowed,
    #[error("the video service is not allowed on this computer")]
    ProviderNotAllowed,
    #[error("the meeting server is not allowed on this computer")]
    HostNotAllowed,
}

impl PolicyError {
    pub fn code(self) -> &'static str {
        match self {
            PolicyError::OrganisationNotAllowed => "policy.organisation_not_allowed",
            PolicyError::ProviderNotAllowed => "policy.provider_not_allowed",
            PolicyError::HostNotAllowed => "policy.host_not_allowed",
        }
    }
}

#[cfg(test)]
pub(crate) const ABSOLUTE_BROWSER: &str = if cfg!(windows) { r"C:\Chromium\chrome.exe" } else { "/opt/chromium/chrome" };

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings screen reads titles and help from the catalogue, in
    /// every language; German and English there are the definition's own
    /// (which the ADMX templates use), word for word.
    #[test]
    fn setting_texts_in_the_catalogue_match_the_definition() {
        for d in policy::DEFS {
            for (i, lang) in [Lang::De, Lang::En].into_iter().enumerate() {
                assert_eq!(i18n::t(lang, &format!("settings.def.{}.title", d.key)), d.title[i], "{} {:?}", d.key, lang);
                assert_eq!(i18n::t(lang, &format!("settings.def.{}.help", d.key)), d.help[i], "{} {:?}", d.key, lang);
            }
        }
    }
    use crate::policy::{resolve, Layer};
    use serde_json::json;

    fn managed(values: Json) -> Layer {
        Layer { level: Level::Managed, origin: "test policy".into(), values: values.as_object().unwrap().clone() }
    }

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert_eq!(s.meeting_view, MeetingView::Auto);
        assert_eq!(s.browser, BrowserChoice::Auto);
        assert_eq!(s.language, None);
        assert_eq!(s.log_level, log::LevelFilter::Warn);
        assert_eq!((s.profile_url, s.profile_locked, s.allowed_hosts, s.allowed_providers), (None, false, None, None));
        assert!(s.counsellor_mode && !s.autostart, "counsellor features on, autostart off");
    }

    #[test]
    fn typed_from_policy() {
        let r = resolve(
            &[managed(json!({
                "meetingView": "browser", "browser": ABSOLUTE_BROWSER, "language": "en", "logLevel": "debug",
                "organisationProfileUrl": "https://beratung.example.org/profile.json",
                "allowedMeetingHosts": ["*.example.org"], "allowedProviders": ["jitsi"], "proxyUrl": "http://proxy.example.org:3128"
            }))],
            UrlRules::default(),
        );
        let s = Settings::from_resolved(&r);
        assert_eq!(s.meeting_view, MeetingView::Browser);
        assert_eq!(s.browser, BrowserChoice::Path(ABSOLUTE_BROWSER.into()));
        assert_eq!(s.language, Some(Lang::En));
        assert_eq!(s.log_level, log::LevelFilter::Debug);
        assert!(s.profile_locked);
        assert_eq!(s.allowed_hosts.unwrap()[0].to_string(), "*.example.org");
        assert_eq!(s.allowed_providers, Some(vec![ProviderKind::Jitsi]));
        assert_eq!(s.proxy.unwrap().as_str(), "http://proxy.example.org:3128/");
        let env = Layer {
            level: Level::Environment,
            origin: "env".into(),
            values: json!({"organisationProfileUrl": "https://b.example.org/p.json"}).as_object().unwrap().clone(),
        };
        assert!(!Settings::from_resolved(&resolve(&[env], UrlRules::default())).profile_locked, "only policy locks");
    }

    #[test]
    fn the_user_file_is_written_but_never_over_a_lock() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("cfg").join(FILE_NAME);
        let open = resolve(&[], UrlRules::default());
        save_user(&f, &open, "meetingView", Some("browser"), UrlRules::default()).unwrap();
        save_user(&f, &open, "language", Some("en"), UrlRules::default()).unwrap();
        let v: Json = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        assert_eq!(v, json!({"meetingView": "browser", "language": "en"}));
        save_user(&f, &open, "language", None, UrlRules::default()).unwrap();
        let v: Json = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        assert_eq!(v, json!({"meetingView": "browser"}));

        let locked = resolve(&[managed(json!({"meetingView": "embedded"}))], UrlRules::default());
        assert!(matches!(save_user(&f, &locked, "meetingView", Some("auto"), UrlRules::default()), Err(SettingsError::Locked)));
        assert!(matches!(
            save_user(&f, &open, "allowedMeetingHosts", Some("x.example.org"), UrlRules::default()),
            Err(SettingsError::NotUserSetting)
        ));
        assert!(matches!(save_user(&f, &open, "meetingView", Some("sometimes"), UrlRules::default()), Err(SettingsError::Invalid)));
        let v: Json = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        assert_eq!(v, json!({"meetingView": "browser"}), "refused changes change nothing");
        std::fs::write(&f, "{broken").unwrap();
        save_user(&f, &open, "logLevel", Some("info"), UrlRules::default()).unwrap();
        assert_eq!(serde_json::from_slice::<Json>(&std::fs::read(&f).unwrap()).unwrap(), json!({"logLevel": "info"}));
    }
}
