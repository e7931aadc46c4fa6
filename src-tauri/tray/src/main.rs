//! `sprechzimmer-tray`: the counsellor's tray while no window and no
//! session exist, at a fraction of the full app's memory (no webview, no
//! GTK on Linux).
//!
//! `sprechzimmer --tray` (what autostart runs) becomes this program, and the
//! full app starts it again when its window closes with no session running.
//! Every menu entry starts the full app, which first asks this agent to
//! leave (`sprechzimmer_core::agent`), so one tray is shown at a time.
//!
//! - `menu.rs`: the entries and what each one starts;
//! - `linux.rs` / `windows.rs`: the platform's tray.

// No console window on Windows, in every build: autostart runs this.
#![cfg_attr(windows, windows_subsystem = "windows")]

mod icon;
mod menu;

#[cfg(all(unix, not(target_os = "macos")))]
#[path = "linux.rs"]
mod platform;
#[cfg(windows)]
#[path = "windows.rs"]
mod platform;

use sprechzimmer_core::agent::{self, Listener};
use sprechzimmer_core::counsellor;
use sprechzimmer_core::hosts::UrlRules;
use sprechzimmer_core::settings::Setup;
use sprechzimmer_core::wipe::Paths;
use sprechzimmer_core::{i18n, logging};

fn main() {
    let setup = Setup::load(UrlRules::from_env());
    logging::init(setup.settings.log_level);
    i18n::init(setup.settings.language);
    if let Some(arg) = std::env::args().nth(1) {
        let help = arg == "--help" || arg == "-h";
        println!("sprechzimmer-tray {}: the counsellor's tray without a window; started by `sprechzimmer --tray`.", env!("CARGO_PKG_VERSION"));
        std::process::exit(if help || arg == "--version" || arg == "-V" { 0 } else { 2 });
    }
    let Some(app) = agent::sibling(agent::APP) else {
        eprintln!("sprechzimmer-tray: the app is not installed next to it");
        std::process::exit(1);
    };
    // Without a counsellor access there is nothing to offer in the tray.
    if !counsellor::tray_wanted(&setup) {
        log::info!("tray agent: no counsellor access, nothing to show");
        return;
    }
    let paths = match Paths::for_current_user() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sprechzimmer-tray: {e}");
            std::process::exit(1);
        }
    };
    let listener = match Listener::bind(&paths) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            log::info!("tray agent: one runs already");
            return;
        }
        Err(e) => {
            eprintln!("sprechzimmer-tray: {e}");
            std::process::exit(1);
        }
    };
    // The bookings' purge, at start and daily, while only the agent runs.
    let days = setup.settings.booking_retention_days;
    std::thread::spawn(move || loop {
        match counsellor::bookings::purge_for_user(days) {
            Ok(0) => {}
            Ok(n) => log::info!("tray agent: {n} booking(s) past their deadline deleted"),
            Err(e) => log::warn!("tray agent: bookings purge: {}", e.code()),
        }
        std::thread::sleep(std::time::Duration::from_secs(24 * 60 * 60));
    });
    let entries = menu::Entries::new(app, i18n::current());
    platform::run(entries, listener);
}

#[cfg(not(any(windows, all(unix, not(target_os = "macos")))))]
mod platform {
    /// macOS keeps the full app in the menu bar; no agent is shipped there.
    pub fn run(_: crate::menu::Entries, _: sprechzimmer_core::agent::Listener) {
        eprintln!("sprechzimmer-tray: not used on this platform");
        std::process::exit(1);
    }
}
