//! The one definition of every setting an organisation can manage. The
//! policy reader, the user settings, the Windows templates (ADMX/ADML), the
//! WiX fragment, the JSON schema and the admin documentation all come from
//! this table (`templates.rs`); a test fails when the committed files drift.

use serde_json::Value as Json;

use crate::hosts::{self, HostPattern, UrlRules};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An https URL (http only to loopback in demo/test builds).
    Url,
    /// An `http://` or `socks5://` proxy with host and port (what the
    /// webviews, Chromium and the app's own client all take).
    Proxy,
    /// Host names or `*.domain` patterns.
    HostList,
    /// A subset of these names.
    NameList(&'static [&'static str]),
    /// One of these names.
    Choice(&'static [&'static str]),
    /// `auto`, a known browser name, or an absolute path.
    Browser,
}

pub struct Def {
    pub key: &'static str,
    pub kind: Kind,
    /// The default, as its text form (`None`: not set).
    pub default: Option<&'static str>,
    /// Users may set it themselves (settings screen, settings.json).
    pub user: bool,
    /// What an invalid *managed* value becomes. A restriction fails closed:
    /// an admin's typo must never leave the computer less restricted than
    /// meant. `None`: fall back to the layer below, like any other setting.
    pub closed: Option<Closed>,
    /// The public MSI property that writes it under the machine policy key.
    pub msi: Option<&'static str>,
    pub title: [&'static str; 2],
    pub help: [&'static str; 2],
}

/// How a restriction fails closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The list's valid items only, possibly none (which allows nothing).
    KeepValid,
    /// This value.
    Value(&'static str),
    /// Locked with no value: nothing matches it.
    Nothing,
}

pub const BROWSERS: &[&str] = &["auto", "chromium", "chrome", "edge"];
pub const PROVIDERS: &[&str] = &["bbb", "jitsi"];

/// Every setting, in the order admins see them.
pub const DEFS: &[Def] = &[
    Def {
        key: "organisationProfileUrl",
        kind: Kind::Url,
        default: None,
        user: false,
        closed: Some(Closed::Nothing),
        msi: Some("ORGPROFILEURL"),
        title: ["Profil der Organisation", "Organisation profile"],
        help: [
            "Adresse des Organisationsprofils (https). Als verwaltete Richtlinie nimmt die App nur Einladungen dieser Organisation an; einfache Jitsi-Raumlinks gehören zu ihr.",
            "Address of the organisation profile (https). As a managed policy the app accepts invitations of this organisation only; plain Jitsi room links belong to it.",
        ],
    },
    Def {
        key: "allowedMeetingHosts",
        kind: Kind::HostList,
        default: None,
        user: false,
        closed: Some(Closed::KeepValid),
        msi: Some("ALLOWEDHOSTS"),
        title: ["Erlaubte Meeting-Server", "Allowed meeting servers"],
        help: [
            "Servernamen oder *.domain-Muster. Einladungen zu anderen Servern werden abgelehnt, auch wenn das Organisationsprofil sie nennt. MSI: durch Kommas getrennt.",
            "Host names or *.domain patterns. Invitations to other servers are refused, even if the organisation profile lists them. MSI: separated by commas.",
        ],
    },
    Def {
        key: "allowedProviders",
        kind: Kind::NameList(PROVIDERS),
        default: None,
        user: false,
        closed: Some(Closed::KeepValid),
        msi: Some("ALLOWEDPROVIDERS"),
        title: ["Erlaubte Videodienste", "Allowed video services"],
        help: [
            "bbb (BigBlueButton) und/oder jitsi (Jitsi Meet). Einladungen für andere Dienste werden abgelehnt. MSI: durch Kommas getrennt.",
            "bbb (BigBlueButton) and/or jitsi (Jitsi Meet). Invitations for other services are refused. MSI: separated by commas.",
        ],
    },
    Def {
        key: "counsellorMode",
        kind: Kind::Choice(&["on", "off"]),
        default: Some("on"),
        user: false,
        closed: Some(Closed::Value("off")),
        msi: Some("COUNSELLORMODE"),
        title: ["Funktionen für Beratende", "Counsellor features"],
        help: [
            "on: Beratende können Zugänge einrichten und Beratungen starten (Tray); off: nur die Teilnahme als ratsuchende Person.",
            "on: counsellors can set up their access and start sessions (tray); off: joining as a client only.",
        ],
    },
    Def {
        key: "bookingRetentionDays",
        kind: Kind::Choice(&["180", "90", "60", "30", "14", "7", "1"]),
        default: Some("180"),
        user: false,
        // A broken value keeps bookings the shortest time, not the longest.
        closed: Some(Closed::Value("1")),
        msi: Some("BOOKINGRETENTIONDAYS"),
        title: ["Aufbewahrung gebuchter Termine (Tage)", "Keeping booked appointments (days)"],
        help: [
            "Ein gebuchter Termin wird gelöscht, sobald seine Beratung endet, spätestens so viele Tage nach seinem Datum: 180, 90, 60, 30, 14, 7 oder 1.",
            "A booked appointment is deleted when its session ends, at the latest this many days after its date: 180, 90, 60, 30, 14, 7 or 1.",
        ],
    },
    Def {
        key: "autostart",
        kind: Kind::Choice(&["off", "on"]),
        default: Some("off"),
        user: true,
        closed: None,
        msi: Some("AUTOSTART"),
        title: ["Beim Anmelden im Tray starten", "Start in the tray at login"],
        help: [
            "on: Sprechzimmer startet beim Anmelden ohne Fenster im Tray (wenn ein Zugang für Beratende eingerichtet ist).",
            "on: Sprechzimmer starts at login in the tray, without a window (when a counsellor access is set up).",
        ],
    },
    Def {
        key: "meetingView",
        kind: Kind::Choice(&["auto", "embedded", "browser"]),
        default: Some("auto"),
        user: true,
        closed: None,
        msi: Some("MEETINGVIEW"),
        title: ["Beratungen öffnen in", "Open sessions in"],
        help: [
            "auto: im App-Fenster, wenn es WebRTC kann, sonst in einem Browser; embedded: immer im App-Fenster; browser: immer in einem Browser.",
            "auto: in the app's window when it can do WebRTC, else in a browser; embedded: always the app's window; browser: always a browser.",
        ],
    },
    Def {
        key: "browser",
        kind: Kind::Browser,
        default: Some("auto"),
        user: true,
        closed: None,
        msi: Some("MEETINGBROWSER"),
        title: ["Browser für Beratungen", "Browser for sessions"],
        help: [
            "auto, chromium, chrome, edge oder ein absoluter Pfad zu einem Chromium-Browser; für Beratungen, die das App-Fenster nicht zeigen kann.",
            "auto, chromium, chrome, edge or an absolute path to a Chromium-family browser; for sessions the app's window cannot show.",
        ],
    },
    Def {
        key: "proxyUrl",
        kind: Kind::Proxy,
        default: None,
        user: true,
        closed: None,
        msi: Some("PROXYURL"),
        title: ["Proxy", "Proxy"],
        help: [
            "http:// oder socks5:// mit Host und Port, für alle Verbindungen der App, des Beratungsfensters und des Browsers. Wirkt ab dem nächsten Start.",
            "http:// or socks5:// with host and port, for every connection of the app, the session window and the browser. Takes effect at the next start.",
        ],
    },
    Def {
        key: "language",
        kind: Kind::Choice(&["auto", "de", "ls", "en", "uk", "ar", "tr", "ru", "fa"]),
        default: Some("auto"),
        user: true,
        closed: None,
        msi: Some("LANGUAGE"),
        title: ["Sprache", "Language"],
        help: [
            "auto folgt der Systemsprache, wo die App sie hat (sonst Deutsch); ls ist Leichte Sprache. Vorgegeben, blendet die App ihre Sprachauswahl aus.",
            "auto follows the system language where the app has it (German otherwise); ls is Leichte Sprache (easy-to-read German). Set by policy, the app hides its language switch.",
        ],
    },
    Def {
        key: "logLevel",
        kind: Kind::Choice(&["off", "error", "warn", "info", "debug"]),
        default: Some("warn"),
        user: true,
        closed: None,
        msi: Some("LOGLEVEL"),
        title: ["Protokollstufe", "Log level"],
        help: [
            "Wie viel die App nach stderr protokolliert. Protokolle enthalten nie Adressen, Namen oder Meeting-IDs.",
            "How much the app logs to stderr. Logs never contain addresses, names or meeting IDs.",
        ],
    },
];

pub fn find(key: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.key == key)
}

/// For sources whose names carry no case (the Windows registry).
pub fn find_ignore_case(key: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.key.eq_ignore_ascii_case(key))
}

