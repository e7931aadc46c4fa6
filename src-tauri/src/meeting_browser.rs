//! The meeting in the fallback browser: the Tauri side of `browser`. One
//! thread per meeting starts the browser, talks to it over the DevTools
//! pipe, and pushes what it sees into the engine's sink, as the meeting
//! window's callbacks do.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use url::Url;

use crate::browser::cdp::{self, Driver, Event, LocalPage};
use crate::browser::{self, process, Installed, ProfileDirs};
use crate::engine::{Input, Sink};
use crate::hosts::UrlRules;
use crate::session::MeetingTicket;
use crate::wipe::SessionDir;

pub struct BrowserMeeting {
    pub browser: Installed,
    pid: u32,
    writer: Arc<Mutex<std::io::PipeWriter>>,
    driver: Arc<Mutex<Driver>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn send(writer: &Mutex<std::io::PipeWriter>, msgs: &[serde_json::Value]) {
    let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
    for m in msgs {
        // A write error means the browser is gone; the reader notices.
        let _ = w.write_all(&cdp::frame(m));
    }
}

/// Starts the browser on `entry` with a fresh profile in the session folder.
#[allow(clippy::too_many_arguments)]
pub fn open(
    browser: Installed,
    ticket: &MeetingTicket,
    dir: &SessionDir,
    entry: Url,
    rules: UrlRules,
    lang: &str,
    proxy: Option<Url>,
    sink: Sink,
) -> std::io::Result<BrowserMeeting> {
    let media = vec![ticket.meeting.host_url().origin().ascii_serialization()];
    let driver = Driver::new(entry, ticket.allowed_hosts.clone(), rules, media);
    launch(browser, &ticket.allowed_hosts, dir, driver, lang, proxy, sink)
}

/// Starts the browser on a page the driver serves itself (the device
/// check), with a fresh profile in its own folder. It resolves no name and
/// reaches no host: the page's origin is answered by the driver.
pub fn open_page(browser: Installed, page: LocalPage, dir: &SessionDir, lang: &str, sink: Sink) -> std::io::Result<BrowserMeeting> {
    launch(browser, &[], dir, Driver::serving(page), lang, None, sink)
}

fn launch(
    browser: Installed,
    hosts: &[crate::hosts::HostPattern],
    dir: &SessionDir,
    driver: Driver,
    lang: &str,
    proxy: Option<Url>,
    sink: Sink,
) -> std::io::Result<BrowserMeeting> {
    let dirs = ProfileDirs { root: dir.browser_dir(), tmp: dir.scratch_dir()? };
    for d in [dirs.profile(), dirs.home()] {
        std::fs::create_dir_all(&d)?;
    }
    browser::write_handler_stubs(&dirs)?;
    let opening = crate::i18n::t(crate::i18n::current(), "meeting.opening");
    let args = browser::chromium_args(&dirs, lang, is_root(), &opening, proxy.as_ref(), hosts);
    let env = browser::chromium_env(&dirs, crate::folders::home().as_deref(), |k| std::env::var_os(k));
    let driver = Arc::new(Mutex::new(driver));
    let stopping = Arc::new(AtomicBool::new(false));
    let pid_file = dir.path().join(process::PID_FILE);

    // The thread that starts the browser lives as long as it does: on Linux
    // the browser is bound to this thread's life (PR_SET_PDEATHSIG).
    let (started_tx, started_rx) = mpsc::channel();
    let (app2, driver2, stopping2, program) = (sink, driver.clone(), stopping.clone(), browser.path.clone());
    let thread = std::thread::Builder::new().name("meeting-browser".into()).spawn(move || {
        let running = match process::spawn(&program, &args, &env) {
            Ok(r) => r,
            Err(e) => {
                let _ = started_tx.send(Err(e));
                return;
            }
        };
        let process::Running { mut child, to_browser, from_browser } = running;
        let pid = child.id();
        let _ = std::fs::write(&pid_file, pid.to_string());
        let writer = Arc::new(Mutex::new(to_browser));
        send(&writer, &driver2.lock().unwrap_or_else(|p| p.into_inner()).start());
        let _ = started_tx.send(Ok((pid, writer.clone())));
        pump(&app2, from_browser, &writer, &driver2, &stopping2);
        let _ = child.wait();
        if !stopping2.load(Ordering::SeqCst) {
            log::info!("the meeting browser closed");
            dispatch(&app2, Event::Closed);
        }
    })?;
    let (pid, writer) = started_rx.recv().map_err(|_| std::io::Error::other("browser thread ended early"))??;
    Ok(BrowserMeeting { browser, pid, writer, driver, stopping, thread: Some(thread) })
}

/// Reads messages until the pipe closes.
fn pump(sink: &Sink, mut from_browser: std::io::PipeReader, writer: &Mutex<std::io::PipeWriter>, driver: &Mutex<Driver>, stopping: &AtomicBool) {
    let mut decoder = cdp::Decoder::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from_browser.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let Ok(messages) = decoder.push(&buf[..n]) else {
            log::warn!("the meeting browser sent an oversized message; closing it");
            return;
        };
        for raw in messages {
            let (cmds, events) = driver.lock().unwrap_or_else(|p| p.into_inner()).on_message(&raw);
            send(writer, &cmds);
            if stopping.load(Ordering::SeqCst) {
                continue;
            }
            for event in events {
                dispatch(sink, event);
            }
        }
    }
}

fn dispatch(sink: &Sink, event: Event) {
    match event {
        Event::PageCommitted(url) => sink(Input::PageLoaded(url)),
        Event::LeftHosts(url) => sink(Input::LeftHosts(url)),
        Event::Offer(url) => sink(Input::Offer(url)),
        Event::FrameRefused => log::info!("meeting browser: a frame's page off the meeting hosts was refused"),
        Event::Closed => sink(Input::Closed),
        // The device check's words; anything else of its origin is nothing.
        Event::LocalRequest(url) => {
            if let Some(m) = crate::device_check::parse(&url) {
                sink(Input::Check(m));
            }
        }
    }
}

impl BrowserMeeting {
    pub fn bring_to_front(&self) {
        let msg = self.driver.lock().unwrap_or_else(|p| p.into_inner()).bring_to_front();
        if let Some(msg) = msg {
            send(&self.writer, &[msg]);
        }
    }

    /// Closes the browser and waits until its whole process tree is gone, so
    /// nothing writes into the profile while it is deleted.
    pub fn close(mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let msg = self.driver.lock().unwrap_or_else(|p| p.into_inner()).close_browser();
        send(&self.writer, &[msg]);
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.thread.as_ref().is_some_and(|t| !t.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(25));
        }
        // Whatever is left of the tree (or all of it, if it did not listen).
        process::end_group(self.pid, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(3);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(25));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

fn is_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}
