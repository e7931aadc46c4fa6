// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // A GUI-subsystem program has no console: the subcommands (`policy`,
    // `check-invite`, `wipe`) write into the one they were started from.
    #[cfg(windows)]
    if std::env::args().nth(1).is_some_and(|a| !a.contains("://")) {
        // SAFETY: no preconditions; fails harmlessly without a parent console.
        unsafe {
            windows_sys::Win32::System::Console::AttachConsole(windows_sys::Win32::System::Console::ATTACH_PARENT_PROCESS);
        }
    }
    sprechzimmer_lib::main_entry()
}
