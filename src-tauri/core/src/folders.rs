//! Where the app keeps things, from the `directories` crate: the user's
//! settings file in the config folder, every session below the cache
//! folder. Both are `<folder>/de.sprechzimmer.desktop` on every platform
//! (`%APPDATA%`, `%LOCALAPPDATA%` on Windows), the paths the
//! administration guide documents. `ProjectDirs` would add `config` and
//! `cache` below them on Windows, which uninstall scripts and the wipe
//! check already name without.

use std::io::Write;
use std::path::{Path, PathBuf};

use directories::BaseDirs;

/// `$XDG_CONFIG_HOME/<app id>`, `~/Library/Application Support/<app id>`,
/// `%APPDATA%\<app id>`.
pub fn config() -> Option<PathBuf> {
    BaseDirs::new().map(|b| b.config_dir().join(crate::APP_ID))
}

/// `$XDG_CACHE_HOME/<app id>`, `~/Library/Caches/<app id>`,
/// `%LOCALAPPDATA%\<app id>`: the wipe's root.
pub fn cache() -> Option<PathBuf> {
    BaseDirs::new().map(|b| b.cache_dir().join(crate::APP_ID))
}

/// The user's download folder (`XDG_DOWNLOAD_DIR`, `~/Downloads`), else
/// the home: where a counsellor's calendar file goes.
pub fn downloads() -> Option<PathBuf> {
    directories::UserDirs::new().map(|u| u.download_dir().unwrap_or(u.home_dir()).to_path_buf())
}

/// Writes a file the user asked for (a calendar file, a consent receipt)
/// as `stem.ext` in `dir`, or `stem (2).ext` and so on: never over another
/// file, never through a link someone placed there.
pub fn write_new(dir: &Path, stem: &str, ext: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for i in 1..100 {
        let name = if i == 1 { format!("{stem}.{ext}") } else { format!("{stem} ({i}).{ext}") };
        let path = dir.join(name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                f.write_all(contents)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "too many files of this name"))
}

/// The user's home, to shorten paths in messages to `~`.
pub fn home() -> Option<PathBuf> {
    BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_file_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::write_new(dir.path(), "Sprechzimmer-2026-12-03-1030", "ics", b"A").unwrap();
        let b = super::write_new(dir.path(), "Sprechzimmer-2026-12-03-1030", "ics", b"B").unwrap();
        assert_eq!(a.file_name().unwrap(), "Sprechzimmer-2026-12-03-1030.ics");
        assert_eq!(b.file_name().unwrap(), "Sprechzimmer-2026-12-03-1030 (2).ics");
        assert_eq!((std::fs::read(a).unwrap(), std::fs::read(b).unwrap()), (b"A".to_vec(), b"B".to_vec()));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.path().join("x.ics")).unwrap();
            let c = super::write_new(dir.path(), "x", "ics", b"C").unwrap();
            assert_eq!(c.file_name().unwrap(), "x (2).ics", "a planted link is not written through");
        }
    }

    #[test]
    fn both_folders_are_named_by_the_app_id() {
        for dir in [super::config(), super::cache()].into_iter().flatten() {
            assert_eq!(dir.file_name().and_then(|n| n.to_str()), Some(crate::APP_ID));
            assert!(dir.is_absolute());
        }
    }
}