/// Why a value was not taken. Never carries the value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    WrongType,
    NotAllowed,
    TooLong,
}

impl Invalid {
    pub fn code(self) -> &'static str {
        match self {
            Invalid::WrongType => "wrong_type",
            Invalid::NotAllowed => "invalid_value",
            Invalid::TooLong => "too_long",
        }
    }
}

const MAX_TEXT: usize = 2048;
const MAX_ITEMS: usize = 64;

impl Def {
    /// Reads a value as JSON, the registry (a DWORD arrives as a number, a
    /// multi-string as an array) or an MSI property (always a string) give
    /// it. `Ok(None)`: present but empty, which means "not set" (an MSI
    /// writes empty strings for properties nobody gave).
    pub fn parse(&self, raw: &Json, rules: UrlRules) -> Result<Option<Json>, Invalid> {
        match self.kind {
            Kind::HostList | Kind::NameList(_) => {
                let items: Vec<String> = match raw {
                    Json::Array(a) => a.iter().map(|v| v.as_str().map(str::to_string).ok_or(Invalid::WrongType)).collect::<Result<_, _>>()?,
                    Json::String(s) => s.split([',', ';', ' ', '\n']).map(str::to_string).collect(),
                    _ => return Err(Invalid::WrongType),
                };
                let items: Vec<String> = items
                    .into_iter()
                    .map(|s| match self.kind {
                        // Names carry no case: an admin's "BBB" is bbb.
                        Kind::NameList(_) => s.trim().to_ascii_lowercase(),
                        _ => s.trim().to_string(),
                    })
                    .filter(|s| !s.is_empty())
                    .collect();
                if items.is_empty() {
                    return Ok(None);
                }
                if items.len() > MAX_ITEMS {
                    return Err(Invalid::TooLong);
                }
                for item in &items {
                    let ok = match self.kind {
                        Kind::NameList(names) => names.contains(&item.as_str()),
                        _ => HostPattern::parse(item).is_ok(),
                    };
                    if !ok {
                        return Err(Invalid::NotAllowed);
                    }
                }
                Ok(Some(Json::from(items)))
            }
            _ => {
                let Json::String(s) = raw else { return Err(Invalid::WrongType) };
                let lowered;
                let s = match self.kind {
                    // Choices carry no case: an admin's "Off" is off.
                    Kind::Choice(_) => {
                        lowered = s.trim().to_ascii_lowercase();
                        lowered.as_str()
                    }
                    _ => s.trim(),
                };
                if s.is_empty() {
                    return Ok(None);
                }
                if s.len() > MAX_TEXT {
                    return Err(Invalid::TooLong);
                }
                let ok = match self.kind {
                    Kind::Choice(names) => names.contains(&s),
                    Kind::Browser => BROWSERS.contains(&s) || std::path::Path::new(s).is_absolute(),
                    Kind::Url => hosts::check_remote_url(s, rules).is_ok(),
                    Kind::Proxy => is_proxy(s),
                    Kind::HostList | Kind::NameList(_) => unreachable!(),
                };
                if ok {
                    Ok(Some(Json::from(s)))
                } else {
                    Err(Invalid::NotAllowed)
                }
            }
        }
    }
}

