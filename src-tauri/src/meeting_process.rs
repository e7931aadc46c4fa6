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

/// How long a closing view may take before it is ended: longer than the
/// view's own wait for WebView2's browser process (5 s).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Tells one view from the next.
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A view started by [`open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewId(u64);

struct View {
    id: ViewId,
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

/// Starts the meeting view. What it sees goes into `sink`; a view that ends
/// without a word (a crash) arrives as [`Input::Lost`].
pub fn open(config: &ViewConfig, sink: Sink) -> std::io::Result<ViewId> {
    close_and_clear();
    let mut first = serde_json::to_string(config).map_err(std::io::Error::other)?;
    first.push('\n');
    let program = std::env::current_exe()?;
    let mut cmd = Command::new(program);
    cmd.arg(SUBCOMMAND).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
    // WebDriver's automation belongs to the app's own window only, and no
    // variable may loosen the view's webview (a debugging port, another
    // data folder, no sandbox).
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        let loosens = name.starts_with("WEBVIEW2_")
            || name.starts_with("WEBKIT_INSPECTOR")
            || matches!(name.as_ref(), "TAURI_AUTOMATION" | "TAURI_WEBVIEW_AUTOMATION" | "WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS");
        if loosens {
            cmd.env_remove(&var);
        }
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // GStreamer (WebKit's camera and microphone) caches its plugin list
        // in the user's home; in the session folder it goes with the session.
        cmd.env("GST_REGISTRY_1_0", config.data_dir.join("gstreamer-registry.bin"));
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
    if let Err(e) = stdin.write_all(first.as_bytes()).and_then(|()| stdin.flush()) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let focused = Arc::new(AtomicBool::new(false));
    let cleared = Arc::new(Mutex::new(None));
    let (f, c) = (focused.clone(), cleared.clone());
    let spawned = std::thread::Builder::new().name("meeting-view".into()).spawn(move || {
        // Lines are read in pieces of at most 64 KB; a piece that is no
        // message is ignored, so a flood costs nothing but reading.
        let mut lines = BufReader::new(stdout);
        let mut line = Vec::new();
        let mut said_goodbye = false;
        loop {
            line.clear();
            match std::io::Read::take(&mut lines, 64 * 1024).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            match serde_json::from_slice::<FromView>(line.trim_ascii_end()) {
                Ok(FromView::Input(input)) => {
                    said_goodbye |= input == Input::Closed;
                    sink(input)
                }
                Ok(FromView::Focused(v)) => f.store(v, Ordering::SeqCst),
                Ok(FromView::Cleared(v)) => {
                    said_goodbye = true;
                    *c.lock().unwrap_or_else(|p| p.into_inner()) = Some(v);
                }
                Err(_) => {}
            }
        }
        // Gone without closing or being closed: it crashed. The engine
        // ends a running meeting as failed, and ignores this after its end.
        if !said_goodbye {
            sink(Input::Lost);
        }
    });
    let reader = match spawned {
        Ok(r) => r,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    let id = ViewId(NEXT_ID.fetch_add(1, Ordering::SeqCst));
    *view() = Some(View { id, child, stdin, focused, cleared, reader });
    Ok(id)
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

/// Closes the view `id` started, if it is still the current one.
pub fn close(id: ViewId) {
    if view().as_ref().is_some_and(|v| v.id == id) {
        close_and_clear();
    }
}

/// Closes the view and waits until its process has exited (with its
/// webview's helpers). Returns whether its browsing data was cleared: true
/// when there was no view; false when it could not say so (it crashed, or
/// had to be ended).
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
    // The reader ends with the pipe; it is not waited for longer than
    // that takes, so a slow report cannot hold the session's end.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !v.reader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if v.reader.is_finished() {
        let _ = v.reader.join();
    }
    let cleared = *v.cleared.lock().unwrap_or_else(|p| p.into_inner());
    if cleared.is_none() {
        log::warn!("the meeting view did not report clearing its browsing data");
    }
    cleared.unwrap_or(false)
}
