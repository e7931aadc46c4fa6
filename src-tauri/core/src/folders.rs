//! Where the app keeps things, from the `directories` crate: the user's
//! settings file in the config folder, every session below the cache
//! folder. Both are `<folder>/de.sprechzimmer.desktop` on every platform
//! (`%APPDATA%`, `%LOCALAPPDATA%` on Windows), the paths the
//! administration guide documents. `ProjectDirs` would add `config` and
//! `cache` below them on Windows, which uninstall scripts and the wipe
//! check already name without.

use std::path::PathBuf;

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

/// The user's home, to shorten paths in messages to `~`.
pub fn home() -> Option<PathBuf> {
    BaseDirs::new().map(|b| b.home_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_folders_are_named_by_the_app_id() {
        for dir in [super::config(), super::cache()].into_iter().flatten() {
            assert_eq!(dir.file_name().and_then(|n| n.to_str()), Some(crate::APP_ID));
            assert!(dir.is_absolute());
        }
    }
}
