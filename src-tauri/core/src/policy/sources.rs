//! Where values come from. Each platform's policy store is read into the
//! same `Layer` (a JSON object); the platform code stays this small.
//!
//! - Linux: `/etc/sprechzimmer/policies/{recommended,managed}/*.json`,
//!   Chromium-style; files in name order, a later file wins.
//! - Windows: `HKCU\SOFTWARE\Policies\Sprechzimmer`, then
//!   `HKLM\SOFTWARE\Policies\Sprechzimmer` (the machine wins).
//! - macOS: managed preferences for `de.sprechzimmer.desktop`, per user and
//!   per machine (the machine wins).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::{Layer, Level, Problem};

pub const MAX_FILE: u64 = 256 * 1024;
pub const POLICY_DIR: &str = "/etc/sprechzimmer/policies";
pub const REGISTRY_KEY: &str = r"SOFTWARE\Policies\Sprechzimmer";

/// Environment variables that stand for settings (support, tests, demo).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("SPRECHZIMMER_PROFILE_URL", "organisationProfileUrl"),
    ("SPRECHZIMMER_MEETING_VIEW", "meetingView"),
    ("SPRECHZIMMER_BROWSER", "browser"),
    ("SPRECHZIMMER_PROXY", "proxyUrl"),
    ("SPRECHZIMMER_LANGUAGE", "language"),
    ("SPRECHZIMMER_LOG", "logLevel"),
];

pub fn environment(get: impl Fn(&str) -> Option<String>) -> Layer {
    let mut values = Map::new();
    for (var, key) in ENVIRONMENT {
        if let Some(v) = get(var).filter(|v| !v.is_empty()) {
            values.insert(key.to_string(), Json::from(v));
        }
    }
    Layer { level: Level::Environment, origin: "SPRECHZIMMER_* variables".into(), values }
}

/// A JSON object file. A missing file is no layer and no problem.
pub fn json_file(path: &Path, level: Level) -> Result<Option<Layer>, Problem> {
    let origin = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(Problem::new(&origin, "", "unreadable")),
    };
    if !meta.is_file() {
        return Err(Problem::new(&origin, "", "not_a_file"));
    }
    if meta.len() > MAX_FILE {
        return Err(Problem::new(&origin, "", "too_large"));
    }
    let bytes = std::fs::read(path).map_err(|_| Problem::new(&origin, "", "unreadable"))?;
    json_layer(&bytes, &origin, level).map(Some)
}

/// A policy file's bytes as a layer: one JSON object.
pub fn json_layer(bytes: &[u8], origin: &str, level: Level) -> Result<Layer, Problem> {
    match serde_json::from_slice::<Json>(bytes) {
        Ok(Json::Object(values)) => Ok(Layer { level, origin: origin.to_string(), values }),
        Ok(_) => Err(Problem::new(origin, "", "not_an_object")),
        Err(_) => Err(Problem::new(origin, "", "malformed_json")),
    }
}

/// Every `*.json` in `dir`, in name order.
pub fn json_dir(dir: &Path, level: Level) -> (Vec<Layer>, Vec<Problem>) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect(),
        Err(_) => return (vec![], vec![]),
    };
    files.sort();
    let mut layers = Vec::new();
    let mut problems = Vec::new();
    for f in files.iter().take(100) {
        match json_file(f, level) {
            Ok(Some(l)) => layers.push(l),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    (layers, problems)
}

/// A property list (XML or binary), as macOS stores managed preferences.
pub fn plist_file(path: &Path, level: Level) -> Result<Option<Layer>, Problem> {
    let origin = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => return Err(Problem::new(&origin, "", "too_large")),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(Problem::new(&origin, "", "unreadable")),
    }
    let bytes = std::fs::read(path).map_err(|_| Problem::new(&origin, "", "unreadable"))?;
    plist_layer(&bytes, &origin, level).map(Some)
}

