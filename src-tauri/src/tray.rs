//! The counsellor's tray: start a session, copy the invite, bring the
//! meeting to the front, end it for everyone, settings, quit. With a tray,
//! closing the app window destroys it (and its webview) and the app stays
//! in the tray; the window is built again when needed.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::controller::{self, EndReason, MAIN_WINDOW};
use crate::counsellor_app::{self, CounsellorState};
use crate::i18n::{self, t};

pub const ID: &str = "sprechzimmer";
/// Tells the app window which screen the tray asked for.
pub const SHOW_EVENT: &str = crate::commands::events::SHOW;

pub fn exists<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.tray_by_id(ID).is_some()
}

/// Adds the tray when a counsellor account exists; no-op otherwise or when
/// it is already there.
pub fn ensure<R: Runtime>(app: &AppHandle<R>) {
    let mode = app.state::<crate::controller::AppState>().settings().counsellor_mode;
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
        "show_meeting" => controller::show_meeting(app),
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
            controller::end_session(app, EndReason::Quit, None);
            app.exit(0);
        }
        _ => {}
    }
}

/// Shows the app window, on `screen` if given (otherwise as it is),
/// building the window if it was closed.
pub fn show_screen<R: Runtime>(app: &AppHandle<R>, screen: Option<&'static str>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        if let Some(screen) = screen {
            let _ = app.emit_to(MAIN_WINDOW, SHOW_EVENT, screen);
        }
        return;
    }
    let app = app.clone();
    // Window creation belongs on the main thread's loop, not in a menu callback.
    let _ = app.clone().run_on_main_thread(move || {
        if let Err(e) = crate::open_main_window(&app, screen) {
            log::warn!("app window: {e}");
        }
    });
}
