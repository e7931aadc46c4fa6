//! The meeting view's own process: `sprechzimmer meeting-view`, started by
//! the app for one meeting and ended with it.
//!
//! WebKitGTK keeps a network process, and WebKit's memory, for every data
//! store a process ever used, until that process exits (tauri#14626). A
//! meeting window inside the app would leave both behind after every
//! session, for the rest of a counsellor's day. In a process of its own,
//! everything the meeting's webview started ends when the session does.
//!
//! The app writes one [`ViewConfig`] line to this process's stdin, then
//! [`ToView`] commands; this process answers on stdout with [`FromView`]
//! lines, the meeting window's reports among them. Only this process can
//! write there: its helpers get stderr as their stdout. It registers no app
//! command, so the meeting page can call none. When stdin closes (the app
//! ended, even by a crash) the window closes and the process exits.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::{RunEvent, WindowEvent};
use url::Url;

use crate::engine::Input;
use crate::hosts::{HostPattern, UrlRules};
use crate::meeting_window;
use crate::provider::jitsi;

/// What the meeting view needs, sent once at start. No secrets on the
/// command line, where every local user could read them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViewConfig {
    pub entry: Url,
    pub allowed_hosts: Vec<HostPattern>,
    pub proxy: Option<Url>,
    pub data_dir: PathBuf,
    pub title: String,
    /// The Jitsi host page or the device check, served only under its nonce.
    pub host_page: Option<HostPage>,
    /// The view runs the device check: its page's words are heard.
    pub device_check: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostPage {
    /// `/jitsi` or the device check's `/check`.
    pub path: String,
    pub nonce: String,
    pub html: String,
    pub csp: String,
}

/// The app → the meeting view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToView {
    /// Show the hidden window (the meeting client is up).
    Reveal,
    /// Bring it to the front.
    Focus,
    /// The counsellor's Jitsi view ends the conference for everyone.
    EndConference,
    /// Hang up, clear the browsing data, close, exit.
    Close,
}

/// The meeting view → the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromView {
    Input(Input),
    Focused(bool),
    /// Whether clearing the browsing data worked, just before the exit.
    Cleared(bool),
}

/// Serves the host page to the meeting window, at its path with its nonce only.
pub fn serve(page: Option<&HostPage>, webview_label: &str, uri: &str) -> Option<(String, String)> {
    let page = page.filter(|_| webview_label == meeting_window::LABEL)?;
    let url = Url::parse(uri).ok()?;
    let nonce = url.query_pairs().find(|(k, _)| k == "n").map(|(_, v)| v.into_owned())?;
    (url.path() == page.path && nonce == page.nonce).then(|| (page.html.clone(), page.csp.clone()))
}

/// A word of the device check page, heard only in a check's view (a
/// meeting's remote frames could send the same request).
pub fn check_message(device_check: bool, webview_label: &str, uri: &str) -> Option<crate::device_check::Message> {
    if !device_check || webview_label != meeting_window::LABEL {
        return None;
    }
    crate::device_check::parse(&Url::parse(uri).ok()?)
}

fn send(out: &Mutex<std::fs::File>, msg: &FromView) {
    let mut line = serde_json::to_string(msg).expect("plain data");
    line.push('\n');
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    // The app gone: stdin closes too, and the window with it.
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
}

/// Takes the report pipe (stdout) for this process alone, before any
/// helper starts: WebKit's and WebView2's processes, the one that runs the
/// remote page among them, inherit stdout and must not be able to write
/// reports. Their stdout becomes stderr.
fn private_report_pipe() -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: plain fd calls on this process's own descriptors, before
        // any other thread exists.
        unsafe {
            let fd = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
            if fd < 0 || libc::dup2(2, 1) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(std::fs::File::from_raw_fd(fd))
        }
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::FromRawHandle;
        use windows_sys::Win32::Foundation::{CloseHandle, DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE};
        use windows_sys::Win32::System::Console::{GetStdHandle, SetStdHandle, STD_ERROR_HANDLE, STD_OUTPUT_HANDLE};
        use windows_sys::Win32::System::Threading::GetCurrentProcess;
        // SAFETY: handle calls on this process's own standard handles,
        // before any other thread exists.
        unsafe {
            let out = GetStdHandle(STD_OUTPUT_HANDLE);
            let mut private: HANDLE = std::ptr::null_mut();
            // Not inheritable: no process started later gets it.
            if DuplicateHandle(GetCurrentProcess(), out, GetCurrentProcess(), &mut private, 0, 0, DUPLICATE_SAME_ACCESS) == 0 {
                return Err(std::io::Error::last_os_error());
            }
            SetStdHandle(STD_OUTPUT_HANDLE, GetStdHandle(STD_ERROR_HANDLE));
            CloseHandle(out);
            Ok(std::fs::File::from_raw_handle(private as _))
        }
    }
}

