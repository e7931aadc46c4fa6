//! The counsellor's tray: start a session, copy the invite, bring the
//! meeting to the front, end it for everyone, settings, quit. With a tray,
//! closing the app window destroys it (and its webview) and the app stays
//! in the tray; the window is built again when needed.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::counsellor_app::{self, CounsellorState};
use crate::i18n::{self, t};
use crate::ipc::EndReason;
use crate::main_window::show as show_screen;
use crate::runtime::{self, AppState};

pub const ID: &str = "sprechzimmer";

pub fn exists<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.tray_by_id(ID).is_some()
}

/// Adds the tray when a counsellor account exists; no-op otherwise or when
/// it is already there.
pub fn ensure<R: Runtime>(app: &AppHandle<R>) {
    let mode = app.state::<AppState>().settings().counsellor_mode;
    if exists(app) || !mode || !app.state::<CounsellorState>().is_set_up() {
        return;
    }
    if let Err(e) = build(app) {
        // No tray host (some desktops): the app window stays the way in.
        log::warn!("tray unavailable: {e}");
    }
}

pub fn remove<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.remove_tray_by_id(ID);
}

fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let lang = i18n::current();
    let item = |id: &str, key: &str| MenuItem::with_id(app, id, t(lang, key), true, None::<&str>);
    let menu = Menu::with_items(
        app,
        &[
            &item("start", "tray.start")?,
            &item("copy", "tray.copy")?,
            &item("show_meeting", "tray.show_meeting")?,
            &item("end", "tray.end")?,
            &PredefinedMenuItem::separator(app)?,
            &item("open", "tray.open")?,
            &item("settings", "tray.settings")?,
            &item("quit", "tray.quit")?,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id(ID).menu(&menu).tooltip("Sprechzimmer");
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.on_menu_event(|app, event| on_menu(app, event.id().as_ref())).build(app)?;
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        "start" => show_screen(app, Some("counsellor")),
        // No session (or no clipboard): the counsellor screen says why.
        "copy" if counsellor_app::copy_invite(app).is_err() => show_screen(app, Some("counsellor")),
        "copy" => {}
        "show_meeting" => runtime::show_meeting(app),
        "end" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = counsellor_app::end_session(&app).await {
                    log::warn!("ending from the tray: {}", e.code());
                }
            });
        }
        "open" => show_screen(app, None),
        "settings" => show_screen(app, Some("settings")),
        "quit" => {
            runtime::end_session(app, EndReason::Quit, None);
            app.exit(0);
        }
        _ => {}
    }
}

/// Makes the OS's autostart entry match the `autostart` setting: the
/// tray (the agent, or the app in the tray) from login on.
pub fn apply_autostart<R: Runtime>(app: &AppHandle<R>) {
    use tauri_plugin_autostart::ManagerExt;
    let settings = app.state::<AppState>().settings();
    let want = settings.autostart && settings.counsellor_mode;
    let launcher = app.autolaunch();
    if launcher.is_enabled().unwrap_or(false) != want {
        let done = if want { launcher.enable() } else { launcher.disable() };
        if done.is_err() {
            log::warn!("autostart could not be {}", if want { "switched on" } else { "switched off" });
        }
    }
}
