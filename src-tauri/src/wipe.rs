//! Nothing left behind. Everything a session can write lives under one cache
//! folder of the app; each session gets its own subfolder, held by a file
//! lock while it runs. A folder whose lock is free belongs to a session that
//! is over (or crashed) and is removed: at the end of a session, at the next
//! start, and by `sprechzimmer wipe --check`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub const IDENTIFIER: &str = "de.sprechzimmer.desktop";

#[derive(Debug, thiserror::Error)]
pub enum WipeError {
    #[error("no cache directory is known for this user")]
    NoCacheDir,
    #[error("could not remove session data: {0}")]
    Io(#[from] io::Error),
}

impl WipeError {
    pub fn code(&self) -> &'static str {
        "wipe.failed"
    }
}

/// Where the app keeps the data it later wipes.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
}

impl Paths {
    /// `$XDG_CACHE_HOME/<identifier>` (or the platform's cache folder).
    pub fn for_current_user() -> Result<Paths, WipeError> {
        let cache = dirs::cache_dir().ok_or(WipeError::NoCacheDir)?;
        Ok(Paths { root: cache.join(IDENTIFIER) })
    }

    pub fn sessions(&self) -> PathBuf {
        self.root.join("sessions")
    }

    /// Browsing data of the app's own window. The UI stores nothing on
    /// purpose; the folder is still cleared at every start and exit.
    pub fn ui_webview(&self) -> PathBuf {
        self.root.join("ui-webview")
    }

    fn app_lock(&self) -> PathBuf {
        self.root.join("app.lock")
    }
}

/// Counts of what was removed, for the "session ended" screen and the CLI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
}

impl Removed {
    pub fn add(&mut self, other: Removed) {
        self.files += other.files;
        self.dirs += other.dirs;
        self.bytes += other.bytes;
    }

    pub fn is_empty(&self) -> bool {
        self.files == 0 && self.dirs == 0
    }
}

/// Removes `path` and everything below it, counting what it removed. A path
/// that does not exist is not an error: it is already clean.
pub fn remove_tree(path: &Path) -> io::Result<Removed> {
    let mut removed = Removed::default();
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            removed.add(remove_tree(&entry?.path())?);
        }
        fs::remove_dir(path)?;
        removed.dirs += 1;
    } else {
        // Symlinks are removed, never followed.
        fs::remove_file(path)?;
        removed.files += 1;
        removed.bytes += meta.len();
    }
    Ok(removed)
}