/// Runs the meeting view; returns the exit code.
pub fn run() -> i32 {
    let reports = match private_report_pipe() {
        Ok(f) => f,
        Err(e) => {
            log::warn!("meeting view: no report pipe ({:?})", e.kind());
            return 2;
        }
    };
    let mut first = String::new();
    let stdin = std::io::stdin();
    if stdin.lock().read_line(&mut first).is_err() {
        return 2;
    }
    let config: ViewConfig = match serde_json::from_str(&first) {
        Ok(c) => c,
        Err(_) => {
            log::warn!("meeting view: unreadable start message");
            return 2;
        }
    };
    let page = Arc::new(config.host_page);
    let serve_page = page.clone();
    let out = Arc::new(Mutex::new(reports));
    let setup_out = out.clone();
    let (check_out, device_check) = (out.clone(), config.device_check);
    let (entry, allowed, proxy, data_dir, title) = (config.entry, config.allowed_hosts, config.proxy, config.data_dir, config.title);
    let app = tauri::Builder::<tauri::Wry>::new()
        .register_uri_scheme_protocol(jitsi::HOST_SCHEME, move |ctx, request| {
            let response = tauri::http::Response::builder().header("Cache-Control", "no-store");
            let uri = request.uri().to_string();
            if let Some(m) = check_message(device_check, ctx.webview_label(), &uri) {
                send(&check_out, &FromView::Input(Input::Check(m)));
                return response.status(204).body(Vec::new()).expect("static response parts");
            }
            match serve((*serve_page).as_ref(), ctx.webview_label(), &uri) {
                Some((html, csp)) => response
                    .status(200)
                    .header("Content-Type", "text/html; charset=utf-8")
                    .header("Content-Security-Policy", csp)
                    .body(html.into_bytes()),
                None => response.status(404).body(Vec::new()),
            }
            .expect("static response parts")
        })
        .setup(move |app| {
            let out = setup_out;
            let sink_out = out.clone();
            let sink: crate::engine::Sink = Arc::new(move |input| send(&sink_out, &FromView::Input(input)));
            let window = meeting_window::open(app.handle(), device_check, &allowed, data_dir, &title, entry, UrlRules::from_env(), proxy, sink)?;
            let focus_out = out.clone();
            window.on_window_event(move |event| {
                if let WindowEvent::Focused(f) = event {
                    send(&focus_out, &FromView::Focused(*f));
                }
            });
            let handle = app.handle().clone();
            std::thread::Builder::new().name("meeting-view-commands".into()).spawn(move || {
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { break };
                    match serde_json::from_str::<ToView>(&line) {
                        Ok(ToView::Reveal) => meeting_window::reveal(&handle),
                        Ok(ToView::Focus) => meeting_window::focus(&handle),
                        Ok(ToView::EndConference) => meeting_window::end_conference(&handle),
                        Ok(ToView::Close) => break,
                        Err(_) => log::warn!("meeting view: unknown command"),
                    }
                }
                // Asked to close, or the app is gone.
                let cleared = meeting_window::close_and_clear(&handle);
                send(&out, &FromView::Cleared(cleared));
                handle.exit(0);
            })?;
            Ok(())
        })
        .build(crate::context::context());
    match app {
        Ok(app) => {
            app.run(|_, event| {
                if let RunEvent::ExitRequested { code, api, .. } = event {
                    // The window going is not the end: the process would
                    // exit before the command thread reports the clear. It
                    // ends when that thread says so (`exit(0)`).
                    if code.is_none() {
                        api.prevent_exit();
                        return;
                    }
                    log::debug!("meeting view: exiting");
                }
            });
            0
        }
        Err(e) => {
            log::warn!("meeting view: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_page_goes_to_the_meeting_window_with_its_nonce_only() {
        let page = HostPage { path: "/jitsi".into(), nonce: "n1".into(), html: "<p>".into(), csp: "frame-src x".into() };
        let url = |n: &str| format!("{}/jitsi?n={n}", jitsi::host_base());
        assert_eq!(serve(Some(&page), meeting_window::LABEL, &url("n1")), Some(("<p>".into(), "frame-src x".into())));
        assert_eq!(serve(Some(&page), "main", &url("n1")), None, "not to other windows");
        assert_eq!(serve(Some(&page), meeting_window::LABEL, &url("guess")), None, "not without the nonce");
        assert_eq!(serve(Some(&page), meeting_window::LABEL, &format!("{}/other?n=n1", jitsi::host_base())), None);
        assert_eq!(serve(None, meeting_window::LABEL, &url("n1")), None, "no page for a BigBlueButton meeting");
        let check = HostPage { path: "/check".into(), ..page };
        let at = |p: &str| format!("{}{p}", jitsi::host_base());
        assert!(serve(Some(&check), meeting_window::LABEL, &at("/check?n=n1")).is_some());
        assert_eq!(serve(Some(&check), meeting_window::LABEL, &at("/jitsi?n=n1")), None, "a page at its own path only");
    }

    #[test]
    fn the_check_pages_words_are_heard_in_a_check_only() {
        let done = format!("{}/check/done", jitsi::host_base());
        assert_eq!(check_message(true, meeting_window::LABEL, &done), Some(crate::device_check::Message::Done));
        assert_eq!(check_message(false, meeting_window::LABEL, &done), None, "not in a meeting's view");
        assert_eq!(check_message(true, "main", &done), None);
        assert_eq!(check_message(true, meeting_window::LABEL, &format!("{}/check/report/maybe/ok", jitsi::host_base())), None);
    }

    #[test]
    fn the_wire_reads_back_what_it_wrote() {
        let inputs = [
            FromView::Input(Input::PageLoaded(Url::parse("https://bbb.example.org/html5client/join").unwrap())),
            FromView::Input(Input::Signal(jitsi::Signal::ClientKnocking)),
            FromView::Input(Input::Check(crate::device_check::Message::Done)),
            FromView::Input(Input::Closed),
            FromView::Focused(true),
            FromView::Cleared(false),
        ];
        for m in inputs {
            let line = serde_json::to_string(&m).unwrap();
            assert!(!line.contains('\n'), "one message, one line");
            assert_eq!(serde_json::from_str::<FromView>(&line).unwrap(), m);
        }
        assert_eq!(serde_json::from_str::<ToView>("\"close\"").unwrap(), ToView::Close);
        let config = r#"{"entry":"https://b.example.org/j","allowedHosts":["b.example.org"],"proxy":null,"dataDir":"/tmp/x","title":"t","hostPage":null,"deviceCheck":false,"extra":1}"#;
        assert!(serde_json::from_str::<ViewConfig>(config).is_err(), "unknown fields are refused");
    }
}
