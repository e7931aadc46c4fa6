//! Sprechzimmer: privacy-first video counselling.
//!
//! This crate is the Tauri shell. Window-free logic lives in the core crate
//! (`src-tauri/core`, re-exported here under the same module names); the
//! session engine (`engine`) decides, and `runtime` executes: it emits,
//! spawns, and opens or closes `main_window`, `meeting_window` and
//! `meeting_browser`, whose reports go back into the engine through a sink.
//! `commands` and `tray` are the ways in. No module depends on this root,
//! and none in a cycle (`tests/check-cycles.py`).

pub mod bookings_app;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod context;
pub mod counsellor_app;
pub mod error;
pub mod main_window;
pub mod meeting_browser;
pub mod meeting_host;
pub mod meeting_process;
pub mod meeting_window;
pub mod runtime;
pub mod status_window;
pub mod tray;
pub mod webview2;
pub mod webview_probe;

// The core's modules under their old paths, so `crate::invite` reads the
// same in the shell as in the core.
pub use sprechzimmer_core::{
    agent, browser, cmdline, code_pages, consent, counsellor, device_check, engine, folders, hosts, i18n, invite, invite_page, ipc, lobby, logging,
    navigation, net, network_process, policy, private_file, profile, provider, scrub, session, settings, wipe, APP_ID,
};

use tauri::{AppHandle, Manager, RunEvent, Runtime};

use hosts::UrlRules;
use ipc::EndReason;
use main_window::MAIN_WINDOW;
use runtime::AppState;
use wipe::Paths;

/// What the real app and the mock-runtime tests share: the state and the
/// commands, nothing that needs a desktop session.
pub fn with_commands<R: Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let config_dir = state.setup().user_file.as_ref().and_then(|f| f.parent().map(std::path::Path::to_path_buf));
    let paths = state.paths.clone();
    base.manage(state).manage(paths).manage(counsellor_app::CounsellorState::new(config_dir)).invoke_handler({
        let commands: fn(tauri::ipc::Invoke<R>) -> bool = tauri::generate_handler![
            commands::app_info,
            commands::take_pending_invite,
            commands::take_ended,
            commands::preview_invite,
            commands::consent_view,
            commands::set_language,
            commands::open_invite,
            commands::give_consent,
            commands::save_consent_receipt,
            commands::enter_lobby,
            commands::start_device_check,
            commands::stop_device_check,
            commands::retry_lobby,
            commands::cancel_session,
            commands::show_meeting,
            commands::open_external,
            commands::session_status,
            commands::get_settings,
            commands::set_setting,
            commands::counsellor_status,
            commands::counsellor_setup,
            commands::counsellor_consent,
            commands::counsellor_remove,
            commands::counsellor_start,
            commands::counsellor_end,
            commands::counsellor_mail_invite,
            commands::counsellor_copy_invite,
            commands::counsellor_save_calendar,
            commands::counsellor_companion_invite,
            commands::counsellor_copy_companion_invite,
            commands::counsellor_book,
            commands::counsellor_bookings,
            commands::counsellor_cancel_booking,
            commands::counsellor_copy_booking_invite,
            commands::start_over,
            commands::set_zoom,
        ];
        // Behind the capability (which names the main window): a command
        // answers only the app's own page, whatever URL a window shows.
        move |invoke: tauri::ipc::Invoke<R>| {
            let own_page = invoke.message.webview_ref().url().is_ok_and(|u| main_window::is_app_url(&u));
            if !own_page {
                invoke.resolver.reject("command not allowed from this page");
                return true;
            }
            commands(invoke)
        }
    })
}

/// Entry point of the binary: a subcommand, or the app.
pub fn main_entry() {
    // Settings first: they decide the log level and the language.
    let setup = settings::Setup::load(UrlRules::from_env());
    logging::init(setup.settings.log_level);
    i18n::init(setup.settings.language);
    for p in &setup.resolved.problems {
        // Paths in the user's home name the user: shortened to `~`.
        let origin = match sprechzimmer_core::folders::home().map(|h| h.to_string_lossy().into_owned()) {
            Some(home) if !home.is_empty() && p.origin.starts_with(&home) => format!("~{}", &p.origin[home.len()..]),
            _ => p.origin.clone(),
        };
        log::warn!("setting ignored: {origin}: {} ({})", if p.key.is_empty() { "(file)" } else { &p.key }, p.problem);
    }
    let args: Vec<String> = std::env::args().collect();
    match cli::dispatch(&args, &setup) {
        cli::Outcome::Exit(code) => std::process::exit(code),
        cli::Outcome::MeetingView => std::process::exit(meeting_host::run()),
        cli::Outcome::RunApp(launch) => run(args, setup, launch, None),
        cli::Outcome::RunAppWith(action) => run(args, setup, cli::Launch::default(), Some(action)),
    }
}

