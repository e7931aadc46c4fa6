//! The hand-over between the tray agent and the full app.
//!
//! A counsellor keeps Sprechzimmer in the tray all day. Most of that day no
//! window and no session exist, so the tray is shown by a small agent
//! (`sprechzimmer-tray`, built from this crate and a tray library, with no
//! webview). Exactly one of the two shows the tray at any time:
//!
//! - the agent runs at autostart (`sprechzimmer --tray` becomes the agent)
//!   and after the app's window closed with no session running;
//! - the full app, when it starts for any reason (a menu entry of the
//!   agent, a clicked invite, the desktop's launcher), first asks a running
//!   agent to leave ([`ask_to_leave`]) and waits until its tray is gone;
//! - the full app, once its window closes with no session, starts the agent
//!   ([`sibling`]) and exits.
//!
//! The channel is private to the user: a socket in the app's own folder
//! (owner-only) on Unix, named events in the logon session's namespace on
//! Windows. The only message is "leave"; the answer is the agent's end.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::wipe::Paths;

/// The tray agent's program name.
pub const AGENT: &str = "sprechzimmer-tray";
/// The full app's program name.
pub const APP: &str = "sprechzimmer";

/// The program `name` next to the running one (both are installed side by
/// side by every package), if it is there.
pub fn sibling(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    p.is_file().then_some(p)
}

/// How long the app waits for an agent to take its tray down.
pub const LEAVE_TIMEOUT: Duration = Duration::from_secs(3);

#[cfg(unix)]
pub use unix::{ask_to_leave, Leaving, Listener};
#[cfg(windows)]
pub use windows::{ask_to_leave, Leaving, Listener};

