//! The window-free subcommands, run as the real binary.

use std::process::Command;

use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_sprechzimmer");

fn invite(host: &str, scheme: &str) -> String {
    let cs = "0".repeat(64);
    let p = Url::parse(&format!("{scheme}://{host}/profile.json")).unwrap();
    let j = Url::parse(&format!("{scheme}://{host}/bigbluebutton/api/join?fullName=Kim&meetingID=m-secret-id&guest=true&checksum={cs}")).unwrap();
    let r = Url::parse(&format!("{scheme}://{host}/bigbluebutton/api/isMeetingRunning?meetingID=m-secret-id&checksum={cs}")).unwrap();
    sprechzimmer_lib::invite::build_bbb_link(&p, &j, &r, None, None)
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("SPRECHZIMMER_ALLOW_LOOPBACK_HTTP").env("LANG", "en_US.UTF-8").env_remove("LC_ALL");
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn check_invite_prints_a_summary() {
    let (code, out, err) = run(&["check-invite", &invite("bbb.example.org", "https")], &[]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["provider"], "bbb");
    assert_eq!(v["meeting_host"], "bbb.example.org");
    assert!(!out.contains("Kim") && !out.contains("m-secret-id"), "no personal data in the summary");
}

#[test]
fn check_invite_refuses_with_one_clear_line() {
    for bad in ["https://example.org", "sprechzimmer://join?v=9", "javascript:alert(1)", ""] {
        let (code, out, err) = run(&["check-invite", bad], &[]);
        assert_eq!(code, 2, "{bad}");
        assert!(out.is_empty());
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains('['), "carries the code: {err}");
    }
    let (code, _, err) = run(&["check-invite", &invite("127.0.0.1:9", "http")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("url.insecure"), "{err}");
    let (code, _, _) = run(&["check-invite", &invite("127.0.0.1:9", "http")], &[("SPRECHZIMMER_ALLOW_LOOPBACK_HTTP", "1")]);
    assert_eq!(code, 0);
}

#[test]
fn check_invite_covers_jitsi() {
    let p = Url::parse("https://beratung.example.org/p.json").unwrap();
    let room = Url::parse("https://meet.example.org/Beratung-42").unwrap();
    let link = sprechzimmer_lib::invite::build_jitsi_link(&p, &room, None, None);
    let (code, out, err) = run(&["check-invite", &link], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"provider\": \"jitsi\""), "{out}");
    // A plain room link needs the organisation the app is set up for.
    let (code, _, err) = run(&["check-invite", room.as_str()], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("invite.no_organisation"), "{err}");
    let (code, out, _) = run(&["check-invite", room.as_str()], &[("SPRECHZIMMER_PROFILE_URL", p.as_str())]);
    assert_eq!(code, 0);
    assert!(out.contains("beratung.example.org"), "{out}");
    let (code, _, err) =
        run(&["check-invite", "https://meet.example.org/R#config.analytics.disabled=false"], &[("SPRECHZIMMER_PROFILE_URL", p.as_str())]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn check_invite_speaks_german_by_default() {
    let (_, _, err) = run(&["check-invite", "nonsense"], &[("LANG", "de_DE.UTF-8")]);
    assert!(err.contains("Einladungslink"), "{err}");
}

#[test]
fn wipe_check_removes_leftovers() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let envs = [("XDG_CACHE_HOME", cache.to_str().unwrap()), ("HOME", home.path().to_str().unwrap())];
    let (code, out, _) = run(&["wipe", "--check"], &envs);
    assert_eq!(code, 0);
    assert!(out.contains("clean"), "{out}");
    assert!(!cache.join("de.sprechzimmer.desktop").exists(), "checking leaves no folder behind");

    let leftover = cache.join("de.sprechzimmer.desktop/sessions/s-00000000c0ffee01/webview");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("cookies"), "sid=secret").unwrap();
    let (code, out, _) = run(&["wipe", "--check"], &envs);
    assert_eq!(code, 0);
    assert!(out.contains("removed") && out.contains("s-00000000c0ffee01"), "{out}");
    assert!(!cache.join("de.sprechzimmer.desktop/sessions").exists());

    let (code, _, _) = run(&["wipe"], &envs);
    assert_eq!(code, 2, "usage error");
}

