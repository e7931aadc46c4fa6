//! The fallback for webviews without WebRTC: an installed Chromium-family
//! browser, started by the app with a throwaway profile inside the session
//! folder and driven over the DevTools protocol on a private pipe.
//!
//! Firefox is not offered: it has no pipe transport for its remote protocol,
//! and a debugging port on loopback could be used by any local process.

pub mod cdp;
pub mod process;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrowserKind {
    Chromium,
    Chrome,
    Edge,
}

impl BrowserKind {
    /// Free software first, then the vendors' builds.
    pub const PREFERENCE: [BrowserKind; 3] = [BrowserKind::Chromium, BrowserKind::Chrome, BrowserKind::Edge];

    pub fn from_name(s: &str) -> Option<BrowserKind> {
        match s {
            "chromium" => Some(BrowserKind::Chromium),
            "chrome" => Some(BrowserKind::Chrome),
            "edge" => Some(BrowserKind::Edge),
            _ => None,
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            BrowserKind::Chromium => "Chromium",
            BrowserKind::Chrome => "Google Chrome",
            BrowserKind::Edge => "Microsoft Edge",
        }
    }

    /// Program names looked up on `PATH`.
    fn commands(self) -> &'static [&'static str] {
        match self {
            BrowserKind::Chromium => &["chromium", "chromium-browser"],
            BrowserKind::Chrome => &["google-chrome-stable", "google-chrome"],
            BrowserKind::Edge => &["microsoft-edge-stable", "microsoft-edge"],
        }
    }

    /// Fixed install locations where browsers are not on `PATH`.
    fn fixed_paths(self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        if cfg!(target_os = "macos") {
            let app = match self {
                BrowserKind::Chromium => "Chromium.app/Contents/MacOS/Chromium",
                BrowserKind::Chrome => "Google Chrome.app/Contents/MacOS/Google Chrome",
                BrowserKind::Edge => "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
            };
            v.push(Path::new("/Applications").join(app));
        }
        if cfg!(windows) {
            let exe = match self {
                BrowserKind::Chromium => r"Chromium\Application\chrome.exe",
                BrowserKind::Chrome => r"Google\Chrome\Application\chrome.exe",
                BrowserKind::Edge => r"Microsoft\Edge\Application\msedge.exe",
            };
            for var in ["ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"] {
                if let Some(base) = std::env::var_os(var) {
                    v.push(Path::new(&base).join(exe));
                }
            }
        }
        v
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    pub kind: BrowserKind,
    pub path: PathBuf,
}

impl Installed {
    pub fn display_name(&self) -> &'static str {
        self.kind.display_name()
    }
}

/// Finds the browser to use. `search_path` is the value of `PATH`.
pub fn find(choice: &BrowserChoice, search_path: Option<&std::ffi::OsStr>) -> Option<Installed> {
    let dirs: Vec<PathBuf> = search_path.map(|p| std::env::split_paths(p).collect()).unwrap_or_default();
    let locate = |kind: BrowserKind| {
        kind.commands()
            .iter()
            .flat_map(|c| dirs.iter().map(move |d| d.join(c)))
            .chain(kind.fixed_paths())
            .find(|p| usable(p))
            .map(|path| Installed { kind, path })
    };
    match choice {
        BrowserChoice::Auto => BrowserKind::PREFERENCE.into_iter().find_map(locate),
        BrowserChoice::Kind(kind) => locate(*kind),
        BrowserChoice::Path(path) => usable(path).then(|| Installed { kind: guess_kind(path), path: path.clone() }),
    }
}

fn guess_kind(path: &Path) -> BrowserKind {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.contains("edge") {
        BrowserKind::Edge
    } else if name.contains("chrome") && !name.contains("chromium") {
        BrowserKind::Chrome
    } else {
        BrowserKind::Chromium
    }
}

fn usable(p: &Path) -> bool {
    is_executable(p) && !is_snap(p)
}

/// A snap's browser (Ubuntu's `chromium`, a wrapper script that starts
/// `/snap/bin/chromium`) is confined: it cannot keep its profile in the
/// session folder and would fall back to the user's own. Never used.
fn is_snap(p: &Path) -> bool {
    if std::fs::canonicalize(p).is_ok_and(|c| in_snap(&c)) {
        return true;
    }
    // Wrapper scripts are small; a real browser binary is not read.
    match std::fs::metadata(p) {
        Ok(m) if m.len() < 64 * 1024 => std::fs::read(p).is_ok_and(|b| b.starts_with(b"#!") && b.windows(10).any(|w| w == b"/snap/bin/")),
        _ => false,
    }
}

