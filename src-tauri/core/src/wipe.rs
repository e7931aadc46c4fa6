//! Nothing left behind. Everything a session can write lives under one cache
//! folder of the app; each session gets its own subfolder, held by a file
//! lock while it runs. A folder whose lock is free belongs to a session that
//! is over (or crashed) and is removed: at the end of a session, at the next
//! start, and by `sprechzimmer wipe --check`.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

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
        let root = crate::folders::cache().ok_or(WipeError::NoCacheDir)?;
        Ok(Paths { root })
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

/// What `remove_tree` could not remove (with what it did remove).
#[derive(Debug, thiserror::Error)]
#[error("{} item(s) could not be removed", failed.len())]
pub struct Incomplete {
    pub removed: Removed,
    pub failed: Vec<PathBuf>,
}

impl From<Incomplete> for io::Error {
    fn from(e: Incomplete) -> io::Error {
        io::Error::other(e)
    }
}

/// Removes `path` and everything below it, counting what it removed. A path
/// that does not exist is already clean. Symlinks are removed, never
/// followed. An item that cannot be removed does not stop the rest: every
/// such item is reported.
pub fn remove_tree(path: &Path) -> Result<Removed, Incomplete> {
    remove_tree_with(path, &|p: &Path| retry(|| fs::remove_file(p), held_elsewhere, RETRIES, RETRY_PAUSE))
}

/// How often, and how far apart, a removal another process blocks is tried.
const RETRIES: u32 = 20;
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// Windows refuses to delete a file another process still has open, and
/// WebView2's browser process lets go of a session's folder a moment after
/// it exits. Such a removal is tried again for a second; elsewhere an open
/// file is no obstacle, so nothing is retried.
fn held_elsewhere(e: &io::Error) -> bool {
    // ERROR_ACCESS_DENIED (also: delete pending), ERROR_SHARING_VIOLATION,
    // ERROR_LOCK_VIOLATION.
    cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33))
}

/// Runs `op` until it succeeds, fails for good, or `attempts` are used up.
fn retry(
    mut op: impl FnMut() -> io::Result<()>,
    transient: impl Fn(&io::Error) -> bool,
    attempts: u32,
    pause: std::time::Duration,
) -> io::Result<()> {
    let mut tried = 1;
    loop {
        match op() {
            Err(e) if transient(&e) && tried < attempts => {
                tried += 1;
                std::thread::sleep(pause);
            }
            done => return done,
        }
    }
}

/// `remove_tree` with the file removal given, so a test can make one file
/// undeletable (root may delete anything, and CI runs as root).
fn remove_tree_with(path: &Path, remove_file: &dyn Fn(&Path) -> io::Result<()>) -> Result<Removed, Incomplete> {
    let mut removed = Removed::default();
    let mut failed = Vec::new();
    remove_into(path, remove_file, &mut removed, &mut failed);
    if failed.is_empty() {
        Ok(removed)
    } else {
        Err(Incomplete { removed, failed })
    }
}

fn remove_into(path: &Path, remove_file: &dyn Fn(&Path) -> io::Result<()>, removed: &mut Removed, failed: &mut Vec<PathBuf>) {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(_) => return failed.push(path.to_path_buf()),
    };
    if meta.is_dir() {
        let before = failed.len();
        match fs::read_dir(path) {
            Ok(entries) => {
                for entry in entries {
                    match entry {
                        Ok(e) => remove_into(&e.path(), remove_file, removed, failed),
                        Err(_) => failed.push(path.to_path_buf()),
                    }
                }
            }
            Err(_) => return failed.push(path.to_path_buf()),
        }
        match retry(|| fs::remove_dir(path), held_elsewhere, RETRIES, RETRY_PAUSE) {
            Ok(()) => removed.dirs += 1,
            // A folder that still holds a failed item is no extra news.
            Err(_) if failed.len() > before => {}
            Err(_) => failed.push(path.to_path_buf()),
        }
    } else {
        match remove_file(path) {
            Ok(()) => {
                removed.files += 1;
                removed.bytes += meta.len();
            }
            Err(_) => failed.push(path.to_path_buf()),
        }
    }
}