/// A property list's bytes (XML or binary) as a layer: one dictionary.
pub fn plist_layer(bytes: &[u8], origin: &str, level: Level) -> Result<Layer, Problem> {
    let value = plist::Value::from_reader(std::io::Cursor::new(bytes)).map_err(|_| Problem::new(origin, "", "malformed_plist"))?;
    match plist_to_json(value) {
        Json::Object(values) => Ok(Layer { level, origin: origin.to_string(), values }),
        _ => Err(Problem::new(origin, "", "not_an_object")),
    }
}

fn plist_to_json(v: plist::Value) -> Json {
    match v {
        plist::Value::Dictionary(d) => Json::Object(d.into_iter().map(|(k, v)| (k, plist_to_json(v))).collect()),
        plist::Value::Array(a) => Json::Array(a.into_iter().map(plist_to_json).collect()),
        plist::Value::String(s) => Json::String(s),
        plist::Value::Boolean(b) => Json::Bool(b),
        plist::Value::Integer(i) => i.as_signed().map(Json::from).unwrap_or(Json::Null),
        plist::Value::Real(r) => serde_json::Number::from_f64(r).map(Json::Number).unwrap_or(Json::Null),
        _ => Json::Null,
    }
}

/// The policy root on Linux. Debug builds (the tests) and benchmark builds
/// (`loopback-http`, never shipped) may point it elsewhere; a shipped build
/// always reads `/etc`, so a user cannot step around a managed policy with
/// an environment variable.
pub fn linux_policy_root() -> PathBuf {
    if cfg!(any(debug_assertions, feature = "loopback-http")) {
        if let Some(dir) = std::env::var_os("SPRECHZIMMER_POLICY_ROOT") {
            return PathBuf::from(dir);
        }
    }
    PathBuf::from(POLICY_DIR)
}

/// The platform's policy layers (recommended and managed).
pub fn system() -> (Vec<Layer>, Vec<Problem>) {
    #[cfg(windows)]
    {
        windows::read()
    }
    #[cfg(target_os = "macos")]
    {
        let mut layers = Vec::new();
        let mut problems = Vec::new();
        let base = Path::new("/Library/Managed Preferences");
        let mut paths = Vec::new();
        if let Some(user) = real_user_name().filter(|u| !u.is_empty() && !u.contains('/')) {
            paths.push(base.join(&user).join(format!("{}.plist", crate::APP_ID)));
        }
        paths.push(base.join(format!("{}.plist", crate::APP_ID)));
        for p in paths {
            match plist_file(&p, Level::Managed) {
                Ok(Some(l)) => layers.push(l),
                Ok(None) => {}
                Err(e) => problems.push(e),
            }
        }
        (layers, problems)
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        let root = linux_policy_root();
        let (mut layers, mut problems) = json_dir(&root.join("recommended"), Level::Recommended);
        let (managed, p2) = json_dir(&root.join("managed"), Level::Managed);
        layers.extend(managed);
        problems.extend(p2);
        (layers, problems)
    }
}

/// The account name of the real uid. Not `$USER`: whoever starts the app
/// sets its environment, and could pick another user's managed settings.
#[cfg(any(test, target_os = "macos"))]
#[cfg(unix)]
fn real_user_name() -> Option<String> {
    // SAFETY: getpwuid_r writes only into `pwd` and `buf`, whose sizes it
    // is given; `pw_name` points into `buf` and is read before it goes.
    unsafe {
        let uid = libc::getuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        if libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) != 0 || found.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(pwd.pw_name).to_str().ok().map(str::to_string)
    }
}

/// One registry value, as the platform code hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegValue {
    Str(String),
    Multi(Vec<String>),
    Dword(u32),
    /// Binary, QWORD or anything else a policy never uses.
    Other,
}