#[cfg(unix)]
fn socket(paths: &Paths) -> PathBuf {
    paths.root.join("tray.sock")
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::Path;

    /// Runs `f` with a path to the socket short enough for `sockaddr_un`
    /// (108 bytes): a deep home folder would not fit, so on Linux the path
    /// goes through the open folder's `/proc/self/fd` entry.
    fn at_socket<T>(paths: &Paths, f: impl FnOnce(&Path) -> io::Result<T>) -> io::Result<T> {
        let path = socket(paths);
        #[cfg(target_os = "linux")]
        if path.as_os_str().len() >= 100 {
            use std::os::fd::AsRawFd;
            let dir = std::fs::File::open(&paths.root)?;
            return f(Path::new(&format!("/proc/self/fd/{}/tray.sock", dir.as_raw_fd())));
        }
        f(&path)
    }

    /// The agent's end: bound while the agent shows the tray.
    pub struct Listener {
        inner: UnixListener,
        path: PathBuf,
        // Held for the agent's life: one agent per user, and nobody else
        // removes or rebinds the socket meanwhile.
        _lock: std::fs::File,
    }

    /// The agent is leaving; dropping this tells the app it is gone.
    pub struct Leaving {
        _stream: UnixStream,
    }

    impl Listener {
        /// `AlreadyExists` when another agent of this user runs.
        pub fn bind(paths: &Paths) -> io::Result<Listener> {
            crate::wipe::private_dir(&paths.root)?;
            // Our own folder, not a link, nobody else's.
            crate::wipe::refuse_foreign(paths)?;
            let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(paths.root.join("tray.lock"))?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(io::ErrorKind::AlreadyExists, "a tray agent runs"));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            let path = socket(paths);
            // Left by an agent that ended without cleaning up: nobody holds
            // the lock, so nobody answers on it.
            let _ = std::fs::remove_file(&path);
            let inner = at_socket(paths, |p| UnixListener::bind(p))?;
            Ok(Listener { inner, path, _lock: lock })
        }

        /// Where the socket is, to remove it on an early exit.
        pub fn path(&self) -> &Path {
            &self.path
        }

        /// Blocks until the app asks the agent to leave.
        pub fn wait(&self) -> Leaving {
            loop {
                let Ok((stream, _)) = self.inner.accept() else {
                    // Out of descriptors or similar: do not spin.
                    std::thread::sleep(Duration::from_millis(200));
                    continue;
                };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                if BufReader::new(&stream).take(64).read_line(&mut line).is_ok() && line.trim_end() == "leave" {
                    return Leaving { _stream: stream };
                }
            }
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Asks a running agent to leave and waits (at most `timeout`) until it
    /// is gone. `false` when no agent runs.
    pub fn ask_to_leave(paths: &Paths, timeout: Duration) -> bool {
        // Only in our own folder; anything else is not our agent.
        if crate::wipe::refuse_foreign(paths).is_err() {
            return false;
        }
        let Ok(mut s) = at_socket(paths, |p| UnixStream::connect(p)) else { return false };
        let _ = s.set_write_timeout(Some(timeout));
        let _ = s.set_read_timeout(Some(timeout));
        if s.write_all(b"leave\n").is_err() {
            return false;
        }
        // The agent closes its end once its tray is down. One read: the
        // agent sends nothing, so this returns at its end or the timeout.
        let mut byte = [0u8; 1];
        let _ = s.read(&mut byte);
        true
    }
}

#[cfg(windows)]
mod windows {
    use super::*;
    use windows_sys::Win32::Foundation::{CloseHandle, GetLastError, ERROR_ALREADY_EXISTS, HANDLE, WAIT_OBJECT_0};
    use windows_sys::Win32::System::Threading::{CreateEventW, OpenEventW, ResetEvent, SetEvent, WaitForSingleObject, EVENT_MODIFY_STATE, INFINITE};

    /// The standard access right to wait on an object.
    const SYNCHRONIZE: u32 = 0x0010_0000;

    // "Local\": the logon session's namespace, so another user's session
    // cannot reach these.
    fn name(what: &str) -> Vec<u16> {
        format!("Local\\{}.tray.{what}", crate::APP_ID).encode_utf16().chain([0]).collect()
    }

    struct Event(HANDLE);
    // SAFETY: event handles may be used from any thread.
    unsafe impl Send for Event {}
    unsafe impl Sync for Event {}
    impl Drop for Event {
        fn drop(&mut self) {
            // SAFETY: a handle this struct owns.
            unsafe { CloseHandle(self.0) };
        }
    }

    pub struct Listener {
        leave: Event,
        gone: Event,
    }

    pub struct Leaving {
        gone: HANDLE,
    }
    // SAFETY: an event handle, usable from any thread.
    unsafe impl Send for Leaving {}

    impl Drop for Leaving {
        fn drop(&mut self) {
            // SAFETY: the handle lives as long as the listener, which the
            // agent keeps until it exits.
            unsafe { SetEvent(self.gone) };
        }
    }

    impl Listener {
        pub fn bind(_paths: &Paths) -> io::Result<Listener> {
            // SAFETY: plain Win32 calls with valid, NUL-terminated names.
            unsafe {
                let (leave_name, gone_name) = (name("leave"), name("gone"));
                let leave = CreateEventW(std::ptr::null(), 0, 0, leave_name.as_ptr());
                let exists = GetLastError() == ERROR_ALREADY_EXISTS;
                if leave.is_null() {
                    return Err(io::Error::last_os_error());
                }
                let leave = Event(leave);
                if exists {
                    return Err(io::Error::new(io::ErrorKind::AlreadyExists, "a tray agent runs"));
                }
                let gone = CreateEventW(std::ptr::null(), 1, 0, gone_name.as_ptr());
                if gone.is_null() {
                    return Err(io::Error::last_os_error());
                }
                // Signalled by an earlier agent whose handle someone still holds.
                ResetEvent(gone);
                Ok(Listener { leave, gone: Event(gone) })
            }
        }

        pub fn wait(&self) -> Leaving {
            // SAFETY: a valid event handle owned by self.
            // WAIT_FAILED would only repeat: then the agent stays, as asked
            // by nobody, rather than spin.
            if unsafe { WaitForSingleObject(self.leave.0, INFINITE) } != WAIT_OBJECT_0 {
                loop {
                    std::thread::park();
                }
            }
            Leaving { gone: self.gone.0 }
        }
    }

    pub fn ask_to_leave(_paths: &Paths, timeout: Duration) -> bool {
        // SAFETY: plain Win32 calls with valid, NUL-terminated names; every
        // handle opened here is closed by `Event`'s drop.
        unsafe {
            let (leave_name, gone_name) = (name("leave"), name("gone"));
            let leave = OpenEventW(EVENT_MODIFY_STATE, 0, leave_name.as_ptr());
            if leave.is_null() {
                return false;
            }
            let leave = Event(leave);
            let gone = OpenEventW(SYNCHRONIZE, 0, gone_name.as_ptr());
            SetEvent(leave.0);
            if !gone.is_null() {
                let gone = Event(gone);
                WaitForSingleObject(gone.0, timeout.as_millis().min(u32::MAX as u128) as u32);
            }
            true
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_app_asks_and_waits_until_the_agent_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths { root: dir.path().join("app") };
        assert!(!ask_to_leave(&paths, LEAVE_TIMEOUT), "no agent, nothing to ask");

        let listener = Listener::bind(&paths).unwrap();
        assert_eq!(Listener::bind(&paths).err().map(|e| e.kind()), Some(io::ErrorKind::AlreadyExists), "one agent per user");
        assert!(socket(&paths).exists(), "a second agent leaves the first one's socket alone");
        let (tx, rx) = std::sync::mpsc::channel();
        let agent = std::thread::spawn(move || {
            let leaving = listener.wait();
            // Taking the tray down takes a moment; the app waits for it.
            std::thread::sleep(Duration::from_millis(200));
            tx.send("tray down").unwrap();
            drop(leaving);
            drop(listener);
        });
        assert!(ask_to_leave(&paths, LEAVE_TIMEOUT));
        assert_eq!(rx.try_recv(), Ok("tray down"), "ask_to_leave returned only after the agent was done");
        agent.join().unwrap();
        assert!(!socket(&paths).exists(), "the agent removes its socket");
    }

    #[test]
    fn a_deep_home_folder_still_works() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths { root: dir.path().join("a-rather-long-folder-name-".repeat(5)).join("de.sprechzimmer.desktop") };
        assert!(socket(&paths).as_os_str().len() > 108);
        let listener = Listener::bind(&paths).unwrap();
        let agent = std::thread::spawn(move || drop(listener.wait()));
        assert!(ask_to_leave(&paths, LEAVE_TIMEOUT));
        agent.join().unwrap();
    }

    #[test]
    fn a_socket_left_by_a_crashed_agent_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths { root: dir.path().join("app") };
        crate::wipe::private_dir(&paths.root).unwrap();
        // Bound and never served: what a killed agent leaves.
        let dead = std::os::unix::net::UnixListener::bind(socket(&paths)).unwrap();
        drop(dead);
        assert!(!ask_to_leave(&paths, LEAVE_TIMEOUT), "nobody answers on it");
        assert!(Listener::bind(&paths).is_ok());
    }

    #[test]
    fn a_folder_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let root = dir.path().join("app");
        std::os::unix::fs::symlink(&elsewhere, &root).unwrap();
        let paths = Paths { root };
        assert!(Listener::bind(&paths).is_err());
        assert!(!ask_to_leave(&paths, LEAVE_TIMEOUT));
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing created through the link");
    }

    #[test]
    fn anything_but_leave_is_ignored() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths { root: dir.path().join("app") };
        let listener = Listener::bind(&paths).unwrap();
        let path = socket(&paths);
        let agent = std::thread::spawn(move || {
            let _leaving = listener.wait();
        });
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.write_all(b"quit now\n").unwrap();
        drop(s);
        std::thread::sleep(Duration::from_millis(100));
        assert!(!agent.is_finished(), "a wrong word does not end the agent");
        assert!(ask_to_leave(&paths, LEAVE_TIMEOUT));
        agent.join().unwrap();
    }
}