#[cfg(unix)]
#[test]
fn wipe_check_never_follows_a_symlinked_sessions_folder() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let elsewhere = home.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("s-00000000c0ffee02")).unwrap();
    std::fs::write(elsewhere.join("s-00000000c0ffee02/precious"), "keep").unwrap();
    std::fs::create_dir_all(cache.join("de.sprechzimmer.desktop")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, cache.join("de.sprechzimmer.desktop/sessions")).unwrap();
    let envs = [("XDG_CACHE_HOME", cache.to_str().unwrap()), ("HOME", home.path().to_str().unwrap())];
    let (code, _, err) = run(&["wipe", "--check"], &envs);
    assert_eq!(code, 1, "not clean: {err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(elsewhere.join("s-00000000c0ffee02/precious").exists(), "the link's target is untouched");
}

fn policy_root(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for (path, body) in files {
        let p = t.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    t
}

#[test]
fn policy_prints_each_value_and_its_source() {
    let root = policy_root(&[
        ("managed/10-org.json", r#"{"allowedProviders": ["bbb"], "meetingView": "embedded"}"#),
        ("recommended/10-site.json", r#"{"logLevel": "info"}"#),
    ]);
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("de.sprechzimmer.desktop");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("settings.json"), r#"{"language": "en", "meetingView": "browser"}"#).unwrap();
    let envs = [
        ("SPRECHZIMMER_POLICY_ROOT", root.path().to_str().unwrap()),
        ("XDG_CONFIG_HOME", home.path().to_str().unwrap()),
        ("SPRECHZIMMER_MEETING_VIEW", ""),
    ];
    let (code, out, err) = run(&["policy"], &envs);
    assert_eq!(code, 0, "{out}{err}");
    let managed = format!("from managed policy: {}", root.path().join("managed/10-org.json").display());
    assert!(out.contains(&format!("{managed} [locked]")), "{out}");
    assert!(out.contains("from recommended policy"), "{out}");
    assert!(out.contains("from user settings"), "{out}");
    assert!(out.contains("from default"), "{out}");
    assert!(out.contains("No problems."), "{out}");

    let (code, json, _) = run(&["policy", "--json"], &envs);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = |k: &str| v["entries"].as_array().unwrap().iter().find(|e| e["key"] == k).unwrap().clone();
    assert_eq!(entry("meetingView")["value"], "embedded", "policy beats the user's file");
    assert_eq!(entry("meetingView")["locked"], true);
    assert_eq!(entry("language")["value"], "en");
    assert_eq!(entry("language")["level"], "user");
    assert_eq!(entry("logLevel")["level"], "recommended");
}

#[test]
fn a_broken_policy_is_reported_and_never_fatal() {
    let root = policy_root(&[
        ("managed/00-broken.json", "{\"meetingView\": "),
        ("managed/05-array.json", "[]"),
        (
            "managed/10-types.json",
            r#"{"meetingView": 3, "allowedMeetingHosts": ["bbb.example.org", "not a host/"], "proxyUrl": "ftp://x", "telemetry": true}"#,
        ),
        ("managed/20-good.json", r#"{"language": "de"}"#),
    ]);
    let home = tempfile::tempdir().unwrap();
    let envs = [("SPRECHZIMMER_POLICY_ROOT", root.path().to_str().unwrap()), ("XDG_CONFIG_HOME", home.path().to_str().unwrap())];
    let (code, out, err) = run(&["policy"], &envs);
    assert_eq!(code, 1, "problems make the exit code 1: {out}{err}");
    for want in [
        "00-broken.json: (file): malformed_json",
        "05-array.json: (file): not_an_object",
        "meetingView: wrong_type",
        "allowedMeetingHosts: invalid_value",
        "proxyUrl: invalid_value",
        "telemetry: unknown_key",
    ] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
    assert!(err.contains("setting ignored"), "and in the log: {err}");
    assert!(!out.contains("not a host") && !out.contains("ftp://x") && !err.contains("ftp://x"), "values are never echoed");
    // The good file still applies; the app still validates invites.
    assert!(out.contains("language") && out.contains("20-good.json [locked]"), "{out}");
    let (code, _, err) = run(&["check-invite", &invite("bbb.example.org", "https")], &envs);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn managed_policy_narrows_which_invites_are_taken() {
    let root = policy_root(&[("managed/10.json", r#"{"allowedProviders": ["jitsi"]}"#)]);
    let home = tempfile::tempdir().unwrap();
    let envs = [("SPRECHZIMMER_POLICY_ROOT", root.path().to_str().unwrap()), ("XDG_CONFIG_HOME", home.path().to_str().unwrap())];
    let (code, _, err) = run(&["check-invite", &invite("bbb.example.org", "https")], &envs);
    assert_eq!(code, 2);
    assert!(err.contains("[policy.provider_not_allowed]"), "{err}");
    let root = policy_root(&[("managed/10.json", r#"{"allowedMeetingHosts": ["*.example.net"]}"#)]);
    let envs = [("SPRECHZIMMER_POLICY_ROOT", root.path().to_str().unwrap()), ("XDG_CONFIG_HOME", home.path().to_str().unwrap())];
    let (_, _, err) = run(&["check-invite", &invite("bbb.example.org", "https")], &envs);
    assert!(err.contains("[policy.host_not_allowed]"), "{err}");
    let root = policy_root(&[("managed/10.json", r#"{"organisationProfileUrl": "https://other.example.org/profile.json"}"#)]);
    let envs = [("SPRECHZIMMER_POLICY_ROOT", root.path().to_str().unwrap()), ("XDG_CONFIG_HOME", home.path().to_str().unwrap())];
    let (_, _, err) = run(&["check-invite", &invite("bbb.example.org", "https")], &envs);
    assert!(err.contains("[policy.organisation_not_allowed]"), "{err}");
}

#[test]
fn the_log_does_not_name_the_user_home() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join(".config/de.sprechzimmer.desktop");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("settings.json"), "{broken").unwrap();
    let config = home.path().join(".config");
    let envs = [("HOME", home.path().to_str().unwrap()), ("XDG_CONFIG_HOME", config.to_str().unwrap())];
    let (code, _, err) = run(&["policy"], &envs);
    assert_eq!(code, 1);
    assert!(err.contains("setting ignored: ~/.config/de.sprechzimmer.desktop/settings.json: (file) (malformed_json)"), "{err}");
    assert!(!err.contains(home.path().to_str().unwrap()), "the home path (with the user's name) stays out of the log: {err}");
}

/// Messages in the system's language, with the language's plural forms.
#[test]
fn wipe_check_speaks_the_system_language() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let envs = |lang| [("XDG_CACHE_HOME", cache.to_str().unwrap().to_string()), ("HOME", home.path().to_str().unwrap().to_string()), ("LANG", lang)];
    let leftover = cache.join("de.sprechzimmer.desktop/sessions/s-00000000c0ffee03/webview");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("cookies"), "sid=secret").unwrap();
    let e = envs("de_DE.UTF-8".to_string());
    let e: Vec<(&str, &str)> = e.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, _) = run(&["wipe", "--check"], &e);
    assert_eq!(code, 0);
    assert!(out.contains("Entfernt:") && out.contains("(1 Datei, 10 Byte)"), "one file, singular: {out}");
    let (_, out, _) = run(&["wipe", "--check"], &e);
    assert!(out.contains("Sauber: keine Reste gefunden"), "{out}");
}

#[test]
fn every_command_has_its_own_help_that_exits_0() {
    let commands: &[&[&str]] = &[
        &[],
        &["check-invite"],
        &["wipe"],
        &["policy"],
        &["counsellor"],
        &["counsellor", "setup"],
        &["counsellor", "show"],
        &["counsellor", "remove"],
        &["session"],
        &["session", "start"],
        &["session", "end"],
        &["org"],
        &["org", "init"],
        &["org", "check"],
        &["org", "invite-page"],
        &["org", "device-check-page"],
    ];
    for cmd in commands {
        let args: Vec<&str> = cmd.iter().copied().chain(["--help"]).collect();
        let (code, out, err) = run(&args, &[]);
        assert_eq!(code, 0, "{args:?}: {err}");
        let usage = format!("Usage: sprechzimmer {}", cmd.join(" "));
        assert!(out.contains(usage.trim_end()), "{args:?} prints its own usage:\n{out}");
    }
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit codes:"), "the exit codes are documented in the help:\n{out}");
}

#[test]
fn a_mistyped_command_is_a_usage_error_not_a_start_of_the_app() {
    // No display either way: were the app started, GTK would fail instead.
    let no_display = [("DISPLAY", ""), ("WAYLAND_DISPLAY", "")];
    for args in [
        &["chek-invite"][..],
        &["chek-invite", "sprechzimmer://join?v=1"],
        &["counsellor", "setup", "--profile", "https://x.example/p.json", "--name", "N"],
        &["policy", "--yaml"],
        // The tray takes no link: it would be dropped.
        &["--tray", "sprechzimmer://join?v=1"],
    ] {
        let (code, out, err) = run(args, &no_display);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty() && err.starts_with("error:"), "clap's message on stderr for {args:?}: {err}");
        assert!(!err.contains("panicked") && !err.contains("gtk"), "{err}");
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn a_start_without_a_display_is_one_clear_line() {
    for args in [&[][..], &["--tray"], &["sprechzimmer://join?v=1"]] {
        let (code, out, err) = run(args, &[("DISPLAY", ""), ("WAYLAND_DISPLAY", "")]);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains("graphical desktop") && !err.contains("panicked"), "{err}");
    }
}

/// Serves one canned HTTP answer per connection on 127.0.0.1.
fn serve(answer: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(answer.as_bytes());
        }
    });
    format!("http://127.0.0.1:{port}/profile.json")
}

fn write_temp(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn org_init_writes_a_profile_that_org_check_accepts() {
    let (code, starter, err) = run(&["org", "init"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(starter.contains("\"$comment\""), "every field explained");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("profile.json");
    let (code, out, err) = run(&["org", "init", file.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("org check"), "says what to do next: {out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), starter);
    // Never overwrites an organisation's edited profile.
    std::fs::write(&file, "{\"mine\": true}").unwrap();
    let (code, _, err) = run(&["org", "init", file.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot write"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"mine\": true}");
    // Valid, with warnings for the example domains only: exit 1.
    let starter_file = write_temp(&dir, "starter.json", starter.as_bytes());
    let (code, out, _) = run(&["org", "check", &starter_file], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 errors") && out.contains("the app accepts this profile"), "{out}");
    assert!(out.lines().filter(|l| l.starts_with("warning")).all(|l| l.ends_with("[placeholder]")), "{out}");
    // With real addresses: clean, exit 0.
    let real = starter.replace("example.org", "beratung-leipzig.de");
    let (code, out, _) = run(&["org", "check", &write_temp(&dir, "real.json", real.as_bytes())], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn org_check_names_each_broken_field() {
    let dir = tempfile::tempdir().unwrap();
    let (_, starter, _) = run(&["org", "init"], &[]);
    let mut v: serde_json::Value = serde_json::from_str(&starter).unwrap();
    v["privacy_notice"]["text"]["de"] = serde_json::json!("");
    v["support"]["phone"] = serde_json::json!("call us");
    v["withdrawal"]["url"] = serde_json::json!("http://beratung.example.org/widerruf");
    let (code, out, _) = run(&["org", "check", &write_temp(&dir, "broken.json", v.to_string().as_bytes())], &[]);
    assert_eq!(code, 2, "{out}");
    for want in ["privacy_notice.text.de: is empty [empty]", "support.phone:", "withdrawal.url:", "3 errors", "the app refuses this profile"] {
        assert!(out.contains(want), "{want} in {out}");
    }
    // JSON for scripts: the same findings, each with its path and code.
    let (code, out, _) = run(&["org", "check", "--json", &write_temp(&dir, "broken.json", v.to_string().as_bytes())], &[]);
    assert_eq!(code, 2);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors: Vec<_> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "error").map(|f| f["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(errors, ["privacy_notice.text.de", "withdrawal.url", "support.phone"]);
    // Hostile and broken files: one clear finding, never a crash.
    let deep = "[".repeat(100_000);
    let cases: &[(&str, &[u8], &str)] = &[
        ("trunc.json", b"{\"schema\": 1, \"id\": ", "[not_json]"),
        ("deep.json", deep.as_bytes(), "[not_json]"),
        ("array.json", b"[]", "[not_object]"),
        ("v2.json", b"{\"schema\": 2}", "schema: is 2; this app reads schema 1"),
        ("bom.json", b"\xef\xbb\xbf{\"schema\": 1}", "[not_json]"),
        ("missing.json", b"{\"schema\": 1, \"id\": \"x\"}", "[shape]"),
    ];
    for (name, body, want) in cases {
        let (code, out, err) = run(&["org", "check", &write_temp(&dir, name, body)], &[]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(out.contains(want), "{name}: {want} in {out}");
    }
    let (code, _, err) = run(&["org", "check", &write_temp(&dir, "latin1.json", b"{\"name\": \"M\xfcller\"}")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let big = write_temp(&dir, "big.json", &vec![b' '; 2 * 1024 * 1024]);
    let (code, _, err) = run(&["org", "check", &big], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("at most"), "{err}");
    let (code, _, err) = run(&["org", "check", "/nonexistent/profile.json"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/profile.json"), "{err}");
}

#[test]
fn org_check_fetches_a_published_profile_as_the_app_does() {
    let (_, starter, _) = run(&["org", "init"], &[]);
    let ok: &'static str =
        Box::leak(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{starter}", starter.len()).into_boxed_str());
    let url = serve(ok);
    let loopback = [("SPRECHZIMMER_ALLOW_LOOPBACK_HTTP", "1")];
    let (code, out, err) = run(&["org", "check", &url], &loopback);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("the app accepts this profile"), "{out}");
    // The app follows no redirect, and neither does the check.
    let moved = serve("HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.example/p.json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let (code, _, err) = run(&["org", "check", &moved], &loopback);
    assert_eq!(code, 2);
    assert!(err.contains("redirect"), "{err}");
    let gone = serve("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let (code, _, err) = run(&["org", "check", &gone], &loopback);
    assert_eq!(code, 2);
    assert!(err.contains("404") || err.contains("net.status"), "{err}");
    // Plain http is what the app refuses, outside of tests.
    let (code, _, err) = run(&["org", "check", &url], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("plain http"), "{err}");
}

#[test]
fn org_invite_page_writes_the_page_for_a_valid_profile_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_, starter, _) = run(&["org", "init"], &[]);
    let (code, page, err) = run(&["org", "invite-page", &write_temp(&dir, "p.json", starter.as_bytes())], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with("<!doctype html>") && page.contains("Content-Security-Policy"), "{page}");
    assert!(page.contains("Beratungsstelle Beispiel") && page.contains("https://beratung.example.org/sprechzimmer"));
    let broken = starter.replace("\"schema\": 1", "\"schema\": 3");
    let (code, page, err) = run(&["org", "invite-page", &write_temp(&dir, "b.json", broken.as_bytes())], &[]);
    assert_eq!(code, 2);
    assert!(page.is_empty(), "no half page on stdout");
    assert!(err.contains("org check"), "says how to find out: {err}");
}

#[test]
fn org_device_check_page_prints_the_page_clients_see() {
    let (code, page, err) = run(&["org", "device-check-page", "--lang", "ar"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with("<!doctype html>") && page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
    assert!(page.contains("default-src 'none'"));
    let (code, page, _) = run(&["org", "device-check-page"], &[("LANG", "de_DE.UTF-8")]);
    assert_eq!(code, 0);
    assert!(page.contains("Kamera und Mikrofon prüfen"), "the app's language by default");
    let (code, page, err) = run(&["org", "device-check-page", "--lang", "xx"], &[]);
    assert_eq!(code, 2);
    assert!(page.is_empty() && err.contains("de, ls, en"), "{err}");
}

#[test]
fn check_invite_takes_an_invite_on_the_organisations_page() {
    let link = invite("bbb.example.org", "https");
    let query = link.split_once('?').unwrap().1;
    let (code, out, err) = run(&["check-invite", &format!("https://beratung.example.org/join.html#{query}")], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"meeting_host\": \"bbb.example.org\""), "{out}");
    let (code, _, err) = run(&["check-invite", &format!("https://beratung.example.org/join.html#{}", &query[..40])], &[]);
    assert_eq!(code, 2, "a cut-off link");
    assert!(err.trim_end().ends_with(']'), "one line with its code: {err}");
}
