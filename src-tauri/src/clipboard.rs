//! The counsellor's invite on the clipboard, marked so that clipboard
//! history, cloud clipboard and clipboard managers leave it alone where the
//! system supports that: Windows' history and cloud formats, KDE's
//! password-manager hint on Linux, the concealed type on macOS. It still
//! pastes like any text.

pub fn copy_private(text: &str) -> Result<(), arboard::Error> {
    let mut clipboard = arboard::Clipboard::new()?;
    let set = clipboard.set();
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_history().exclude_from_cloud().exclude_from_monitoring()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple;
        set.exclude_from_history()
    };
    #[cfg(all(unix, not(target_os = "macos")))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    set.text(text)
}
