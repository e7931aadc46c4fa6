//! The app's Tauri context (configuration and the embedded UI), made in one
//! place for both of the app's processes: the app and its meeting view.

pub fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!("tauri.conf.json")
}
