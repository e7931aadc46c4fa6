//! Sprechzimmer's core: everything that needs no window.
//!
//! The app crate (the Tauri shell) executes what these modules decide; it
//! is the only crate that may reach Tauri. This crate's tree holds no
//! Tauri, wry or GTK, and CI checks that (`tests/check-layering.sh`), so
//! every rule here builds and tests on a machine without a display.
//!
//! - Who may take part: [`invite`] (the link), [`profile`] (the
//!   organisation), [`consent`] (both texts, per version), [`session`]
//!   (the client's steps), [`lobby`] (waiting for the counsellor),
//!   [`engine`] (every session decision, one state), [`ipc`] (what the UI
//!   receives: event names with their payloads).
//! - Meeting services: [`provider`] (BigBlueButton, Jitsi), [`hosts`]
//!   (which URLs are allowed), [`net`] (the one HTTP client).
//! - The computer: [`policy`] and [`settings`] (what IT locks),
//!   [`browser`] (the isolated fallback browser and its DevTools driver),
//!   [`network_process`] (WebKit's process a released window leaves),
//!   [`code_pages`] (the library pages it leaves mapped),
//!   [`wipe`] (nothing left behind), [`counsellor`] (set-up, secrets,
//!   starting and ending meetings).
//! - Words: [`i18n`] (the catalogues the UI uses too), [`scrub`] (what a
//!   log line may never carry).

/// The app's identifier: folders, the credential store's service, macOS
/// managed preferences. `tauri.conf.json` says the same (a test checks).
pub const APP_ID: &str = "de.sprechzimmer.desktop";

pub mod agent;
pub mod browser;
pub mod cmdline;
pub mod code_pages;
pub mod consent;
pub mod counsellor;
pub mod device_check;
pub mod engine;
pub mod folders;
pub mod hosts;
pub mod i18n;
pub mod invite;
pub mod invite_page;
pub mod ipc;
pub mod lobby;
pub mod logging;
pub mod navigation;
pub mod net;
pub mod network_process;
pub mod policy;
pub mod private_file;
pub mod profile;
pub mod provider;
pub mod receipt;
pub mod scrub;
pub mod session;
pub mod settings;
pub mod wipe;