fn in_snap(canonical: &Path) -> bool {
    canonical.starts_with("/snap") || canonical.starts_with("/var/lib/snapd")
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Everything the browser may write goes below `root`: the profile, and a
/// home of its own for what Chromium keeps outside the profile (NSS
/// database, font and shader caches).
#[derive(Debug, Clone)]
pub struct ProfileDirs {
    pub root: PathBuf,
    /// Chromium's temporary files: the session's scratch folder
    /// (`wipe::SessionDir::scratch_dir`), short enough for the sockets
    /// Chromium makes there, and wiped with the session.
    pub tmp: PathBuf,
}

impl ProfileDirs {
    pub fn profile(&self) -> PathBuf {
        self.root.join("profile")
    }

    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The programs Chromium finds first on its `PATH` (`handler_stubs`).
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
}

/// Stand-ins for the freedesktop tools Chromium hands other schemes to
/// (`mailto:`, `sprechzimmer:`, `tel:`): the meeting must not start another
/// program, and Chromium has no switch that turns this off. Before it
/// launches a handler or asks "open xdg-open?", Chromium asks
/// `xdg-settings check default-url-scheme-handler …` whether it is the
/// handler itself; "yes" makes it drop the request without a dialog. The
/// others do nothing, should a version skip that question. The app learns
/// of the link over the pipe (`cdp::Event::Offer`) and decides, as for the
/// embedded window.
pub const HANDLER_STUBS: &[(&str, &str)] = &[
    (
        "xdg-settings",
        "#!/bin/sh\n# Sprechzimmer: the meeting browser is its own handler for every scheme.\ncase \"$1\" in check) echo yes ;; esac\nexit 0\n",
    ),
    ("xdg-open", "#!/bin/sh\n# Sprechzimmer: the meeting browser opens no other program.\nexit 1\n"),
    ("xdg-email", "#!/bin/sh\n# Sprechzimmer: the meeting browser opens no other program.\nexit 1\n"),
    ("xdg-mime", "#!/bin/sh\n# Sprechzimmer: no handler is named to the meeting browser.\nexit 1\n"),
    ("gio", "#!/bin/sh\n# Sprechzimmer: the meeting browser opens no other program.\nexit 1\n"),
];

/// Writes `HANDLER_STUBS` into `dirs.bin()`, owner-only and executable.
pub fn write_handler_stubs(dirs: &ProfileDirs) -> std::io::Result<()> {
    let bin = dirs.bin();
    std::fs::create_dir_all(&bin)?;
    for (name, script) in HANDLER_STUBS {
        let path = bin.join(name);
        std::fs::write(&path, script)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// No first-run screens, sync, extensions, background requests, crash
/// uploads or Google services: the browser talks only to the meeting.
const CHROMIUM_FLAGS: &[&str] = &[
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-sync",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    "--disable-default-apps",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--metrics-recording-only",
    "--no-pings",
    "--no-service-autorun",
    "--disable-search-engine-choice-screen",
    "--hide-crash-restore-bubble",
    "--password-store=basic",
    // Any permission not granted over the pipe (camera and microphone for
    // the meeting origin) is refused, never asked.
    "--deny-permission-prompts",
    "--use-mock-keychain",
    // No renderer started ahead for a next page: the meeting is the one page.
    "--disable-features=Translate,MediaRouter,DialMediaRouteProvider,OptimizationHints,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,SpareRendererForSitePerProcess",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1100,760",
];

/// The command line. The meeting URL is not on it: it carries session
/// tokens, and a process list is readable by every local user. The page is
/// sent over the pipe instead.
pub fn chromium_args(
    dirs: &ProfileDirs,
    lang: &str,
    as_root: bool,
    opening: &str,
    proxy: Option<&url::Url>,
    hosts: &[crate::hosts::HostPattern],
) -> Vec<OsString> {
    let mut args: Vec<OsString> = CHROMIUM_FLAGS.iter().map(OsString::from).collect();
    args.push(resolver_rules(hosts, proxy).into());
    let mut user_data = OsString::from("--user-data-dir=");
    user_data.push(dirs.profile());
    args.push(user_data);
    args.push(format!("--lang={lang}").into());
    if let Some(p) = proxy {
        let p = p.as_str().trim_end_matches('/');
        args.push(format!("--proxy-server={p}").into());
    }
    if as_root {
        // Chromium refuses to start as root with its sandbox on.
        args.push("--no-sandbox".into());
    }
    if cfg!(target_os = "linux") {
        // The network service in the browser process, not a process of its
        // own (about 25-35 MB): on Linux that process runs unsandboxed
        // (`--service-sandbox-type=none`) anyway. On Windows it is
        // sandboxed, so it stays apart there.
        args.push("--enable-features=NetworkServiceInProcess2".into());
    }
    args.push(format!("--app={}", opening_page(opening)).into());
    args
}

/// Chromium resolves no name but the meeting hosts (and the proxy): its
/// background services (update checks, IPv6 probes towards public DNS
/// servers) have nothing to reach, whatever flag a version forgets to honour.
/// IP literals (the loopback demo) need no resolving.
pub fn resolver_rules(hosts: &[crate::hosts::HostPattern], proxy: Option<&url::Url>) -> String {
    let mut rules = String::from("--host-resolver-rules=MAP * ~NOTFOUND");
    let proxy_host = proxy.and_then(|p| p.host_str()).map(str::to_string);
    for h in hosts.iter().map(ToString::to_string).chain(proxy_host) {
        rules.push_str(", EXCLUDE ");
        rules.push_str(&h);
    }
    rules
}

/// The app window's first page, shown until the meeting loads. A data URL:
/// `--app=about:blank` would give a normal window with Chromium's new-tab
/// page, which talks to third parties.
fn opening_page(text: &str) -> String {
    let text: String = text.chars().filter(|c| !matches!(c, '<' | '>' | '&')).collect();
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>Sprechzimmer</title>\
         <body style=\"font:16px system-ui,sans-serif;display:grid;place-items:center;height:90vh\">{text}"
    );
    let encoded: String = url::form_urlencoded::byte_serialize(html.as_bytes()).collect();
    format!("data:text/html,{}", encoded.replace('+', "%20"))
}

/// Environment changes for the browser process: its own home and XDG
/// folders inside the session folder, while X11 and PulseAudio still find
/// the user's credentials.
pub fn chromium_env(dirs: &ProfileDirs, real_home: Option<&Path>, get: impl Fn(&str) -> Option<OsString>) -> Vec<(String, OsString)> {
    let home = dirs.home();
    let mut env = vec![
        ("HOME".to_string(), home.clone().into_os_string()),
        ("XDG_CONFIG_HOME".to_string(), home.join(".config").into_os_string()),
        ("XDG_CACHE_HOME".to_string(), home.join(".cache").into_os_string()),
        ("XDG_DATA_HOME".to_string(), home.join(".local/share").into_os_string()),
        ("XDG_STATE_HOME".to_string(), home.join(".local/state").into_os_string()),
        // `/tmp/org.chromium.Chromium.*` otherwise, which a killed browser
        // leaves behind.
        ("TMPDIR".to_string(), dirs.tmp.clone().into_os_string()),
        ("PATH".to_string(), search_path(&dirs.bin(), get("PATH"))),
    ];
    if let Some(real) = real_home {
        let real_config = get("XDG_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| real.join(".config"));
        for (var, path) in [("XAUTHORITY", real.join(".Xauthority")), ("PULSE_COOKIE", real_config.join("pulse/cookie"))] {
            if get(var).is_none() && path.exists() {
                env.push((var.to_string(), path.into_os_string()));
            }
        }
    }
    env
}

/// `bin` first, then the app's own search path.
fn search_path(bin: &Path, inherited: Option<OsString>) -> OsString {
    let rest = inherited.unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
    let mut dirs = vec![bin.to_path_buf()];
    dirs.extend(std::env::split_paths(&rest));
    std::env::join_paths(dirs).unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_browser(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        p
    }

    #[test]
    fn finds_browsers_on_path_in_order_of_preference() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        fake_browser(a.path(), "google-chrome");
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        let found = find(&BrowserChoice::Auto, Some(&path)).unwrap();
        assert_eq!(found.kind, BrowserKind::Chrome);
        let chromium = fake_browser(b.path(), "chromium");
        let found = find(&BrowserChoice::Auto, Some(&path)).unwrap();
        assert_eq!((found.kind, found.path), (BrowserKind::Chromium, chromium));
        assert_eq!(find(&BrowserChoice::Kind(BrowserKind::Chrome), Some(&path)).unwrap().kind, BrowserKind::Chrome);
        if !cfg!(any(windows, target_os = "macos")) {
            assert_eq!(find(&BrowserChoice::Kind(BrowserKind::Edge), Some(&path)), None);
        }
    }

    #[test]
    fn nothing_found_without_a_browser() {
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(empty.path().join("chromium"), "not executable").unwrap();
        let path = std::env::join_paths([empty.path()]).unwrap();
        if !cfg!(any(windows, target_os = "macos")) {
            assert_eq!(find(&BrowserChoice::Auto, Some(&path)), None);
        }
        assert_eq!(find(&BrowserChoice::Path(empty.path().join("missing")), Some(&path)), None);
    }

    #[test]
    fn a_chosen_path_is_used_as_is() {
        let d = tempfile::tempdir().unwrap();
        let p = fake_browser(d.path(), "msedge-kiosk");
        let found = find(&BrowserChoice::Path(p.clone()), None).unwrap();
        assert_eq!((found.kind, found.path), (BrowserKind::Edge, p));
    }

    #[cfg(unix)]
    #[test]
    fn a_snap_browser_is_never_used() {
        assert!(in_snap(Path::new("/snap/chromium/3000/usr/lib/chromium-browser/chrome")));
        assert!(in_snap(Path::new("/snap/bin/chromium")));
        assert!(!in_snap(Path::new("/usr/bin/chromium")));
        let d = tempfile::tempdir().unwrap();
        // Ubuntu's transitional chromium-browser package: a script that
        // starts the snap.
        let wrapper = fake_browser(d.path(), "chromium");
        std::fs::write(&wrapper, "#!/bin/sh\nexec /snap/bin/chromium \"$@\"\n").unwrap();
        assert_eq!(find(&BrowserChoice::Auto, Some(d.path().as_os_str())), None);
        assert_eq!(find(&BrowserChoice::Path(wrapper.clone()), None), None, "not even when named");
        std::fs::write(&wrapper, "#!/bin/sh\nexec /usr/lib/chromium/chromium \"$@\"\n").unwrap();
        assert!(find(&BrowserChoice::Auto, Some(d.path().as_os_str())).is_some(), "Debian's own wrapper is fine");
    }

    #[test]
    fn command_line_keeps_the_browser_quiet_and_the_url_off() {
        let dirs = ProfileDirs { root: PathBuf::from("/tmp/s-1/browser"), tmp: PathBuf::from("/tmp/sz-1") };
        let args: Vec<String> =
            chromium_args(&dirs, "de", false, "Öffnen <script>", None, &[]).into_iter().map(|a| a.into_string().unwrap()).collect();
        let profile = format!("--user-data-dir={}", dirs.root.join("profile").display());
        for needed in [
            "--remote-debugging-pipe",
            "--no-first-run",
            "--disable-sync",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-breakpad",
            "--deny-permission-prompts",
            &profile,
            "--lang=de",
        ] {
            assert!(args.iter().any(|a| a == needed), "missing {needed}");
        }
        let app = args.iter().find_map(|a| a.strip_prefix("--app=")).unwrap();
        assert!(app.starts_with("data:text/html,"), "an app window, never the new-tab page");
        let page = url::form_urlencoded::parse(format!("p={}", &app["data:text/html,".len()..]).as_bytes()).next().unwrap().1.into_owned();
        assert!(page.contains("Öffnen script"), "{page}");
        assert!(!args.iter().any(|a| a.contains("remote-debugging-port")), "never a TCP port");
        assert!(!args.iter().any(|a| a == "--no-sandbox"));
        let features = |switch: &str| {
            let all: Vec<&String> = args.iter().filter(|a| a.starts_with(&format!("--{switch}="))).collect();
            assert!(all.len() <= 1, "chromium honours only the last --{switch}");
            all.first().map(|a| a.split_once('=').unwrap().1.split(',').map(str::to_string).collect::<Vec<_>>()).unwrap_or_default()
        };
        assert!(features("disable-features").contains(&"SpareRendererForSitePerProcess".to_string()), "no spare renderer");
        assert_eq!(
            features("enable-features").contains(&"NetworkServiceInProcess2".to_string()),
            cfg!(target_os = "linux"),
            "the network service in the browser process only where its own process has no sandbox"
        );
        assert!(chromium_args(&dirs, "en", true, "", None, &[]).iter().any(|a| a == "--no-sandbox"));
        let proxy = url::Url::parse("socks5://127.0.0.1:1080").unwrap();
        assert!(chromium_args(&dirs, "en", false, "", Some(&proxy), &[]).iter().any(|a| a == "--proxy-server=socks5://127.0.0.1:1080"));
        assert!(!args.iter().any(|a| a.starts_with("--proxy-server")), "no proxy unless configured");
        assert!(args.iter().any(|a| a == "--host-resolver-rules=MAP * ~NOTFOUND"), "nothing resolves without meeting hosts");
    }

    #[test]
    fn only_the_meeting_hosts_and_the_proxy_resolve() {
        let hosts = [crate::hosts::HostPattern::parse("bbb.example.org").unwrap(), crate::hosts::HostPattern::parse("*.meet.example.net").unwrap()];
        let proxy = url::Url::parse("http://proxy.example.org:3128").unwrap();
        assert_eq!(
            resolver_rules(&hosts, Some(&proxy)),
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE bbb.example.org, EXCLUDE *.meet.example.net, EXCLUDE proxy.example.org"
        );
    }

    #[test]
    fn environment_points_every_home_folder_into_the_session() {
        let dirs = ProfileDirs { root: PathBuf::from("/s/browser"), tmp: PathBuf::from("/tmp/sz-1") };
        let real = tempfile::tempdir().unwrap();
        std::fs::write(real.path().join(".Xauthority"), "x").unwrap();
        let env = chromium_env(&dirs, Some(real.path()), |_| None);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| PathBuf::from(v));
        assert_eq!(get("HOME"), Some(PathBuf::from("/s/browser/home")));
        for k in ["XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"] {
            assert!(get(k).unwrap().starts_with("/s/browser/home"), "{k}");
        }
        assert_eq!(get("TMPDIR"), Some(PathBuf::from("/tmp/sz-1")), "temporary files go to the session's scratch folder");
        // The platform's own separator (the fallback browser runs on Unix only).
        let path = |rest: &str| PathBuf::from(std::env::join_paths([dirs.bin()].into_iter().chain(std::env::split_paths(rest))).unwrap());
        assert_eq!(get("PATH"), Some(path("/usr/local/bin:/usr/bin:/bin")), "the handler stubs come first");
        assert_eq!(get("XAUTHORITY"), Some(real.path().join(".Xauthority")));
        assert_eq!(get("PULSE_COOKIE"), None, "only when it exists");
        let env = chromium_env(&dirs, Some(real.path()), |k| match k {
            "XAUTHORITY" => Some("/run/x".into()),
            "PATH" => Some("/opt/x/bin:/usr/bin".into()),
            _ => None,
        });
        assert!(!env.iter().any(|(k, _)| k == "XAUTHORITY"), "an existing XAUTHORITY stays");
        let found = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| PathBuf::from(v));
        assert_eq!(found, Some(path("/opt/x/bin:/usr/bin")), "the user's own search path follows");
    }

    /// Chromium's questions, as it asks them on Linux, answered by the
    /// stubs: it is the handler for everything, and nothing launches.
    #[cfg(unix)]
    #[test]
    fn handler_stubs_claim_every_scheme_and_open_nothing() {
        use std::os::unix::fs::PermissionsExt;
        use std::process::Command;
        let tmp = tempfile::tempdir().unwrap();
        let dirs = ProfileDirs { root: tmp.path().join("browser"), tmp: tmp.path().join("tmp") };
        write_handler_stubs(&dirs).unwrap();
        let path = search_path(&dirs.bin(), Some("/usr/bin:/bin".into()));
        let run = |args: &[&str]| Command::new(args[0]).args(&args[1..]).env("PATH", &path).output().unwrap();
        for scheme in ["mailto", "sprechzimmer", "tel"] {
            let out = run(&["xdg-settings", "check", "default-url-scheme-handler", scheme, "chromium.desktop"]);
            assert_eq!(String::from_utf8_lossy(&out.stdout), "yes\n", "{scheme}");
        }
        let named = run(&["xdg-mime", "query", "default", "x-scheme-handler/mailto"]);
        assert!(named.stdout.is_empty() && !named.status.success());
        for tool in ["xdg-open", "xdg-email", "gio"] {
            let out = run(&[tool, "mailto:x@example.org"]);
            assert!(!out.status.success() && out.stdout.is_empty(), "{tool}");
        }
        for (name, _) in HANDLER_STUBS {
            let mode = std::fs::metadata(dirs.bin().join(name)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{name}");
        }
    }
}
