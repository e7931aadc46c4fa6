include!("src/contract.rs");

fn main() {
    // Listing the commands puts them under the ACL: without a capability that
    // grants them, a webview cannot call them (the meeting window has none).
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(ALL))).expect("tauri build step");
}
