//! Managed settings. Every value comes from one of these layers, the later
//! winning: built-in default < recommended policy < the user's own settings
//! < environment (support, tests) < managed policy. A managed value is
//! locked: the settings screen shows it and refuses changes.
//!
//! Bad input never stops the app: a value that does not parse keeps the
//! layer below, and the problem is reported (`sprechzimmer policy`, log).

pub mod definition;
pub mod sources;
pub mod templates;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::hosts::UrlRules;
pub use definition::{Def, Kind, DEFS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Default,
    Recommended,
    User,
    Environment,
    Managed,
}

/// One source of values: a level and where it came from (a file, a
/// registry key), for `sprechzimmer policy` and support.
#[derive(Debug, Clone)]
pub struct Layer {
    pub level: Level,
    pub origin: String,
    pub values: Map<String, Json>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub key: &'static str,
    pub value: Option<Json>,
    pub level: Level,
    pub origin: String,
    pub locked: bool,
    /// A managed restriction whose value was invalid, held closed (see
    /// `definition::Closed`) rather than dropped.
    pub failed_closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub origin: String,
    pub key: String,
    pub problem: &'static str,
}

impl Problem {
    pub fn new(origin: &str, key: &str, problem: &'static str) -> Problem {
        // Keys come from files too: bounded, printable.
        let key = key.chars().filter(|c| !c.is_control()).take(64).collect();
        Problem { origin: origin.to_string(), key, problem }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Resolved {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

impl Resolved {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)?.value.as_ref()?.as_str()
    }

    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        let items = self.get(key)?.value.as_ref()?.as_array()?;
        Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
    }

    pub fn is_locked(&self, key: &str) -> bool {
        self.get(key).is_some_and(|e| e.locked)
    }
}

