//! The floor for `tests/bench/compare.py`: a bare Tauri window showing one
//! URL, with nothing of the app (no plugins, commands, state or startup
//! sweep). What any Tauri app on this platform costs before it does
//! anything, so the app's own cost can be told apart from Tauri's and
//! WebKit's.
//!
//! Built only for the benchmark (`cargo build --example floor`), never
//! shipped: `floor <url>`.

use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    let Some(url) = std::env::args().nth(1).and_then(|a| a.parse().ok()) else {
        eprintln!("usage: floor <url>");
        std::process::exit(2);
    };
    tauri::Builder::default()
        .setup(move |app| {
            // The app window's size (main_window.rs), so both lay out the same page alike.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url)).title("Floor").inner_size(760.0, 820.0).build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("floor: {e}");
            std::process::exit(1);
        });
}