fn run(args: Vec<String>, setup: settings::Setup, launch: cli::Launch, action: Option<cli::AppAction>) {
    // The tray alone needs no webview: the agent shows it (agent.rs). Not
    // while the app runs: it has the tray already.
    if launch.tray && counsellor::tray_wanted(&setup) && !app_runs() {
        if let Some(program) = agent::sibling(agent::AGENT) {
            hand_over_to_agent(&program);
        }
    }
    // GTK would panic with a backtrace; one clear line instead.
    #[cfg(all(unix, not(target_os = "macos")))]
    if ["DISPLAY", "WAYLAND_DISPLAY"].iter().all(|k| std::env::var_os(k).is_none_or(|v| v.is_empty())) {
        eprintln!("sprechzimmer: {}", i18n::t(i18n::current(), "cli.no_display"));
        std::process::exit(cli::EXIT_NO_WINDOW);
    }
    #[cfg(windows)]
    if webview2::probe_runtime() == webview2::Runtime::Missing {
        let lang = i18n::current();
        let text = i18n::t(lang, "webview2.missing");
        eprintln!("sprechzimmer: {}", text.replace('\n', " "));
        webview2::tell_runtime_missing(&i18n::t(lang, "webview2.missing_title"), &text);
        std::process::exit(webview2::EXIT_NO_WEBVIEW);
    }
    keep_gpu_caches_off_disk();
    let paths = match Paths::for_current_user() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sprechzimmer: {e}");
            std::process::exit(1);
        }
    };
    let rules = UrlRules::from_env();
    let state = AppState::new(rules, paths.clone()).with_setup(setup);
    let app = with_commands(tauri::Builder::<tauri::Wry>::new(), state)
        // First, so a second start hands its link over and exits before it
        // touches anything.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if argv.get(1..3).is_some_and(|a| a == ["session", "end"]) {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = counsellor_app::end_session(&app).await {
                        log::warn!("session end from the command line: {}", e.code());
                    }
                });
                return;
            }
            match runtime::link_from_args(argv) {
                Some(link) => runtime::receive_link(app, link),
                None => focus_main(app),
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, Some(vec!["--tray"])))
        .setup(move |app| {
            // The first instance for sure (a second one handed over and
            // exited above): one tray at a time, so a running agent leaves
            // before this app builds its own.
            if agent::ask_to_leave(&paths, agent::LEAVE_TIMEOUT) {
                log::info!("took the tray over from the tray agent");
            }
            startup_wipe(app, &paths);
            app.manage(main_window::OnClose::<tauri::Wry>(on_main_close));
            app.manage(main_window::Renewal::<tauri::Wry>::new(on_main_lost));
            app.manage(main_window::Zoom::default());
            app.manage(main_window::Released::<tauri::Wry>::new(|app| {
                // GTK only on the main thread; a second start calls from elsewhere.
                let _ = app.run_on_main_thread(status_window::present);
            }));
            app.manage(status_window::Actions::<tauri::Wry> {
                show: runtime::show_meeting,
                leave: leave_from_status,
                close: on_status_close,
                open_link: open_offered_link,
            });
            tray::ensure(app.handle());
            tray::apply_autostart(app.handle());
            bookings_app::spawn_purge(app.handle());
            app.manage(runtime::BookingOver::<tauri::Wry>(bookings_app::on_session_over));
            // Autostart brings the app up in the tray only, with no webview.
            let tray_only = launch.tray && tray::exists(app.handle());
            if tray_only {
                log::info!("started in the tray, without a window");
            } else {
                main_window::open(app.handle(), launch.screen.map(cli::Screen::name))?;
            }
            if let Some(link) = runtime::link_from_args(args.into_iter().skip(1)) {
                // The first instance, for sure now: the invite leaves the
                // world-readable command line for the rest of the run.
                if !cmdline::forget_arguments() && cfg!(target_os = "linux") {
                    log::warn!("the command line could not be blanked");
                }
                runtime::receive_link(app.handle(), link);
            }
            listen_for_deep_links(app.handle());
            quit_cleanly_on_signals(app.handle());
            if let Some(action) = action.clone() {
                run_action(app.handle().clone(), action);
            }
            Ok(())
        })
        .build(context::context())
        .unwrap_or_else(|e| {
            eprintln!("sprechzimmer: {e}");
            std::process::exit(1);
        });
    app.run(|app, event| {
        // With a tray, the app lives on when its last window closes; and
        // while its window is being rebuilt.
        if let RunEvent::ExitRequested { api, code: None, .. } = &event {
            if tray::exists(app) || main_window::renewing(app) || main_window::released(app) {
                api.prevent_exit();
            }
        }
        if let RunEvent::Exit = event {
            // Quitting mid-session is a session end like any other.
            runtime::end_session(app, EndReason::Quit, None);
        }
    });
}