/// A registry key's values as a layer. Windows matches value names without
/// regard to case, so `OrganisationProfileUrl` is `organisationProfileUrl`;
/// names no setting has stay as they are and are reported as unknown.
pub fn registry_layer(origin: &str, level: Level, values: impl IntoIterator<Item = (String, RegValue)>) -> (Layer, Vec<Problem>) {
    let mut map = Map::new();
    let mut problems = Vec::new();
    for (name, value) in values {
        let key = super::definition::find_ignore_case(&name).map_or(name, |d| d.key.to_string());
        let json = match value {
            // The ADMX writes switches as DWORDs; settings take them as text.
            RegValue::Dword(n) => Json::from(n.to_string()),
            RegValue::Str(s) => Json::from(s),
            RegValue::Multi(items) => Json::from(items),
            RegValue::Other => {
                problems.push(Problem::new(origin, &key, "wrong_type"));
                continue;
            }
        };
        if map.insert(key.clone(), json).is_some() {
            // Only one value per name can exist in a real key; a reader that
            // saw two (case variants) keeps neither guessing silently.
            problems.push(Problem::new(origin, &key, "duplicate_key"));
        }
    }
    (Layer { level, origin: origin.to_string(), values: map }, problems)
}

#[cfg(windows)]
pub mod windows {
    use super::*;
    use windows_registry::{Key, Type, CURRENT_USER, LOCAL_MACHINE};

    pub fn read() -> (Vec<Layer>, Vec<Problem>) {
        let mut layers = Vec::new();
        let mut problems = Vec::new();
        // User policy first: the machine's, read later, wins.
        for (root, name) in [(CURRENT_USER, "HKCU"), (LOCAL_MACHINE, "HKLM")] {
            let (layer, p) = read_key(root, REGISTRY_KEY, &format!(r"{name}\{REGISTRY_KEY}"));
            layers.extend(layer);
            problems.extend(p);
        }
        (layers, problems)
    }

    /// One policy key; a missing key is no layer and no problem.
    pub fn read_key(root: &Key, path: &str, origin: &str) -> (Option<Layer>, Vec<Problem>) {
        let Ok(key) = root.open(path) else { return (None, vec![]) };
        let Ok(values) = key.values() else {
            return (None, vec![Problem::new(origin, "", "unreadable")]);
        };
        let values = values.map(|(name, value)| {
            let v = match value.ty() {
                Type::U32 => u32::try_from(value).map_or(RegValue::Other, RegValue::Dword),
                Type::String | Type::ExpandString => String::try_from(value).map_or(RegValue::Other, RegValue::Str),
                Type::MultiString => Vec::<String>::try_from(value).map_or(RegValue::Other, RegValue::Multi),
                _ => RegValue::Other,
            };
            (name, v)
        });
        let (layer, problems) = registry_layer(origin, Level::Managed, values);
        (Some(layer), problems)
    }
}

