//! The app commands. Only the app's own window may call them: the one
//! capability is bound to the window labelled "main" and to local origins.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State, WebviewWindow};

use crate::bookings_app;
use crate::cli;
use crate::consent::ConsentRequest;
use crate::counsellor::invitation::Invitation;
use crate::counsellor_app;
use crate::error::Result;
use crate::i18n::{self, Lang};
use crate::ipc::events;
use crate::ipc::{ConsentView, Ended, InvitePreview, RunningView};
use crate::main_window;
use crate::runtime::{self, AppState};
use crate::session::{Phase, SessionError};
use crate::tray;

include!("contract.rs");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub lang: Lang,
    pub version: &'static str,
    /// Counsellor features (off by policy hides them).
    pub counsellor_mode: bool,
    /// The language is fixed by policy: no language switch.
    pub language_locked: bool,
    /// The user chose to keep the language (a saved setting).
    pub language_remembered: bool,
    /// The user's zoom of this window, kept across rebuilt windows.
    pub zoom: f64,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>, zoom: State<'_, main_window::Zoom>) -> AppInfo {
    let counsellor_mode = state.settings().counsellor_mode;
    let setup = state.setup();
    let language = setup.resolved.get("language");
    AppInfo {
        lang: i18n::current(),
        version: env!("CARGO_PKG_VERSION"),
        counsellor_mode,
        language_locked: language.is_some_and(|e| e.locked),
        language_remembered: language.is_some_and(|e| !e.locked && e.level == crate::policy::Level::User),
        zoom: zoom.get(),
    }
}

/// The user zoomed the window: kept (in memory) for the windows after it.
#[tauri::command]
pub fn set_zoom(zoom: State<'_, main_window::Zoom>, value: f64) {
    zoom.set(value);
}

#[tauri::command]
pub fn take_pending_invite(state: State<'_, AppState>) -> Option<String> {
    runtime::take_pending_invite(&state)
}

/// The "ended" screen of a session that ran while the window was released
/// (a meeting in the fallback browser); once.
#[tauri::command]
pub fn take_ended(state: State<'_, AppState>) -> Option<Ended> {
    runtime::take_ended(&state)
}

#[tauri::command]
pub fn consent_view(state: State<'_, AppState>) -> Result<ConsentView> {
    runtime::consent_view(&state)
}

#[tauri::command]
pub fn set_language(state: State<'_, AppState>, lang: String, remember: bool) -> Result<i18n::Lang> {
    runtime::set_language(&state, &lang, remember)
}

#[tauri::command]
pub fn preview_invite(state: State<'_, AppState>, link: String) -> Result<InvitePreview> {
    runtime::preview_invite(&state, &link)
}

#[tauri::command]
pub async fn open_invite(state: State<'_, AppState>, link: String) -> Result<ConsentView> {
    runtime::open_invite(&state, link).await
}

#[tauri::command]
pub async fn give_consent(state: State<'_, AppState>, request: ConsentRequest) -> Result<runtime::ConsentOutcome> {
    runtime::give_consent(&state, request).await
}

/// The client's copy of the consent receipt, saved on their choice; returns where.
#[tauri::command]
pub fn save_consent_receipt(state: State<'_, AppState>, offset_minutes: i32) -> Result<String> {
    runtime::save_receipt(&state, offset_minutes)
}

#[tauri::command]
pub async fn enter_lobby<R: Runtime>(app: AppHandle<R>, camera_off: bool) -> Result<()> {
    runtime::enter_lobby(&app, camera_off).await
}

/// Camera, microphone and speakers, checked before the lobby in the view
/// the meeting would use.
#[tauri::command]
pub async fn start_device_check<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    runtime::start_device_check(&app).await
}

#[tauri::command]
pub async fn stop_device_check<R: Runtime>(app: AppHandle<R>) {
    runtime::end_device_check(&app).await
}

#[tauri::command]
pub fn retry_lobby(state: State<'_, AppState>) {
    runtime::retry_lobby(&state)
}

#[tauri::command]
pub fn cancel_session<R: Runtime>(app: AppHandle<R>) -> Option<Ended> {
    runtime::cancel(&app)
}