/// The app window could not be rebuilt after a session: like closing it,
/// without the question (no session runs then).
fn on_main_lost<R: Runtime>(app: &AppHandle<R>) {
    if tray::exists(app) && hand_back_to_agent(app) {
        return;
    }
    if !tray::exists(app) {
        runtime::end_session(app, EndReason::Quit, None);
        app.exit(0);
    }
}

/// Whether an instance of the app runs (it holds the app lock).
fn app_runs() -> bool {
    Paths::for_current_user().ok().and_then(|p| wipe::AppLock::acquire(&p).ok()).is_some_and(|lock| lock.is_none())
}

/// Becomes the tray agent: the same process on Unix (so whoever started
/// `sprechzimmer --tray` keeps its child), a new one on Windows. Returns
/// only when that failed; the app then shows the tray itself.
fn hand_over_to_agent(program: &std::path::Path) {
    let mut cmd = std::process::Command::new(program);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        log::warn!("the tray agent could not be started ({:?})", e.kind());
    }
    #[cfg(not(unix))]
    match cmd.spawn() {
        Ok(_) => std::process::exit(0),
        Err(e) => log::warn!("the tray agent could not be started ({:?})", e.kind()),
    }
}

/// WebKit's GPU process would otherwise fill `~/.cache/mesa_shader_cache`
/// with shaders compiled for the meeting page: a trace, however small.
fn keep_gpu_caches_off_disk() {
    if std::env::var_os("MESA_SHADER_CACHE_DIR").is_none() {
        // Set before any thread or child process exists.
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
        std::env::set_var("MESA_GLSL_CACHE_DISABLE", "true");
    }
}

/// What `sprechzimmer session start` asked for, once the app is up.
fn run_action<R: Runtime>(app: AppHandle<R>, action: cli::AppAction) {
    let cli::AppAction::StartSession { client_name, at, print_invite } = action;
    tauri::async_runtime::spawn(async move {
        let req = counsellor_app::StartRequest { client_name, at, ..Default::default() };
        match counsellor_app::start_session(&app, req, None).await {
            Ok(view) => {
                if print_invite {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{}", view.invite);
                    let _ = out.flush();
                }
                main_window::show(&app, Some("counsellor"));
            }
            Err(e) => {
                eprintln!("{} [{}]", i18n::t(i18n::current(), &format!("error.{}", e.code())), e.code());
                app.exit(2);
            }
        }
    });
}

/// Before any window exists: remove what a crashed session left behind.
fn startup_wipe<R: Runtime>(app: &tauri::App<R>, paths: &Paths) {
    let lock = match wipe::AppLock::acquire(paths) {
        Ok(l) => l,
        Err(e) => {
            log::warn!("app lock unavailable: {e}");
            None
        }
    };
    let report = wipe::sweep(paths, lock.is_some());
    if !report.found.is_empty() {
        log::info!("removed leftovers of {} earlier session folder(s)", report.found.len());
    }
    if !report.failed.is_empty() {
        log::warn!("{} leftover folder(s) could not be removed", report.failed.len());
    }
    if let Some(lock) = lock {
        app.manage(lock);
    }
}

