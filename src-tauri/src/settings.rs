//! The user's settings, from `settings.json` in the app's config folder, with
//! environment overrides for support and tests. A value the app does not
//! understand falls back to its default and is reported, never fatal.
//! Managed policy will sit on top of this (see the policy issue).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::browser::BrowserKind;

pub const FILE_NAME: &str = "settings.json";
pub const ENV_MEETING_VIEW: &str = "SPRECHZIMMER_MEETING_VIEW";
pub const ENV_BROWSER: &str = "SPRECHZIMMER_BROWSER";

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

impl MeetingView {
    fn parse(s: &str) -> Option<MeetingView> {
        match s {
            "auto" => Some(MeetingView::Auto),
            "embedded" => Some(MeetingView::Embedded),
            "browser" => Some(MeetingView::Browser),
            _ => None,
        }
    }
}

/// Which browser carries a meeting when the webview cannot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserChoice {
    /// The first one installed, in `BrowserKind::PREFERENCE` order.
    #[default]
    Auto,
    Kind(BrowserKind),
    /// A Chromium-family executable at this absolute path.
    Path(PathBuf),
}

impl BrowserChoice {
    fn parse(s: &str) -> Option<BrowserChoice> {
        if s == "auto" {
            return Some(BrowserChoice::Auto);
        }
        if let Some(kind) = BrowserKind::from_name(s) {
            return Some(BrowserChoice::Kind(kind));
        }
        let p = Path::new(s);
        p.is_absolute().then(|| BrowserChoice::Path(p.to_path_buf()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub meeting_view: MeetingView,
    pub browser: BrowserChoice,
}

/// A setting that was ignored, and why. Carries no value: values can be
/// paths with a user name in them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub source: &'static str,
    pub key: String,
    pub problem: &'static str,
}

impl Settings {
    pub fn file_in(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> (Settings, Vec<Problem>) {
        let mut s = Settings::default();
        let mut problems = Vec::new();
        if let Some(file) = file {
            match std::fs::read(file) {
                Ok(bytes) if bytes.len() > 64 * 1024 => problems.push(problem("file", "", "too_large")),
                Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                    Ok(serde_json::Value::Object(map)) => {
                        for (key, value) in map {
                            s.apply("file", &key, value.as_str(), &mut problems);
                        }
                    }
                    Ok(_) | Err(_) => problems.push(problem("file", "", "malformed")),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => problems.push(problem("file", "", "unreadable")),
            }
        }
        for (var, key) in [(ENV_MEETING_VIEW, "meetingView"), (ENV_BROWSER, "browser")] {
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                s.apply("environment", key, Some(&v), &mut problems);
            }
        }
        (s, problems)
    }

    fn apply(&mut self, source: &'static str, key: &str, value: Option<&str>, problems: &mut Vec<Problem>) {
        let ok = match (key, value) {
            ("meetingView", Some(v)) => MeetingView::parse(v).map(|v| self.meeting_view = v).is_some(),
            ("browser", Some(v)) => BrowserChoice::parse(v).map(|v| self.browser = v).is_some(),
            ("meetingView" | "browser", None) => false,
            _ => {
                problems.push(problem(source, key, "unknown_key"));
                return;
            }
        };
        if !ok {
            problems.push(problem(source, key, "invalid_value"));
        }
    }
}

fn problem(source: &'static str, key: &str, what: &'static str) -> Problem {
    Problem { source, key: key.chars().take(64).collect(), problem: what }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_without_a_file() {
        let t = tempfile::tempdir().unwrap();
        let (s, p) = Settings::load(Some(&t.path().join("missing.json")), no_env);
        assert_eq!(s, Settings::default());
        assert!(p.is_empty());
        assert_eq!(s.meeting_view, MeetingView::Auto);
        assert_eq!(s.browser, BrowserChoice::Auto);
    }

    #[test]
    fn file_then_environment() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join(FILE_NAME);
        std::fs::write(&f, r#"{"meetingView":"browser","browser":"chrome"}"#).unwrap();
        let (s, p) = Settings::load(Some(&f), no_env);
        assert_eq!((s.meeting_view, s.browser), (MeetingView::Browser, BrowserChoice::Kind(BrowserKind::Chrome)));
        assert!(p.is_empty());
        let env = |k: &str| (k == ENV_MEETING_VIEW).then(|| "embedded".to_string());
        let (s, _) = Settings::load(Some(&f), env);
        assert_eq!(s.meeting_view, MeetingView::Embedded, "the environment wins");
        assert_eq!(s.browser, BrowserChoice::Kind(BrowserKind::Chrome));
    }

    #[test]
    fn bad_input_falls_back_and_is_reported() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join(FILE_NAME);
        let cases: &[(&str, &[&str])] = &[
            ("{not json", &["malformed"]),
            ("[1,2]", &["malformed"]),
            (r#"{"meetingView":"sometimes"}"#, &["invalid_value"]),
            (r#"{"meetingView":3}"#, &["invalid_value"]),
            (r#"{"browser":"relative/chromium"}"#, &["invalid_value"]),
            (r#"{"telemetry":"on","browser":"auto"}"#, &["unknown_key"]),
        ];
        for (text, expected) in cases {
            std::fs::write(&f, text).unwrap();
            let (s, p) = Settings::load(Some(&f), no_env);
            assert_eq!(s, Settings::default(), "{text}");
            let got: Vec<_> = p.iter().map(|p| p.problem).collect();
            assert_eq!(&got, expected, "{text}");
        }
        std::fs::write(&f, vec![b' '; 70 * 1024]).unwrap();
        assert_eq!(Settings::load(Some(&f), no_env).1[0].problem, "too_large");
        let env = |_: &str| Some("nonsense".to_string());
        let (s, p) = Settings::load(None, env);
        assert_eq!(s, Settings::default());
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn absolute_browser_paths_are_taken() {
        let env = |k: &str| (k == ENV_BROWSER).then(|| "/opt/kiosk/chromium".to_string());
        let (s, p) = Settings::load(None, env);
        assert_eq!(s.browser, BrowserChoice::Path("/opt/kiosk/chromium".into()));
        assert!(p.is_empty());
    }
}