/// Applies `layers` (any order; sorted by level, stable, so within a level
/// the later layer wins) over the defaults.
pub fn resolve(layers: &[Layer], rules: UrlRules) -> Resolved {
    let mut layers: Vec<&Layer> = layers.iter().collect();
    layers.sort_by_key(|l| l.level);
    let mut out = Resolved::default();
    for layer in &layers {
        for key in layer.values.keys() {
            match definition::find(key) {
                None => out.problems.push(Problem::new(&layer.origin, key, "unknown_key")),
                Some(d) if layer.level == Level::User && !d.user => out.problems.push(Problem::new(&layer.origin, key, "not_a_user_setting")),
                Some(_) => {}
            }
        }
    }
    for def in DEFS {
        let mut entry = Entry {
            key: def.key,
            value: def.default.map(Json::from),
            level: Level::Default,
            origin: "default".into(),
            locked: false,
            failed_closed: false,
        };
        for layer in &layers {
            let Some(raw) = layer.values.get(def.key) else { continue };
            if layer.level == Level::User && !def.user {
                continue;
            }
            match def.parse(raw, rules) {
                Ok(Some(v)) => {
                    entry = Entry {
                        key: def.key,
                        value: Some(v),
                        level: layer.level,
                        origin: layer.origin.clone(),
                        locked: layer.level == Level::Managed,
                        failed_closed: false,
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    out.problems.push(Problem::new(&layer.origin, def.key, e.code()));
                    // A broken restriction never widens what the app allows.
                    let closed = if layer.level == Level::Managed { def.closed_value(raw, rules) } else { None };
                    if let Some(value) = closed {
                        entry = Entry { key: def.key, value, level: Level::Managed, origin: layer.origin.clone(), locked: true, failed_closed: true };
                    }
                }
            }
        }
        out.entries.push(entry);
    }
    out
}

/// What `sprechzimmer policy` prints.
pub fn report(r: &Resolved) -> String {
    let mut s = String::new();
    let width = DEFS.iter().map(|d| d.key.len()).max().unwrap_or(0);
    for e in &r.entries {
        let value = match &e.value {
            None if e.failed_closed => "(nothing allowed)".to_string(),
            None => "(not set)".to_string(),
            Some(Json::String(v)) => v.clone(),
            Some(Json::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
            Some(v) => v.to_string(),
        };
        let lock = match (e.locked, e.failed_closed) {
            (_, true) => " [locked; the managed value was invalid, held to the strictest reading]",
            (true, false) => " [locked]",
            _ => "",
        };
        let from = match e.level {
            Level::Default => "default".to_string(),
            Level::Recommended => format!("recommended policy: {}", e.origin),
            Level::User => format!("user settings: {}", e.origin),
            Level::Environment => format!("environment: {}", e.origin),
            Level::Managed => format!("managed policy: {}", e.origin),
        };
        s.push_str(&format!("{:width$}  {value}\n{:width$}  from {from}{lock}\n", e.key, ""));
    }
    if r.problems.is_empty() {
        s.push_str("\nNo problems.\n");
    } else {
        s.push_str("\nProblems (the setting fell back to the layer below):\n");
        for p in &r.problems {
            let key = if p.key.is_empty() { "(file)".to_string() } else { p.key.clone() };
            s.push_str(&format!("  {}: {key}: {}\n", p.origin, p.problem));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn layer(level: Level, origin: &str, values: Json) -> Layer {
        Layer { level, origin: origin.into(), values: values.as_object().unwrap().clone() }
    }

    #[test]
    fn precedence_matrix() {
        // For each combination of layers that set meetingView, the highest wins.
        let levels = [Level::Recommended, Level::User, Level::Environment, Level::Managed];
        let value = |l: Level| match l {
            Level::Recommended => "browser",
            Level::User => "embedded",
            Level::Environment => "auto",
            _ => "browser",
        };
        for mask in 0u32..16 {
            let present: Vec<Level> = levels.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, l)| *l).collect();
            // Given in reverse to show the order of the list does not matter.
            let layers: Vec<Layer> = present.iter().rev().map(|l| layer(*l, &format!("{l:?}"), json!({ "meetingView": value(*l) }))).collect();
            let r = resolve(&layers, UrlRules::default());
            let e = r.get("meetingView").unwrap();
            let expected = present.iter().max().copied().unwrap_or(Level::Default);
            assert_eq!(e.level, expected, "mask {mask:04b}");
            assert_eq!(e.value, Some(json!(if expected == Level::Default { "auto" } else { value(expected) })));
            assert_eq!(e.locked, expected == Level::Managed, "only managed values are locked");
            assert!(r.problems.is_empty());
        }
    }

    #[test]
    fn within_a_level_the_later_source_wins() {
        let r = resolve(
            &[
                layer(Level::Managed, "user policy", json!({ "language": "en", "logLevel": "info" })),
                layer(Level::Managed, "machine policy", json!({ "language": "de" })),
            ],
            UrlRules::default(),
        );
        assert_eq!(r.str("language"), Some("de"));
        assert_eq!(r.get("language").unwrap().origin, "machine policy");
        assert_eq!(r.str("logLevel"), Some("info"));
    }

    #[test]
    fn bad_values_fall_back_to_the_layer_below_and_are_reported() {
        let r = resolve(
            &[
                layer(Level::User, "settings.json", json!({ "meetingView": "browser", "allowedMeetingHosts": ["x.example.org"] })),
                layer(Level::Managed, "policy.json", json!({ "meetingView": 7, "proxyUrl": "not a url", "telemetry": true, "language": "" })),
            ],
            UrlRules::default(),
        );
        assert_eq!(r.str("meetingView"), Some("browser"), "the user's value stays");
        assert_eq!(r.get("meetingView").unwrap().level, Level::User);
        assert!(!r.is_locked("meetingView"));
        assert_eq!(r.get("proxyUrl").unwrap().value, None);
        assert_eq!(r.str("language"), Some("auto"), "empty (as an MSI writes it) is not set");
        assert_eq!(r.get("allowedMeetingHosts").unwrap().value, None, "users cannot set restrictions");
        let got: Vec<(&str, &str)> = r.problems.iter().map(|p| (p.key.as_str(), p.problem)).collect();
        for want in [
            ("meetingView", "wrong_type"),
            ("proxyUrl", "invalid_value"),
            ("telemetry", "unknown_key"),
            ("allowedMeetingHosts", "not_a_user_setting"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
    }

    #[test]
    fn broken_managed_restrictions_fail_closed() {
        let r = resolve(
            &[
                layer(Level::Recommended, "rec", json!({ "meetingView": "browser" })),
                layer(
                    Level::Managed,
                    "policy.json",
                    json!({
                        "allowedMeetingHosts": ["bbb.example.org", "https://bbb2.example.org"],
                        "allowedProviders": ["zoom"],
                        "counsellorMode": "disabled",
                        "organisationProfileUrl": "beratung.example.org/profile.json",
                        "meetingView": "sometimes",
                    }),
                ),
            ],
            UrlRules::default(),
        );
        assert_eq!(r.list("allowedMeetingHosts"), Some(vec!["bbb.example.org".to_string()]), "the valid item only");
        assert_eq!(r.list("allowedProviders"), Some(vec![]), "nothing valid: nothing allowed");
        assert_eq!(r.str("counsellorMode"), Some("off"));
        let org = r.get("organisationProfileUrl").unwrap();
        assert!(org.locked && org.failed_closed && org.value.is_none());
        for key in ["allowedMeetingHosts", "allowedProviders", "counsellorMode"] {
            assert!(r.is_locked(key) && r.get(key).unwrap().failed_closed, "{key}");
        }
        // An ordinary setting still falls back to the layer below.
        assert_eq!((r.str("meetingView"), r.get("meetingView").unwrap().failed_closed), (Some("browser"), false));
        assert_eq!(r.problems.len(), 5, "every one is reported");
        let text = report(&r);
        assert!(text.contains("(nothing allowed)") && text.contains("held to the strictest reading"), "{text}");
        // Empty (an MSI property nobody gave) is still "not set", not broken.
        let r = resolve(&[layer(Level::Managed, "msi", json!({ "allowedMeetingHosts": "", "counsellorMode": "" }))], UrlRules::default());
        assert_eq!((r.get("allowedMeetingHosts").unwrap().value.clone(), r.str("counsellorMode")), (None, Some("on")));
    }

    #[test]
    fn report_names_value_source_and_lock() {
        let r = resolve(
            &[layer(Level::Managed, "/etc/sprechzimmer/policies/managed/org.json", json!({ "allowedProviders": ["jitsi"], "x": 1 }))],
            UrlRules::default(),
        );
        let text = report(&r);
        assert!(text.contains("allowedProviders"));
        assert!(text.contains("jitsi"));
        assert!(text.contains("from managed policy: /etc/sprechzimmer/policies/managed/org.json [locked]"));
        assert!(text.contains("from default"));
        assert!(text.contains("x: unknown_key"));
    }
}