/// `<temp>/sz-<hex>` for the session folder `s-<hex>`.
pub fn scratch_for(session_dir: &Path) -> Option<PathBuf> {
    let name = session_dir.file_name()?;
    let hex = name.to_str()?.strip_prefix("s-").filter(|_| is_session_name(name))?;
    Some(std::env::temp_dir().join(format!("sz-{hex}")))
}

/// Why one of the app's own folders is not touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    Symlink,
    NotAFolder,
    ForeignOwner,
}

/// The app's folders are its own: no symlink (which would lead the sweep
/// somewhere else), no file in their place, and on Unix owned by this user.
/// A missing folder is fine.
pub fn check_own_dir(path: &Path) -> Result<(), Refusal> {
    match fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(Refusal::Symlink),
        Ok(m) if !m.is_dir() => Err(Refusal::NotAFolder),
        Ok(m) if !owned_by_me(&m) => Err(Refusal::ForeignOwner),
        Ok(_) => Ok(()),
    }
}

#[cfg(unix)]
fn owned_by_me(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    m.uid() == unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn owned_by_me(_: &fs::Metadata) -> bool {
    // Per-user profile folders; Windows ACLs keep other users out.
    true
}

/// A session folder's name as `SessionDir::create` makes it: `s-` and 16
/// lower-case hex digits. The sweep touches nothing else.
pub fn is_session_name(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .and_then(|n| n.strip_prefix("s-"))
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// The app's root and sessions folders, each checked by `check_own_dir`.
fn own_folders(paths: &Paths) -> Result<(), (PathBuf, Refusal)> {
    for dir in [paths.root.clone(), paths.sessions()] {
        check_own_dir(&dir).map_err(|r| (dir, r))?;
    }
    Ok(())
}

pub(crate) fn refuse_foreign(paths: &Paths) -> io::Result<()> {
    own_folders(paths).map_err(|(dir, r)| io::Error::new(io::ErrorKind::PermissionDenied, format!("{}: {r:?}", dir.display())))
}

pub(crate) fn private_dir(path: &Path) -> io::Result<()> {
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
        refuse_foreign(paths)?;
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
#[derive(Debug)]
pub struct SessionDir {
    path: PathBuf,
    lock: Option<File>,
}

const LOCK_FILE: &str = ".lock";

impl SessionDir {
    pub fn create(paths: &Paths) -> io::Result<SessionDir> {
        refuse_foreign(paths)?;
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

    /// The session's scratch folder in the system's temporary folder, for
    /// Chromium's temporary files and sockets (a Unix socket path is at most
    /// 108 bytes, too short for one below the session folder). Created
    /// owner-only; wiped with the session, and by the sweep after a crash.
    pub fn scratch_dir(&self) -> io::Result<PathBuf> {
        let dir = scratch_for(&self.path).ok_or_else(|| io::Error::other("not a session folder"))?;
        if check_own_dir(&dir).is_err() {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "the scratch folder is not ours"));
        }
        private_dir(&dir)?;
        Ok(dir)
    }

    pub fn wipe(mut self) -> io::Result<Removed> {
        drop(self.lock.take());
        let mut removed = remove_tree(&self.path)?;
        // The lock file is bookkeeping, not session data.
        removed.files = removed.files.saturating_sub(1);
        if let Some(scratch) = scratch_for(&self.path).filter(|s| check_own_dir(s).is_ok()) {
            removed.add(remove_tree(&scratch)?);
        }
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
    /// Items that could not be removed.
    pub failed: Vec<PathBuf>,
    /// Folders of the app that are not its own (a symlink, another user's):
    /// nothing below them was touched.
    pub refused: Vec<(PathBuf, Refusal)>,
}

impl SweepReport {
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.refused.is_empty()
    }
}

/// Removes every session folder no running process holds, and the UI's
/// browsing data when `ui_too` (the caller holds the app lock or knows the
/// app is not running). Only folders the app itself names and owns.
pub fn sweep(paths: &Paths, ui_too: bool) -> SweepReport {
    let mut report = SweepReport::default();
    if let Err(refused) = own_folders(paths) {
        report.refused.push(refused);
        return report;
    }
    let take = |path: PathBuf, report: &mut SweepReport| match remove_tree(&path) {
        Ok(removed) if !removed.is_empty() => report.found.push(Leftover { path, removed }),
        Ok(_) => {}
        Err(inc) => {
            if !inc.removed.is_empty() {
                report.found.push(Leftover { path, removed: inc.removed });
            }
            report.failed.extend(inc.failed);
        }
    };
    // A link in our own folder is ours to remove, not to follow; a folder
    // that is not ours is reported and left alone.
    let take_own = |path: PathBuf, report: &mut SweepReport| match check_own_dir(&path) {
        Ok(()) | Err(Refusal::Symlink) => take(path, report),
        Err(r) => report.refused.push((path, r)),
    };
    if let Ok(entries) = fs::read_dir(paths.sessions()) {
        for entry in entries.flatten() {
            let path = entry.path();
            if !is_session_name(&entry.file_name()) {
                continue;
            }
            match check_own_dir(&path) {
                // A link in our own folder is ours to remove, not to follow.
                Err(Refusal::Symlink) => take(path, &mut report),
                Err(r) => report.refused.push((path, r)),
                Ok(()) if is_live_session(&path) => report.live_sessions += 1,
                Ok(()) => {
                    // A browser that outlived a crashed app would write on.
                    crate::browser::process::end_leftover(&path);
                    if let Some(scratch) = scratch_for(&path) {
                        take_own(scratch, &mut report);
                    }
                    take(path, &mut report);
                }
            }
        }
    }
    if ui_too {
        take_own(paths.ui_webview(), &mut report);
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
    #[test]
    fn a_removal_another_process_blocks_is_tried_again_for_a_while() {
        use std::cell::Cell;
        let locked = || io::Error::from_raw_os_error(32);
        let transient = |e: &io::Error| e.raw_os_error() == Some(32);
        let calls = Cell::new(0);
        let op = || {
            calls.set(calls.get() + 1);
            if calls.get() < 3 {
                Err(locked())
            } else {
                Ok(())
            }
        };
        assert!(retry(op, transient, 5, std::time::Duration::ZERO).is_ok(), "let go on the third try");
        assert_eq!(calls.get(), 3);
        calls.set(0);
        let always = || {
            calls.set(calls.get() + 1);
            Err(locked())
        };
        assert!(retry(always, transient, 4, std::time::Duration::ZERO).is_err(), "never let go");
        assert_eq!(calls.get(), 4, "tried as often as allowed, no more");
        calls.set(0);
        let gone = || {
            calls.set(calls.get() + 1);
            Err(io::Error::from(io::ErrorKind::NotFound))
        };
        assert!(retry(gone, transient, 4, std::time::Duration::ZERO).is_err());
        assert_eq!(calls.get(), 1, "another error is final at once");
        // Only Windows has locks that go away by themselves.
        assert_eq!(held_elsewhere(&locked()), cfg!(windows));
        assert!(!held_elsewhere(&io::Error::from(io::ErrorKind::NotFound)));
    }

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
        let crashed = p.sessions().join("s-00000000c0ffee01");
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
        let crashed = p.sessions().join("s-00000000c0ffee01");
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
        let crashed = p.sessions().join("s-00000000c0ffee02");
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

    #[test]
    fn only_session_names_the_app_makes() {
        for ok in ["s-0123456789abcdef", "s-00000000c0ffee01"] {
            assert!(is_session_name(std::ffi::OsStr::new(ok)), "{ok}");
        }
        for bad in ["s-crashed", "s-0123456789ABCDEF", "s-0123456789abcde", "s-0123456789abcdef0", "x-0123456789abcdef", "..", "", "s-"] {
            assert!(!is_session_name(std::ffi::OsStr::new(bad)), "{bad}");
        }
        // Anything else in the sessions folder is not ours to delete.
        let (_t, p) = paths();
        write(&p.sessions().join("notes/keep.txt"), 1);
        write(&p.sessions().join("s-00000000c0ffee03/cookies"), 1);
        let r = sweep(&p, false);
        assert_eq!(r.found.len(), 1);
        assert!(p.sessions().join("notes/keep.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_sessions_folder_is_refused_not_followed() {
        let (t, p) = paths();
        let elsewhere = t.path().join("elsewhere");
        write(&elsewhere.join("s-00000000c0ffee04/precious"), 4);
        write(&elsewhere.join("precious.txt"), 4);
        fs::create_dir_all(&p.root).unwrap();
        std::os::unix::fs::symlink(&elsewhere, p.sessions()).unwrap();
        let r = sweep(&p, true);
        assert_eq!(r.refused, [(p.sessions(), Refusal::Symlink)]);
        assert!(!r.is_clean());
        assert!(elsewhere.join("s-00000000c0ffee04/precious").exists());
        assert!(elsewhere.join("precious.txt").exists());
        assert!(SessionDir::create(&p).is_err(), "no session is created through the link");
        assert!(!elsewhere.join("s-00000000c0ffee04").read_dir().unwrap().any(|e| e.unwrap().file_name() == LOCK_FILE));

        // The app's own root as a link: the same.
        let (t2, p2) = paths();
        write(&t2.path().join("other/sessions/s-00000000c0ffee05/x"), 1);
        std::os::unix::fs::symlink(t2.path().join("other"), &p2.root).unwrap();
        assert_eq!(sweep(&p2, true).refused[0].1, Refusal::Symlink);
        assert!(t2.path().join("other/sessions/s-00000000c0ffee05/x").exists());
        assert!(AppLock::acquire(&p2).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn another_users_folder_is_refused() {
        // As root (CI), a folder handed to "nobody"; otherwise "/", which is
        // root's.
        let t = tempfile::tempdir().unwrap();
        // SAFETY: no preconditions.
        let foreign = if unsafe { libc::geteuid() } == 0 {
            let d = t.path().join("foreign");
            fs::create_dir(&d).unwrap();
            std::os::unix::fs::chown(&d, Some(65534), Some(65534)).unwrap();
            d
        } else {
            PathBuf::from("/")
        };
        assert_eq!(check_own_dir(&foreign), Err(Refusal::ForeignOwner));
        assert_eq!(check_own_dir(t.path()), Ok(()));
        assert_eq!(check_own_dir(&t.path().join("missing")), Ok(()));
        let file = t.path().join("file");
        fs::write(&file, "").unwrap();
        assert_eq!(check_own_dir(&file), Err(Refusal::NotAFolder));
    }

    #[test]
    fn removal_goes_on_past_an_undeletable_file() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("s");
        for name in ["a", "b-stuck", "c", "sub/d", "sub/e-stuck"] {
            write(&root.join(name), 2);
        }
        let err = remove_tree_with(&root, &|p: &Path| {
            if p.file_name().is_some_and(|n| n.to_string_lossy().ends_with("-stuck")) {
                Err(io::Error::from(io::ErrorKind::PermissionDenied))
            } else {
                fs::remove_file(p)
            }
        })
        .unwrap_err();
        let mut failed = err.failed.clone();
        failed.sort();
        assert_eq!(failed, [root.join("b-stuck"), root.join("sub/e-stuck")], "each stuck file, and no folder twice");
        assert_eq!(err.removed.files, 3, "everything else went");
        assert!(!root.join("a").exists() && !root.join("c").exists() && !root.join("sub/d").exists());
        assert!(remove_tree(&root).is_ok());
        assert!(!root.exists());
    }
}