impl Def {
    /// The entry value for an invalid managed `raw`, when this setting is a
    /// restriction (`Some(None)`: locked, nothing allowed); `None` when it
    /// simply falls back.
    pub fn closed_value(&self, raw: &Json, rules: UrlRules) -> Option<Option<Json>> {
        match self.closed? {
            Closed::Value(v) => Some(Some(Json::from(v))),
            Closed::Nothing => Some(None),
            Closed::KeepValid => {
                let items: Vec<Json> = match raw {
                    Json::Array(a) => a.clone(),
                    Json::String(s) => s.split([',', ';', ' ', '\n']).map(Json::from).collect(),
                    _ => vec![],
                };
                let mut valid = Vec::new();
                for item in items.iter().take(MAX_ITEMS) {
                    if let Ok(Some(Json::Array(ok))) = self.parse(item, rules) {
                        valid.extend(ok);
                    }
                }
                Some(Some(Json::from(valid)))
            }
        }
    }
}

fn is_proxy(s: &str) -> bool {
    let Ok(u) = url::Url::parse(s) else { return false };
    matches!(u.scheme(), "http" | "socks5")
        && u.host_str().is_some_and(|h| !h.is_empty())
        && u.port_or_known_default().is_some()
        && matches!(u.path(), "" | "/")
        && u.query().is_none()
        && u.fragment().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(key: &str, raw: Json) -> Result<Option<Json>, Invalid> {
        find(key).unwrap().parse(&raw, UrlRules::default())
    }

    #[test]
    fn keys_and_msi_properties_are_unique_and_well_formed() {
        let mut keys = std::collections::HashSet::new();
        let mut props = std::collections::HashSet::new();
        for d in DEFS {
            assert!(keys.insert(d.key), "{}", d.key);
            assert!(d.key.chars().all(|c| c.is_ascii_alphanumeric()) && d.key.starts_with(|c: char| c.is_ascii_lowercase()));
            if let Some(p) = d.msi {
                // Public MSI properties are upper case, or msiexec keeps them private.
                assert!(p.chars().all(|c| c.is_ascii_uppercase()), "{p}");
                assert!(props.insert(p), "{p}");
            }
            if let Some(def) = d.default {
                assert_eq!(d.parse(&json!(def), UrlRules::default()), Ok(Some(json!(def))), "default of {}", d.key);
            }
            assert!(d.title.iter().chain(&d.help).all(|t| !t.is_empty()));
        }
    }

    #[test]
    fn restrictions_fail_closed() {
        let closed = |key: &str, raw: Json| find(key).unwrap().closed_value(&raw, UrlRules::default());
        assert_eq!(closed("allowedMeetingHosts", json!(["bbb.example.org", "https://bbb2.example.org"])), Some(Some(json!(["bbb.example.org"]))));
        assert_eq!(
            closed("allowedMeetingHosts", json!("bbb.example.org, https://x.example.org/")),
            Some(Some(json!(["bbb.example.org"]))),
            "MSI form"
        );
        assert_eq!(closed("allowedMeetingHosts", json!([7, "not a host/"])), Some(Some(json!([]))), "nothing valid: nothing allowed");
        assert_eq!(closed("allowedProviders", json!(["zoom", "jitsi"])), Some(Some(json!(["jitsi"]))));
        assert_eq!(closed("counsellorMode", json!("disabled")), Some(Some(json!("off"))));
        assert_eq!(closed("organisationProfileUrl", json!("beratung.example.org")), Some(None));
        assert_eq!(closed("meetingView", json!("sometimes")), None, "not a restriction: falls back");
        // Names and choices carry no case.
        assert_eq!(parse("allowedProviders", json!(["BBB", " Jitsi "])), Ok(Some(json!(["bbb", "jitsi"]))));
        assert_eq!(parse("counsellorMode", json!("Off")), Ok(Some(json!("off"))));
    }

    #[test]
    fn values_from_json_registry_and_msi() {
        assert_eq!(parse("meetingView", json!("browser")), Ok(Some(json!("browser"))));
        assert_eq!(parse("meetingView", json!("")), Ok(None), "an MSI's empty property is unset");
        assert_eq!(parse("meetingView", json!("sometimes")), Err(Invalid::NotAllowed));
        assert_eq!(parse("meetingView", json!(1)), Err(Invalid::WrongType));
        assert_eq!(parse("allowedMeetingHosts", json!(["bbb.example.org", "*.example.net"])), Ok(Some(json!(["bbb.example.org", "*.example.net"]))));
        assert_eq!(
            parse("allowedMeetingHosts", json!("bbb.example.org, *.example.net")),
            Ok(Some(json!(["bbb.example.org", "*.example.net"]))),
            "MSI: comma separated"
        );
        assert_eq!(parse("allowedMeetingHosts", json!(["bbb.example.org", "not a host/"])), Err(Invalid::NotAllowed));
        assert_eq!(parse("allowedMeetingHosts", json!([1])), Err(Invalid::WrongType));
        assert_eq!(parse("allowedMeetingHosts", json!(vec!["a.example.org"; 65])), Err(Invalid::TooLong));
        assert_eq!(parse("allowedProviders", json!(["jitsi"])), Ok(Some(json!(["jitsi"]))));
        assert_eq!(parse("allowedProviders", json!(["zoom"])), Err(Invalid::NotAllowed));
        assert!(parse("organisationProfileUrl", json!("https://beratung.example.org/profile.json")).unwrap().is_some());
        for bad in ["http://beratung.example.org/p.json", "https://user:pw@example.org/", "javascript:alert(1)", "https://192.0.2.1/p.json"] {
            assert_eq!(parse("organisationProfileUrl", json!(bad)), Err(Invalid::NotAllowed), "{bad}");
        }
        assert_eq!(parse("organisationProfileUrl", json!("x".repeat(3000))), Err(Invalid::TooLong));
        assert!(parse("proxyUrl", json!("http://proxy.example.org:3128")).unwrap().is_some());
        assert!(parse("proxyUrl", json!("socks5://127.0.0.1:1080")).unwrap().is_some());
        for bad in ["ftp://proxy:21", "https://proxy.example.org:3128", "proxy.example.org:3128", "http://proxy/path", "http://"] {
            assert_eq!(parse("proxyUrl", json!(bad)), Err(Invalid::NotAllowed), "{bad}");
        }
        assert!(parse("browser", json!(crate::settings::ABSOLUTE_BROWSER)).unwrap().is_some());
        assert_eq!(parse("browser", json!("chromium/chrome")), Err(Invalid::NotAllowed), "a relative path");
        assert_eq!(parse("browser", json!("firefox")), Err(Invalid::NotAllowed));
    }
}