fn private_dir(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

fn open_lock(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

/// Held by the running app; while it is held nobody else clears the UI folder.
pub struct AppLock {
    _file: File,
}

impl AppLock {
    /// `None` when another process of the app holds it.
    pub fn acquire(paths: &Paths) -> io::Result<Option<AppLock>> {
        private_dir(&paths.root)?;
        let f = open_lock(&paths.app_lock())?;
        match f.try_lock() {
            Ok(()) => Ok(Some(AppLock { _file: f })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// The folder of one running session. Dropping it without `wipe` leaves the
/// folder for the next sweep; `wipe` removes it now.
pub struct SessionDir {
    path: PathBuf,
    lock: Option<File>,
}

const LOCK_FILE: &str = ".lock";

impl SessionDir {
    pub fn create(paths: &Paths) -> io::Result<SessionDir> {
        let name = format!("s-{}", hex::encode(rand::random::<[u8; 8]>()));
        let path = paths.sessions().join(name);
        private_dir(&path)?;
        let lock = open_lock(&path.join(LOCK_FILE))?;
        lock.try_lock().map_err(|_| io::Error::other("fresh session folder is locked"))?;
        private_dir(&path.join("webview"))?;
        Ok(SessionDir { path, lock: Some(lock) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Browsing data of the meeting webview goes here.
    pub fn webview_dir(&self) -> PathBuf {
        self.path.join("webview")
    }

    /// The fallback browser's profile and home (created by the browser side).
    pub fn browser_dir(&self) -> PathBuf {
        self.path.join("browser")
    }

    pub fn wipe(mut self) -> io::Result<Removed> {
        drop(self.lock.take());
        let mut removed = remove_tree(&self.path)?;
        // The lock file is bookkeeping, not session data.
        removed.files = removed.files.saturating_sub(1);
        if let Some(parent) = self.path.parent() {
            remove_if_empty(parent);
        }
        Ok(removed)
    }
}

/// One thing found by a sweep.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leftover {
    pub path: PathBuf,
    pub removed: Removed,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub found: Vec<Leftover>,
    /// Sessions still running in another process, left alone.
    pub live_sessions: usize,
    pub failed: Vec<PathBuf>,
}

impl SweepReport {
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Removes every session folder no running process holds, and the UI's
/// browsing data when `ui_too` (the caller holds the app lock or knows the
/// app is not running).
pub fn sweep(paths: &Paths, ui_too: bool) -> SweepReport {
    let mut report = SweepReport::default();
    let take = |path: PathBuf, report: &mut SweepReport| match remove_tree(&path) {
        Ok(removed) if !removed.is_empty() => report.found.push(Leftover { path, removed }),
        Ok(_) => {}
        Err(_) => report.failed.push(path),
    };
    if let Ok(entries) = fs::read_dir(paths.sessions()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if is_live_session(&path) {
                report.live_sessions += 1;
            } else {
                // A browser that outlived a crashed app would write on.
                crate::browser::process::end_leftover(&path);
                take(path, &mut report);
            }
        }
    }
    if ui_too {
        take(paths.ui_webview(), &mut report);
    }
    remove_if_empty(&paths.sessions());
    report
}

/// Not even an empty folder should hint that a session took place.
fn remove_if_empty(dir: &Path) {
    let _ = fs::remove_dir(dir); // fails, as it should, when not empty
}

fn is_live_session(dir: &Path) -> bool {
    let Ok(f) = OpenOptions::new().write(true).open(dir.join(LOCK_FILE)) else {
        return false;
    };
    matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> (tempfile::TempDir, Paths) {
        let t = tempfile::tempdir().unwrap();
        let p = Paths { root: t.path().join("cache") };
        (t, p)
    }

    fn write(p: &Path, bytes: usize) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, vec![b'x'; bytes]).unwrap();
    }

    #[test]
    fn wipe_removes_the_session_folder_and_counts() {
        let (_t, p) = paths();
        let s = SessionDir::create(&p).unwrap();
        write(&s.webview_dir().join("cookies"), 10);
        write(&s.webview_dir().join("storage/local.sqlite"), 20);
        let dir = s.path().to_path_buf();
        let removed = s.wipe().unwrap();
        assert_eq!(removed.files, 2);
        assert_eq!(removed.bytes, 30);
        assert!(!dir.exists());
        assert!(!p.sessions().exists(), "no empty sessions folder either");
    }

    #[test]
    fn sweep_leaves_live_sessions_and_takes_dead_ones() {
        let (_t, p) = paths();
        let live = SessionDir::create(&p).unwrap();
        write(&live.webview_dir().join("cookies"), 5);
        // A crashed session: its folder exists but nobody holds the lock.
        let crashed = p.sessions().join("s-crashed");
        write(&crashed.join("webview/cookies"), 7);
        write(&crashed.join(LOCK_FILE), 0);
        write(&p.ui_webview().join("localstorage/x"), 3);

        let report = sweep(&p, false);
        assert_eq!(report.live_sessions, 1);
        assert_eq!(report.found.len(), 1);
        assert!(!crashed.exists());
        assert!(live.path().exists());
        assert!(p.ui_webview().exists(), "UI folder only when asked");

        let report = sweep(&p, true);
        assert_eq!(report.found.len(), 1);
        assert!(!p.ui_webview().exists());
        drop(live);
        let report = sweep(&p, true);
        assert_eq!(report.live_sessions, 0);
        assert!(report.is_clean());
        assert!(!p.sessions().exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sweep_ends_a_browser_left_running_by_a_crash_first() {
        use crate::browser::process::{spawn, PID_FILE};
        let (_t, p) = paths();
        let crashed = p.sessions().join("s-crashed");
        write(&crashed.join("browser/profile/Cookies"), 9);
        write(&crashed.join(LOCK_FILE), 0);
        let arg = format!("--user-data-dir={}", crashed.join("browser/profile").display());
        let mut browser = spawn(Path::new("/bin/sh"), &["-c".into(), "sleep 300; true".into(), arg.into()], &[]).unwrap();
        write(&crashed.join(PID_FILE), 0);
        fs::write(crashed.join(PID_FILE), browser.child.id().to_string()).unwrap();

        let report = sweep(&p, false);
        assert!(browser.child.wait().is_ok_and(|s| !s.success()), "the browser was ended");
        assert_eq!(report.found.len(), 1);
        assert!(!crashed.exists());
    }

    #[test]
    fn symlinks_are_removed_not_followed() {
        let (t, p) = paths();
        let outside = t.path().join("precious.txt");
        write(&outside, 4);
        let crashed = p.sessions().join("s-x");
        fs::create_dir_all(&crashed).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, crashed.join("link")).unwrap();
        sweep(&p, false);
        assert!(outside.exists());
        assert!(!crashed.exists());
    }

    #[test]
    fn app_lock_is_exclusive() {
        let (_t, p) = paths();
        let a = AppLock::acquire(&p).unwrap();
        assert!(a.is_some());
        // flock is per open file description, so a second open in the same
        // process contends like another process would.
        assert!(AppLock::acquire(&p).unwrap().is_none());
        drop(a);
        assert!(AppLock::acquire(&p).unwrap().is_some());
    }

    #[test]
    fn clean_home_sweeps_to_nothing() {
        let (_t, p) = paths();
        let r = sweep(&p, true);
        assert!(r.found.is_empty() && r.is_clean());
    }
}