#[tauri::command]
pub fn show_meeting<R: Runtime>(app: AppHandle<R>) {
    runtime::show_meeting(&app)
}

#[tauri::command]
pub fn open_external(state: State<'_, AppState>, url: String) -> Result<()> {
    let url = runtime::check_offered(&state, &url)?;
    tauri_plugin_opener::open_url(url.as_str(), None::<&str>).map_err(|_| crate::error::Error::LinkOpenFailed)
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Vec<crate::settings::SettingView> {
    runtime::settings_view(&state)
}

#[tauri::command]
pub fn set_setting<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key: String,
    value: Option<String>,
) -> Result<Vec<crate::settings::SettingView>> {
    let rows = runtime::set_setting(&state, &key, value)?;
    tray::apply_autostart(&app);
    Ok(rows)
}

#[tauri::command]
pub async fn counsellor_status<R: Runtime>(app: AppHandle<R>) -> Result<counsellor_app::CounsellorView> {
    counsellor_app::status(&app).await
}

#[tauri::command]
pub async fn counsellor_setup<R: Runtime>(app: AppHandle<R>, request: counsellor_app::SetupRequest) -> Result<counsellor_app::CounsellorView> {
    let view = counsellor_app::setup(&app, request).await?;
    tray::ensure(&app);
    Ok(view)
}

#[tauri::command]
pub async fn counsellor_consent<R: Runtime>(
    app: AppHandle<R>,
    privacy_digest: String,
    terms_digest: String,
) -> Result<counsellor_app::CounsellorView> {
    counsellor_app::give_consent(&app, privacy_digest, terms_digest).await
}

#[tauri::command]
pub fn counsellor_remove<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    counsellor_app::remove(&app)?;
    tray::remove(&app);
    Ok(())
}

#[tauri::command]
pub async fn counsellor_start<R: Runtime>(app: AppHandle<R>, request: counsellor_app::StartRequest) -> Result<RunningView> {
    let booked = match request.booking.as_deref() {
        Some(id) => Some(bookings_app::find(&app, id)?),
        None => None,
    };
    counsellor_app::start_session(&app, request, booked).await
}

#[tauri::command]
pub async fn counsellor_end<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    counsellor_app::end_session(&app).await
}

#[tauri::command]
pub fn counsellor_copy_invite<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    counsellor_app::copy_invite(&app)
}

/// The invitation of a booking, or of the running session, and the
/// client's name for a calendar entry that asks for it.
async fn invitation_of<R: Runtime>(app: &AppHandle<R>, booking: Option<&str>) -> Result<(Invitation, Option<String>)> {
    match booking {
        Some(id) => bookings_app::invitation(app, id).await.map(|(inv, b)| (inv, Some(b.pseudonym))),
        None => counsellor_app::running_invitation_and_name(app),
    }
}

/// `lang`: the language the counsellor writes this client in (the UI's if
/// absent); `booking`: a booked appointment's invitation, else the running session's.
#[tauri::command]
pub async fn counsellor_mail_invite<R: Runtime>(app: AppHandle<R>, lang: Option<String>, booking: Option<String>) -> Result<()> {
    let (inv, _) = invitation_of(&app, booking.as_deref()).await?;
    counsellor_app::mail_invite(&inv, lang.as_deref())
}

/// Saves the invitation as a calendar file; returns where.
#[tauri::command]
pub async fn counsellor_save_calendar<R: Runtime>(
    app: AppHandle<R>,
    lang: Option<String>,
    with_name: bool,
    booking: Option<String>,
) -> Result<String> {
    let (inv, name) = invitation_of(&app, booking.as_deref()).await?;
    counsellor_app::save_calendar(&inv, name, lang.as_deref(), with_name)
}

/// An invite for a further guest (interpreter, relative) of the running session.
#[tauri::command]
pub fn counsellor_companion_invite<R: Runtime>(app: AppHandle<R>, name: String) -> Result<counsellor_app::CompanionView> {
    counsellor_app::companion_invite(&app, &name)
}

#[tauri::command]
pub fn counsellor_copy_companion_invite<R: Runtime>(app: AppHandle<R>, index: usize) -> Result<()> {
    counsellor_app::copy_companion_invite(&app, index)
}

