//! The app's side of the meeting view's process (`meeting_host`): starts it
//! for one meeting, passes commands, feeds its reports into the engine's
//! sink, and waits for it to exit when the session ends, so nothing the
//! meeting's webview started outlives the session.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::{Input, Sink};
use crate::meeting_host::{FromView, ToView, ViewConfig};

/// The subcommand that runs the meeting view (hidden from `--help`).
pub const SUBCOMMAND: &str = "meeting-view";

/// How long a closing view may take before it is ended.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

struct View {
    child: Child,
    stdin: ChildStdin,
    focused: Arc<AtomicBool>,
    /// `Some` once the view reported its clear before exiting.
    cleared: Arc<Mutex<Option<bool>>>,
    reader: JoinHandle<()>,
}

/// One meeting at a time (the engine's rule); the view lives here.
static VIEW: Mutex<Option<View>> = Mutex::new(None);

fn view() -> std::sync::MutexGuard<'static, Option<View>> {
    VIEW.lock().unwrap_or_else(|p| p.into_inner())
}

fn tell(view: &mut View, cmd: ToView) {
    let mut line = serde_json::to_string(&cmd).expect("plain data");
    line.push('\n');
    // A view that is gone has reported its end already.
    let _ = view.stdin.write_all(line.as_bytes()).and_then(|()| view.stdin.flush());
}

/// Starts the meeting view. What it sees goes into `sink`; its end (closed
/// by the user, or crashed) arrives as [`Input::Closed`].
pub fn open(config: &ViewConfig, sink: Sink) -> std::io::Result<()> {
    close_and_clear();
    let program = std::env::current_exe()?;
    let mut cmd = Command::new(program);
    cmd.arg(SUBCOMMAND).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    // WebDriver's automation belongs to the app's own window only.
    for var in ["TAURI_AUTOMATION", "TAURI_WEBVIEW_AUTOMATION", "WEBKIT_INSPECTOR_SERVER", "WEBKIT_INSPECTOR_HTTP_SERVER"] {
        cmd.env_remove(var);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs before exec.
        unsafe {
            cmd.pre_exec(|| {
                // The view ends with the app, even when the app is killed.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn()?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(std::io::Error::other("meeting view without pipes"));
    };
    let mut first = serde_json::to_string(config).map_err(std::io::Error::other)?;
    first.push('\n');
    if let Err(e) = stdin.write_all(first.as_bytes()).and_then(|()| stdin.flush()) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let focused = Arc::new(AtomicBool::new(false));
    let cleared = Arc::new(Mutex::new(None));
    let (f, c) = (focused.clone(), cleared.clone());
    let reader = std::thread::Builder::new().name("meeting-view".into()).spawn(move || {
        // Bounded lines: a view that floods its stdout is cut off.
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match std::io::Read::take(&mut lines, 64 * 1024).read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            match serde_json::from_str::<FromView>(line.trim_end()) {
                Ok(FromView::Input(input)) => sink(input),
                Ok(FromView::Focused(v)) => f.store(v, Ordering::SeqCst),
                Ok(FromView::Cleared(v)) => *c.lock().unwrap_or_else(|p| p.into_inner()) = Some(v),
                // Not ours (a library printing to stdout): ignored.
                Err(_) => {}
            }
        }
        // Gone: closed by the user, crashed, or closed by us. The engine
        // ends a running meeting, and ignores this after its end.
        sink(Input::Closed);
    })?;
    *view() = Some(View { child, stdin, focused, cleared, reader });
    Ok(())
}

pub fn reveal() {
    if let Some(v) = view().as_mut() {
        tell(v, ToView::Reveal);
    }
}

pub fn focus() {
    if let Some(v) = view().as_mut() {
        tell(v, ToView::Focus);
    }
}

pub fn is_focused() -> bool {
    view().as_ref().is_some_and(|v| v.focused.load(Ordering::SeqCst))
}

/// The counsellor's Jitsi view ends the conference for everyone.
pub fn end_conference() {
    if let Some(v) = view().as_mut() {
        tell(v, ToView::EndConference);
    }
}

/// Closes the view and waits until its process has exited (with its
/// webview's helpers). Returns whether its browsing data was cleared; true
/// when there was no view, or it was gone already (closed by the user).
pub fn close_and_clear() -> bool {
    let Some(mut v) = view().take() else { return true };
    tell(&mut v, ToView::Close);
    drop(v.stdin);
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    let exited = loop {
        match v.child.try_wait() {
            Ok(Some(_)) => break true,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => break false,
        }
    };
    if !exited {
        log::warn!("the meeting view did not close in time; ended");
        let _ = v.child.kill();
        let _ = v.child.wait();
    }
    let _ = v.reader.join();
    let cleared = *v.cleared.lock().unwrap_or_else(|p| p.into_inner());
    cleared.unwrap_or(exited)
}
