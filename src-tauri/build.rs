// Listing the commands puts them under the ACL: without a capability that
// grants them, a webview cannot call them (the meeting window has none).
const COMMANDS: &[&str] = &[
    "app_info",
    "take_pending_invite",
    "open_invite",
    "give_consent",
    "enter_lobby",
    "retry_lobby",
    "cancel_session",
    "show_meeting",
    "open_external",
    "session_status",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step");
}