/// The user closed the app window.
fn on_main_close<R: Runtime>(app: &AppHandle<R>, api: &tauri::CloseRequestApi) {
    if tray::exists(app) && hand_back_to_agent(app) {
        return;
    }
    if tray::exists(app) {
        // Counsellors keep the app in the tray: the window goes, with its
        // webview; a running session goes on.
        api.prevent_close();
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
                let _ = w.destroy();
            }
        });
        return;
    }
    // Without a tray the window is the app: closing it ends the session
    // (and wipes) even while the meeting window is open.
    runtime::end_session(app, EndReason::Quit, None);
    app.exit(0);
}

/// "Leave" in the status window: as "leave" on the meeting screen. The end
/// waits for the browser to go, so not on the main thread.
fn leave_from_status<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        runtime::cancel(&app);
    });
}

/// The status window's close button: as closing the app's window. With a
/// tray the meeting goes on and the tray brings the window back; without
/// one, the window was the app.
fn on_status_close<R: Runtime>(app: &AppHandle<R>) {
    if tray::exists(app) {
        status_window::hide();
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        runtime::end_session(&app, EndReason::Quit, None);
        app.exit(0);
    });
}

/// "Open in browser" on a link the meeting offered, shown in the status
/// window: checked as the `open_external` command checks it.
fn open_offered_link<R: Runtime>(app: &AppHandle<R>, url: &str) {
    let opened = runtime::check_offered(&app.state::<AppState>(), url)
        .and_then(|url| tauri_plugin_opener::open_url(url.as_str(), None::<&str>).map_err(|_| error::Error::LinkOpenFailed));
    if let Err(e) = opened {
        log::warn!("an offered link was not opened: {}", e.code());
        // Said where it was asked for, as the app's window says it.
        status_window::notice(&e.message());
    }
}

/// The window closes with no session: the tray agent takes the tray over
/// and this process, with its webview and GTK, ends. `false` while a
/// session runs or where no agent is installed (the app stays in the tray).
fn hand_back_to_agent<R: Runtime>(app: &AppHandle<R>) -> bool {
    let idle = app.state::<AppState>().is_idle();
    let Some(program) = agent::sibling(agent::AGENT).filter(|_| idle) else { return false };
    // Ours goes first; the agent's appears once it is up.
    tray::remove(app);
    match std::process::Command::new(&program).stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).spawn() {
        Ok(_) => {
            log::info!("window closed with no session: the tray agent takes over");
            app.exit(0);
            true
        }
        Err(e) => {
            log::warn!("the tray agent could not be started ({:?})", e.kind());
            tray::ensure(app);
            false
        }
    }
}

/// Logging out or shutting down sends SIGTERM: end the session and wipe
/// now, rather than leaving the data for the next start's sweep.
fn quit_cleanly_on_signals<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) =
                (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::hangup()))
            else {
                log::warn!("signal handlers unavailable");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            runtime::end_session(&app, EndReason::Quit, None);
            app.exit(0);
        });
    }
    #[cfg(not(unix))]
    let _ = app;
}

fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    // Also when the app sits in the tray with its window closed.
    main_window::show(app, None);
}

fn listen_for_deep_links<R: Runtime>(app: &AppHandle<R>) {
    // On Linux and Windows links arrive as arguments (handled above and by
    // the single-instance callback); macOS delivers them as events.
    #[cfg(target_os = "macos")]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let handle = app.clone();
        app.deep_link().on_open_url(move |event| {
            if let Some(url) = event.urls().into_iter().next() {
                runtime::receive_link(&handle, url.to_string());
            }
        });
    }
    #[cfg(not(target_os = "macos"))]
    let _ = app;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundle_identifier_is_the_cores_app_id() {
        let conf: serde_json::Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], crate::APP_ID);
    }

    #[test]
    fn capability_grants_every_command() {
        let conf = include_str!("../../tauri.conf.json");
        for c in crate::commands::ALL {
            assert!(conf.contains(&format!("\"allow-{}\"", c.replace('_', "-"))), "capability misses {c}");
        }
    }
}