#[tauri::command]
pub async fn counsellor_book<R: Runtime>(app: AppHandle<R>, request: bookings_app::BookRequest) -> Result<bookings_app::BookingView> {
    bookings_app::book(&app, request).await
}

#[tauri::command]
pub fn counsellor_bookings<R: Runtime>(app: AppHandle<R>) -> Result<Vec<bookings_app::BookingView>> {
    bookings_app::list(&app)
}

#[tauri::command]
pub async fn counsellor_cancel_booking<R: Runtime>(app: AppHandle<R>, booking: String) -> Result<()> {
    bookings_app::cancel(&app, &booking).await
}

/// A booked appointment's invite to the clipboard (the running session's: `counsellor_copy_invite`).
#[tauri::command]
pub async fn counsellor_copy_booking_invite<R: Runtime>(app: AppHandle<R>, booking: String) -> Result<()> {
    bookings_app::copy_invite(&app, &booking).await
}

#[tauri::command]
pub fn session_status(state: State<'_, AppState>) -> Phase {
    state.phase()
}

/// Where the page starts over ([`start_over`]).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Page {
    Start,
    Counsellor,
}

/// After a session: the app's window is rebuilt on `page`, with a new web
/// process, so that what the finished session's page held (its heap, the
/// name and invite it showed) goes with the old one. Refused while a
/// session runs. `false` where the window stays (not Linux): the page then
/// reloads itself.
#[tauri::command]
pub fn start_over<R: Runtime>(window: WebviewWindow<R>, state: State<'_, AppState>, page: Page) -> Result<bool> {
    if !state.is_idle() {
        return Err(SessionError::Busy.into());
    }
    let screen = match page {
        Page::Start => None,
        Page::Counsellor => Some(cli::Screen::Counsellor.name()),
    };
    Ok(main_window::start_over(&window, screen))
}

/// `ui/contract.js`: the same names for the UI, generated from `contract.rs`.
pub fn contract_js() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/contract.rs; do not edit.\n\
         // Regenerate: UPDATE_GENERATED=1 cargo test -p sprechzimmer contract\n\n\
         /** Every app command the window may invoke. */\n\
         export const COMMANDS = Object.freeze([\n",
    );
    for c in ALL {
        out.push_str(&format!("  '{c}',\n"));
    }
    out.push_str("]);\n\n/** Every event the Rust side sends to the window. */\nexport const EVENTS = Object.freeze({\n");
    for (name, value) in events::ALL {
        out.push_str(&format!("  {name}: '{value}',\n"));
    }
    out.push_str("});\n");
    out
}

#[cfg(test)]
mod contract_tests {
    use std::path::Path;

    fn ui() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ui"))
    }

    #[test]
    fn ui_contract_matches_the_rust_side() {
        let path = ui().join("contract.js");
        let want = super::contract_js();
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "ui/contract.js is stale: UPDATE_GENERATED=1 cargo test -p sprechzimmer contract");
    }

    /// The UI names commands and events only through the contract: every
    /// `invoke('…')` is a known command, and no event name is spelled out.
    #[test]
    fn the_ui_uses_only_the_contract() {
        for entry in std::fs::read_dir(ui()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".js") || name == "contract.js" {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for (i, part) in text.split("invoke('").enumerate().skip(1) {
                let cmd = part.split('\'').next().unwrap_or_default();
                assert!(super::ALL.contains(&cmd), "{name}: invoke #{i} names an unknown command {cmd:?}");
            }
            for (_, value) in crate::ipc::events::ALL {
                assert!(!text.contains(&format!("'{value}'")), "{name} spells out {value}: use EVENTS");
            }
            for scheme in ["'app://", "'session://", "'counsellor://"] {
                assert!(!text.contains(scheme), "{name} spells out an event name ({scheme}…): use EVENTS");
            }
        }
    }
}

#[cfg(test)]
mod module_tests {
    /// UI modules share state through functions, never through mutable
    /// exports another module could mistake for a snapshot.
    #[test]
    fn no_ui_module_exports_mutable_state() {
        let ui = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ui"));
        for entry in std::fs::read_dir(ui).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".js") {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                assert!(!text.contains("export let ") && !text.contains("export var "), "{name} exports mutable state");
            }
        }
    }
}