/// Everything, lowest first: system recommended, the user's file, the
/// environment, system managed.
pub fn gather(user_file: Option<&Path>, get_env: impl Fn(&str) -> Option<String>) -> (Vec<Layer>, Vec<Problem>) {
    let (mut layers, mut problems) = system();
    if let Some(f) = user_file {
        match json_file(f, Level::User) {
            Ok(Some(l)) => layers.push(l),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    layers.push(environment(get_env));
    (layers, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;
    use crate::policy::resolve;

    /// Managed preferences on macOS are chosen by this name: the real uid's
    /// account, whatever `$USER` says.
    #[cfg(unix)]
    #[test]
    fn the_user_is_the_real_uid_not_the_environment() {
        let id = std::process::Command::new("id").arg("-un").env("USER", "someone-else").output().unwrap();
        let expected = String::from_utf8(id.stdout).unwrap().trim().to_string();
        // No other test reads USER.
        std::env::set_var("USER", "someone-else");
        assert_eq!(real_user_name().as_deref(), Some(expected.as_str()));
        assert_ne!(expected, "someone-else");
    }

    #[test]
    fn linux_directories_recommended_and_managed() {
        let t = tempfile::tempdir().unwrap();
        let (rec, man) = (t.path().join("recommended"), t.path().join("managed"));
        std::fs::create_dir_all(&rec).unwrap();
        std::fs::create_dir_all(&man).unwrap();
        std::fs::write(rec.join("a.json"), r#"{"meetingView":"browser","language":"en"}"#).unwrap();
        std::fs::write(man.join("10-org.json"), r#"{"allowedProviders":["jitsi"],"language":"en"}"#).unwrap();
        std::fs::write(man.join("20-site.json"), r#"{"language":"de"}"#).unwrap();
        std::fs::write(man.join("notes.txt"), "not read").unwrap();
        let (mut layers, problems) = json_dir(&rec, Level::Recommended);
        let (m, p2) = json_dir(&man, Level::Managed);
        layers.extend(m);
        assert!(problems.is_empty() && p2.is_empty());
        layers.push(Layer {
            level: Level::User,
            origin: "u".into(),
            values: serde_json::json!({"meetingView": "embedded"}).as_object().unwrap().clone(),
        });
        let r = resolve(&layers, UrlRules::default());
        assert_eq!(r.str("meetingView"), Some("embedded"), "the user beats a recommendation");
        assert_eq!(r.str("language"), Some("de"), "a later managed file wins");
        assert!(r.get("language").unwrap().origin.ends_with("20-site.json"));
        assert!(r.is_locked("allowedProviders"));
    }

    #[test]
    fn hostile_files_are_problems_not_crashes() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::write(d.join("1-broken.json"), "{\"language\": ").unwrap();
        std::fs::write(d.join("2-array.json"), "[1,2,3]").unwrap();
        std::fs::write(d.join("3-huge.json"), vec![b' '; (MAX_FILE + 1) as usize]).unwrap();
        std::fs::write(d.join("4-binary.json"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
        std::fs::create_dir(d.join("5-dir.json")).unwrap();
        std::fs::write(d.join("6-deep.json"), format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))).unwrap();
        std::fs::write(d.join("7-good.json"), r#"{"logLevel":"info"}"#).unwrap();
        let (layers, problems) = json_dir(d, Level::Managed);
        assert_eq!(layers.len(), 1, "only the good file");
        let kinds: Vec<&str> = problems.iter().map(|p| p.problem).collect();
        assert_eq!(kinds, ["malformed_json", "not_an_object", "too_large", "malformed_json", "not_a_file", "malformed_json"]);
        assert!(json_dir(&d.join("missing"), Level::Managed).0.is_empty());
    }

    #[test]
    fn mac_managed_preferences_as_plist() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("de.sprechzimmer.desktop.plist");
        std::fs::write(
            &p,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>allowedMeetingHosts</key><array><string>bbb.example.org</string></array>
  <key>meetingView</key><string>embedded</string>
  <key>logLevel</key><integer>3</integer>
</dict></plist>"#,
        )
        .unwrap();
        let layer = plist_file(&p, Level::Managed).unwrap().unwrap();
        let r = resolve(&[layer], UrlRules::default());
        assert_eq!(r.list("allowedMeetingHosts"), Some(vec!["bbb.example.org".to_string()]));
        assert_eq!(r.str("meetingView"), Some("embedded"));
        assert_eq!(r.str("logLevel"), Some("warn"), "a number is the wrong type");
        assert_eq!(r.problems[0].problem, "wrong_type");
        std::fs::write(&p, "<plist><dict><key>x</key>").unwrap();
        assert_eq!(plist_file(&p, Level::Managed).unwrap_err().problem, "malformed_plist");
    }

    #[test]
    fn environment_variables_map_to_keys() {
        let l = environment(|k| match k {
            "SPRECHZIMMER_MEETING_VIEW" => Some("browser".into()),
            "SPRECHZIMMER_LOG" => Some("debug".into()),
            "SPRECHZIMMER_BROWSER" => Some(String::new()),
            _ => None,
        });
        assert_eq!(l.values.len(), 2);
        assert_eq!(l.values["meetingView"], "browser");
        assert_eq!(l.values["logLevel"], "debug");
    }

    #[test]
    fn registry_names_match_without_case_and_types_map() {
        let (layer, problems) = registry_layer(
            r"HKLM\SOFTWARE\Policies\Sprechzimmer",
            Level::Managed,
            [
                ("OrganisationProfileUrl".to_string(), RegValue::Str("https://beratung.example.org/p.json".into())),
                ("ALLOWEDPROVIDERS".to_string(), RegValue::Multi(vec!["bbb".into()])),
                ("autostart".to_string(), RegValue::Dword(1)),
                ("logLevel".to_string(), RegValue::Other),
                ("Telemetry".to_string(), RegValue::Str("on".into())),
            ],
        );
        assert_eq!(layer.values["organisationProfileUrl"], "https://beratung.example.org/p.json");
        assert_eq!(layer.values["allowedProviders"], serde_json::json!(["bbb"]));
        assert_eq!(layer.values["autostart"], "1");
        assert!(!layer.values.contains_key("logLevel"));
        assert!(layer.values.contains_key("Telemetry"), "unknown names stay, to be reported");
        assert_eq!(problems, vec![Problem::new(r"HKLM\SOFTWARE\Policies\Sprechzimmer", "logLevel", "wrong_type")]);
        let r = resolve(&[layer], UrlRules::default());
        assert!(r.is_locked("organisationProfileUrl"));
        assert!(r.problems.iter().any(|p| p.key == "Telemetry" && p.problem == "unknown_key"));

        let (_, problems) = registry_layer(
            "k",
            Level::Managed,
            [("language".to_string(), RegValue::Str("de".into())), ("Language".to_string(), RegValue::Str("en".into()))],
        );
        assert_eq!(problems[0].problem, "duplicate_key");
    }

    /// The real registry (Windows, or Wine on CI): a key of its own under
    /// HKCU, so the machine's policy is never touched.
    #[cfg(windows)]
    #[test]
    fn windows_registry_key_is_read_as_a_locked_layer() {
        use windows_registry::CURRENT_USER;
        let path = format!(r"Software\SprechzimmerTest\{}", std::process::id());
        let key = CURRENT_USER.create(&path).unwrap();
        key.set_string("ORGANISATIONPROFILEURL", "https://beratung.example.org/p.json").unwrap();
        key.set_multi_string("allowedMeetingHosts", &["bbb.example.org", "*.example.net"]).unwrap();
        key.set_u32("counsellorMode", 7).unwrap();
        key.set_bytes("proxyUrl", windows_registry::Type::Bytes, &[1, 2, 3]).unwrap();
        let (layer, problems) = windows::read_key(CURRENT_USER, &path, "HKCU test");
        let _ = CURRENT_USER.remove_tree(&path);
        let layer = layer.expect("the key exists");
        assert_eq!(problems.iter().map(|p| (p.key.as_str(), p.problem)).collect::<Vec<_>>(), [("proxyUrl", "wrong_type")]);
        let r = resolve(&[layer], UrlRules::default());
        assert_eq!(r.str("organisationProfileUrl"), Some("https://beratung.example.org/p.json"));
        assert_eq!(r.list("allowedMeetingHosts"), Some(vec!["bbb.example.org".to_string(), "*.example.net".to_string()]));
        assert!(r.is_locked("allowedMeetingHosts"));
        assert!(r.problems.iter().any(|p| p.key == "counsellorMode" && p.problem == "invalid_value"), "a number that is no choice is reported");
        assert!(windows::read_key(CURRENT_USER, r"Software\SprechzimmerTest\missing", "x").0.is_none());
    }
}
