//! The app's own files (`settings.json`, `counsellor.json`): written whole
//! or not at all, and readable by their owner only. Neither holds a secret,
//! but both name the organisation and the counsellor, which is nobody
//! else's business on a shared computer.

use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file beside it, created
/// owner-only (0600 on Unix), then renamed over the old one.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    // A leftover from a crash may carry wider permissions: start afresh.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_whole_and_owner_only() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("app/settings.json");
        write(&p, b"{\"a\":1}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"a\":1}");
        // A stale temporary file with wide permissions is replaced.
        let tmp = p.with_extension("json.tmp");
        std::fs::write(&tmp, "old").unwrap();
        write(&p, b"{}").unwrap();
        assert!(!tmp.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
