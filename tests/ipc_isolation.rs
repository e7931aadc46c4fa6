//! Remote pages are untrusted: no app command, and no core API, answers a
//! page from a remote origin — not in the meeting window, and not even in
//! the main window should it ever show remote content.

use sprechzimmer_lib::commands;
use sprechzimmer_lib::hosts::UrlRules;
use sprechzimmer_lib::runtime::AppState;
use sprechzimmer_lib::wipe::Paths;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

const MEETING: &str = "https://bbb.example.org/html5client/join?sessionToken=abc";
/// The page of ours that hosts Jitsi's IFrame API: just as untrusted.
const JITSI_HOST: &str = "sprechzimmer-meeting://localhost/jitsi?n=0123";

fn app() -> (App<MockRuntime>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(UrlRules::default(), Paths { root: dir.path().to_path_buf() });
    let app =
        sprechzimmer_lib::with_commands(mock_builder(), state).build(tauri::generate_context!("tauri.conf.json", test = true)).expect("mock app");
    (app, dir)
}

fn window(app: &App<MockRuntime>, label: &str, url: WebviewUrl) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, url).build().unwrap()
}

fn call(w: &WebviewWindow<MockRuntime>, cmd: &str, origin: &str) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().unwrap(),
            body: InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<serde_json::Value>().unwrap())
}

fn assert_denied(res: Result<serde_json::Value, serde_json::Value>, cmd: &str) {
    let err = res.expect_err(&format!("{cmd} must be refused"));
    let text = err.to_string();
    assert!(text.contains("not allowed"), "{cmd}: refused for the wrong reason: {text}");
}

const CORE: &[&str] = &["plugin:event|listen", "plugin:event|emit", "plugin:window|close", "plugin:webview|create_webview_window"];

#[test]
fn every_command_is_refused_to_the_meeting_window() {
    let (app, _d) = app();
    let _main = window(&app, "main", WebviewUrl::App("index.html".into()));
    let meeting = window(&app, "meeting", WebviewUrl::External(MEETING.parse().unwrap()));
    for cmd in commands::ALL.iter().chain(CORE) {
        assert_denied(call(&meeting, cmd, MEETING), cmd);
    }
}

#[test]
fn every_command_is_refused_to_the_jitsi_host_page() {
    let (app, _d) = app();
    let _main = window(&app, "main", WebviewUrl::App("index.html".into()));
    let meeting = window(&app, "meeting", WebviewUrl::External(JITSI_HOST.parse().unwrap()));
    for cmd in commands::ALL.iter().chain(CORE) {
        assert_denied(call(&meeting, cmd, JITSI_HOST), cmd);
    }
    // Not even from the main window's label would that origin get through.
    let main = window(&app, "main2", WebviewUrl::App("index.html".into()));
    for cmd in commands::ALL {
        assert_denied(call(&main, cmd, JITSI_HOST), cmd);
    }
}

/// The host page under the label the capability names: the ACL's label
/// check passes, so the commands' own origin check must refuse it (on
/// Windows it is `http://sprechzimmer-meeting.localhost`, a `*.localhost`
/// origin like the app's own).
#[test]
fn the_jitsi_host_page_under_the_main_label_is_refused() {
    for host in [JITSI_HOST, "http://sprechzimmer-meeting.localhost/jitsi?n=0123"] {
        let (app, _d) = app();
        let main = window(&app, "main", WebviewUrl::External(host.parse().unwrap()));
        for cmd in commands::ALL {
            assert_denied(call(&main, cmd, host), cmd);
        }
    }
}

#[test]
fn a_remote_origin_is_refused_even_in_the_main_window() {
    let (app, _d) = app();
    let main = window(&app, "main", WebviewUrl::App("index.html".into()));
    for cmd in commands::ALL.iter().chain(CORE) {
        assert_denied(call(&main, cmd, MEETING), cmd);
        assert_denied(call(&main, cmd, "http://127.0.0.1:8080/"), cmd);
    }
}

#[test]
fn the_app_window_itself_may_call_them() {
    // Without this the denials above could be a broken setup, not a rule.
    let (app, _d) = app();
    let main = window(&app, "main", WebviewUrl::App("index.html".into()));
    assert_eq!(call(&main, "session_status", "tauri://localhost").unwrap(), "idle");
    assert_eq!(call(&main, "take_pending_invite", "tauri://localhost").unwrap(), serde_json::Value::Null);
    let other = window(&app, "other", WebviewUrl::App("index.html".into()));
    assert_denied(call(&other, "session_status", "tauri://localhost"), "session_status in another window");
}
