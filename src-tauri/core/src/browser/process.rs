//! Starting and stopping the fallback browser. The browser gets a process
//! group of its own, so its whole tree (zygote, GPU, renderers) ends
//! together, and on Linux it dies with the app. The DevTools pipe is fds 3
//! and 4 of the child: no port, nothing another process can connect to.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::Child;
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

/// Written into the session folder, so the next start can end a browser
/// that outlived a crashed app before it deletes the profile.
pub const PID_FILE: &str = "browser.pid";

pub struct Running {
    pub child: Child,
    pub to_browser: io::PipeWriter,
    pub from_browser: io::PipeReader,
}

#[cfg(unix)]
pub fn spawn(program: &Path, args: &[OsString], env: &[(String, OsString)]) -> io::Result<Running> {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;

    let (child_reads, to_browser) = io::pipe()?;
    let (from_browser, child_writes) = io::pipe()?;
    let (r, w) = (child_reads.as_raw_fd(), child_writes.as_raw_fd());
    let mut cmd = Command::new(program);
    cmd.args(args).envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // Out of the way first, so neither lands on 3 or 4 by chance.
            let r2 = libc::fcntl(r, libc::F_DUPFD_CLOEXEC, 10);
            let w2 = libc::fcntl(w, libc::F_DUPFD_CLOEXEC, 10);
            if r2 < 0 || w2 < 0 || libc::dup2(r2, 3) < 0 || libc::dup2(w2, 4) < 0 {
                return Err(io::Error::last_os_error());
            }
            #[cfg(target_os = "linux")]
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    drop((child_reads, child_writes));
    Ok(Running { child, to_browser, from_browser })
}

#[cfg(not(unix))]
pub fn spawn(_program: &Path, _args: &[OsString], _env: &[(String, OsString)]) -> io::Result<Running> {
    // WebView2 carries WebRTC, so Windows never needs the fallback.
    Err(io::Error::new(io::ErrorKind::Unsupported, "the fallback browser needs a Unix system"))
}

/// Ends the process group `pgid`: politely, then for sure. Returns once no
/// process of the group is left, or after `patience` plus a short grace.
#[cfg(unix)]
pub fn end_group(pgid: u32, patience: Duration) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else { return };
    if pgid <= 1 {
        return;
    }
    let alive = || unsafe { libc::kill(-pgid, 0) } == 0;
    if !alive() {
        return;
    }
    let deadline = Instant::now() + patience;
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive() {
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let grace = Instant::now() + Duration::from_secs(2);
        while alive() && Instant::now() < grace {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(not(unix))]
pub fn end_group(_pgid: u32, _patience: Duration) {}

/// A browser left running by an app that crashed: ended if, and only if,
/// its command line still names this session folder (a pid can be reused).
pub fn end_leftover(session_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(session_dir.join(PID_FILE)) else { return };
    let Ok(pid) = text.trim().parse::<u32>() else { return };
    if owned_by(pid, session_dir) {
        log::info!("ending a browser left over from an earlier session");
        end_group(pid, Duration::from_secs(2));
    }
}

#[cfg(target_os = "linux")]
fn owned_by(pid: u32, session_dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return false };
    let needle = session_dir.as_os_str().as_bytes();
    !needle.is_empty() && cmdline.windows(needle.len()).any(|w| w == needle)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn owned_by(pid: u32, session_dir: &Path) -> bool {
    // No /proc (macOS): ask ps for the command line.
    let Ok(out) = Command::new("ps").args(["-ww", "-o", "command=", "-p", &pid.to_string()]).output() else {
        return false;
    };
    let needle = session_dir.to_string_lossy();
    !needle.is_empty() && String::from_utf8_lossy(&out.stdout).contains(needle.as_ref())
}

#[cfg(not(unix))]
fn owned_by(_pid: u32, _session_dir: &Path) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn the_child_talks_on_fds_3_and_4() {
        // `cat` between fd 3 and fd 4 stands in for the browser.
        let r = spawn(Path::new("/bin/sh"), &["-c".into(), "cat <&3 >&4".into()], &[]).unwrap();
        let Running { mut child, mut to_browser, mut from_browser } = r;
        to_browser.write_all(b"{\"id\":1}\0").unwrap();
        drop(to_browser);
        let mut got = Vec::new();
        from_browser.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"{\"id\":1}\0");
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn ending_the_group_takes_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("tree");
        // A parent that ignores SIGTERM and a child of its own.
        let script = format!("trap '' TERM; sleep 300 & echo $! > {}; wait", marker.display());
        let mut r = spawn(Path::new("/bin/sh"), &["-c".into(), script.into()], &[]).unwrap();
        let pid = r.child.id();
        while std::fs::read_to_string(&marker).map(|s| s.trim().is_empty()).unwrap_or(true) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let grandchild: i32 = std::fs::read_to_string(&marker).unwrap().trim().parse().unwrap();
        end_group(pid, Duration::from_millis(300));
        r.child.wait().unwrap();
        assert_ne!(unsafe { libc::kill(grandchild, 0) }, 0, "the grandchild is gone too");
    }

    #[test]
    fn leftovers_are_ended_only_when_they_name_the_session() {
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("s-0123");
        std::fs::create_dir(&session).unwrap();
        let arg = format!("--user-data-dir={}/browser/profile", session.display());
        let mut mine = spawn(Path::new("/bin/sh"), &["-c".into(), "sleep 300; true".into(), arg.into()], &[]).unwrap();
        let mut other = spawn(Path::new("/bin/sh"), &["-c".into(), "sleep 300; true".into()], &[]).unwrap();
        std::fs::write(session.join(PID_FILE), other.child.id().to_string()).unwrap();
        end_leftover(&session);
        assert!(other.child.try_wait().unwrap().is_none(), "a stranger's process is left alone");
        std::fs::write(session.join(PID_FILE), mine.child.id().to_string()).unwrap();
        end_leftover(&session);
        assert!(mine.child.wait().is_ok());
        assert!(!owned_by(mine.child.id(), &session));
        end_group(other.child.id(), Duration::from_millis(100));
        other.child.wait().unwrap();
    }
}
