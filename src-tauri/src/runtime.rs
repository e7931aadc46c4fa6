//! The runtime: executes what the session engine (`engine` in the core)
//! decides. It owns the engine behind one lock, runs the lobby and the
//! meeting watcher as tasks, opens the meeting view with a sink for its
//! reports, and ends every session the same way — close the view, wipe,
//! tell the UI what was removed. No session decision is made here.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::browser;
use crate::consent::ConsentRequest;
use crate::engine::{self, Cancel, Engine, Input, LinkRefusal, Opened, Outcome, Sink, View, Watch};
use crate::error::{Error, Result};
use crate::hosts::UrlRules;
use crate::i18n::{self, Lang};
use crate::invite;
use crate::ipc::{ConsentView, DeviceCheckEvent, EndReason, Ended, InvitePreview, MeetingState, UiEvent, ViewEvent};
use crate::lobby::Probe;
use crate::main_window::{self, MAIN_WINDOW};
use crate::meeting_browser::{self, BrowserMeeting};
use crate::meeting_host::{HostPage, ViewConfig};
use crate::meeting_process;
use crate::net::Http;
use crate::profile;
use crate::session::{MeetingTicket, Phase};
use crate::settings::{BrowserChoice, MeetingView, Settings, Setup};
use crate::status_window;
use crate::webview_probe::{self, Capability};
use crate::wipe::{Paths, Removed, SessionDir};

pub struct AppState {
    pub rules: UrlRules,
    pub http: Http,
    pub paths: Paths,
    /// Every setting with its source (for the settings screen), the typed
    /// values the app runs with, and where the user's own settings go.
    setup: Mutex<Setup>,
    /// What the system webview can do, asked once per run.
    capability: tokio::sync::OnceCell<Capability>,
    engine: Mutex<Engine<BrowserMeeting>>,
    retry: tokio::sync::Notify,
    /// Held while a device check's view starts, so an end sees the check
    /// either not begun or with its view and folder (never half started).
    check_start: Mutex<()>,
    /// Held while a device check closes: the lobby waits for it.
    check_closing: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(rules: UrlRules, paths: Paths) -> AppState {
        let mut engine = Engine::default();
        // Where the window can be rebuilt in place (`main_window::restore`),
        // a client's meeting in the browser runs without it.
        engine.set_release_window(cfg!(target_os = "linux"));
        AppState {
            rules,
            http: Http::new(),
            paths,
            setup: Mutex::new(Setup::defaults()),
            capability: tokio::sync::OnceCell::new(),
            engine: Mutex::new(engine),
            retry: tokio::sync::Notify::new(),
            check_start: Mutex::new(()),
            check_closing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn with_setup(mut self, setup: Setup) -> AppState {
        self.http = Http::with_proxy(setup.settings.proxy.as_ref());
        self.setup = Mutex::new(setup);
        self
    }

    /// The settings in effect now (a change on the settings screen applies
    /// to the next session).
    pub fn settings(&self) -> Settings {
        self.setup.lock().unwrap_or_else(|p| p.into_inner()).settings.clone()
    }

    pub fn setup(&self) -> MutexGuard<'_, Setup> {
        self.setup.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session state. Never held across an await or a window call.
    pub fn engine(&self) -> MutexGuard<'_, Engine<BrowserMeeting>> {
        // A panic elsewhere must not stop the wipe; the data is still consistent.
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn phase(&self) -> Phase {
        self.engine().phase()
    }

    /// No session, no meeting, no counsellor session: the tray agent may
    /// take over.
    pub fn is_idle(&self) -> bool {
        let e = self.engine();
        e.is_idle() && e.running().is_none()
    }
}

pub(crate) fn emit<R: Runtime>(app: &AppHandle<R>, event: UiEvent) {
    let _ = app.emit_to(MAIN_WINDOW, event.name(), event);
}

// ---- invite intake ----

/// A link arrived (command line, deep link, second instance). The UI picks
/// it up with `take_pending_invite`, the same way it handles a pasted link.
pub fn receive_link<R: Runtime>(app: &AppHandle<R>, link: String) {
    let received = app.state::<AppState>().engine().receive_link(link);
    if let Err(e) = received {
        // The window is released for a meeting: its status window says it,
        // or will once it is up. (Had the shell failed to destroy the
        // window, the status window stands beside it and says it there.)
        log::info!("a link arrived while the meeting runs without the app's window: refused");
        let message = Error::from(e).message();
        let _ = app.run_on_main_thread(move || {
            status_window::notice(&message);
            status_window::present();
        });
        return;
    }
    emit(app, UiEvent::Invite);
    // In the tray with no window: a new one picks the link up at start.
    main_window::show(app, None);
}

pub fn take_pending_invite(state: &AppState) -> Option<String> {
    state.engine().take_pending_invite().map(|link| link.to_string())
}

/// Picks the first link-looking argument, so `sprechzimmer <link>` works
/// for invites and plain room links alike.
pub fn link_from_args<I: IntoIterator<Item = String>>(args: I) -> Option<String> {
    let starts = |a: &str, p: &str| a.len() >= p.len() && a[..p.len()].eq_ignore_ascii_case(p);
    args.into_iter().find(|a| starts(a, "sprechzimmer:") || starts(a, "https://") || starts(a, "http://"))
}

/// The checks every link passes before anything is contacted: the app is
/// free, the link is an invite, and this computer's policy admits it.
fn checked_invite(state: &AppState, link: &str) -> Result<invite::Invite> {
    state.engine().ensure_free()?;
    let now = time::OffsetDateTime::now_utc();
    let settings = state.settings();
    let invite = invite::parse_any(link, state.rules, now, settings.profile_url.as_ref())?;
    settings.admits(&invite)?;
    Ok(invite)
}

pub fn preview_invite(state: &AppState, link: &str) -> Result<InvitePreview> {
    let invite = checked_invite(state, link)?;
    log::info!("a link arrived; shown before anything is contacted");
    Ok(InvitePreview::of(&invite, &state.settings()))
}

/// Parses the link, fetches the organisation's profile and checks that the
/// organisation stands behind the meeting. Nothing is stored on disk.
pub async fn open_invite(state: &AppState, link: String) -> Result<ConsentView> {
    let invite = checked_invite(state, &link)?;
    let profile = profile::fetch(&state.http, &invite.profile_url, state.rules).await?;
    profile.check_meeting(&invite.meeting)?;
    Ok(state.engine().open(invite, profile, i18n::current())?)
}

/// The open session's consent screen again, after a language switch.
pub fn consent_view(state: &AppState) -> Result<ConsentView> {
    Ok(state.engine().consent_view(i18n::current())?)
}

/// The language switch: this run at once, and remembered in the user's
/// settings only when asked. A language fixed by policy stays.
pub fn set_language(state: &AppState, code: &str, remember: bool) -> Result<Lang> {
    let lang = Lang::from_code(code).ok_or(crate::settings::SettingsError::Invalid)?;
    let (locked, saved) = {
        let setup = state.setup();
        let entry = setup.resolved.get("language");
        (entry.is_some_and(|e| e.locked), entry.is_some_and(|e| e.level == crate::policy::Level::User))
    };
    if locked {
        return Err(crate::settings::SettingsError::Locked.into());
    }
    if remember {
        set_setting(state, "language", Some(code.to_string()))?;
    } else if saved {
        // "Remember" switched off: the choice is forgotten.
        set_setting(state, "language", None)?;
    }
    i18n::set(lang);
    Ok(lang)
}

/// The settings screen's rows.
pub fn settings_view(state: &AppState) -> Vec<crate::settings::SettingView> {
    crate::settings::view(&state.setup().resolved, i18n::current())
}

/// Saves one of the user's settings, then reads every source again so the
/// next session runs with it. Policy wins over the file, as at start.
pub fn set_setting(state: &AppState, key: &str, value: Option<String>) -> Result<Vec<crate::settings::SettingView>> {
    let file = state.setup().user_file.clone().ok_or(crate::settings::SettingsError::NoConfigDir)?;
    let resolved = state.setup().resolved.clone();
    crate::settings::save_user(&file, &resolved, key, value.as_deref().filter(|v| !v.is_empty()), state.rules)?;
    let fresh = Setup::load(state.rules);
    log::set_max_level(fresh.settings.log_level);
    *state.setup() = fresh;
    Ok(settings_view(state))
}

/// What became of the organisation's copy of the consent receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReceiptState {
    /// The profile asks for none.
    NotAsked,
    Delivered,
    /// Not delivered, and not required: the client is told, and goes on.
    Failed,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentOutcome {
    pub receipt: ReceiptState,
}

/// The consent gate, then the receipt for the organisation: delivered
/// before the lobby, so a required receipt can still hold the client back.
pub async fn give_consent(state: &AppState, req: ConsentRequest) -> Result<ConsentOutcome> {
    let now = time::OffsetDateTime::now_utc();
    let delivery = state.engine().give_consent(&req, now, i18n::current())?;
    let Some(d) = delivery else { return Ok(ConsentOutcome { receipt: ReceiptState::NotAsked }) };
    let delivered = match state.http.post_json(&d.url, d.json.clone()).await {
        Ok(status) if (200..300).contains(&status) => true,
        Ok(status) => {
            log::warn!("consent receipt not accepted: HTTP {status}");
            false
        }
        Err(e) => {
            log::warn!("consent receipt not delivered: {}", e.code());
            false
        }
    };
    state.engine().receipt_delivered(&d, delivered);
    match (delivered, d.required) {
        (true, _) => {
            log::info!("consent receipt delivered");
            Ok(ConsentOutcome { receipt: ReceiptState::Delivered })
        }
        (false, true) => Err(Error::ReceiptRequired),
        (false, false) => Ok(ConsentOutcome { receipt: ReceiptState::Failed }),
    }
}

/// Saves the client's copy of the receipt in their download folder, on
/// their explicit choice; `offset_minutes` is their clock's, from the UI.
pub fn save_receipt(state: &AppState, offset_minutes: i32) -> Result<String> {
    let offset = time::UtcOffset::from_whole_seconds(offset_minutes.clamp(-18 * 60, 18 * 60) * 60).unwrap_or(time::UtcOffset::UTC);
    let (page, stem) = state.engine().receipt_page(i18n::current(), offset).ok_or(crate::session::SessionError::NoSession)?;
    let dir = crate::folders::downloads().ok_or(Error::ReceiptSaveFailed)?;
    let path = crate::folders::write_new(&dir, &stem, "html", page.as_bytes()).map_err(|_| Error::ReceiptSaveFailed)?;
    log::info!("consent receipt saved in the download folder, on the client's choice");
    Ok(path.display().to_string())
}

// ---- lobby ----

/// Where the meeting will open. Decided before the lobby, so nobody waits
/// for a meeting this computer cannot show.
pub async fn decide_view<R: Runtime>(app: &AppHandle<R>) -> Result<View> {
    let state = app.state::<AppState>();
    let settings = &state.settings();
    let needs_browser = match settings.meeting_view {
        MeetingView::Embedded => false,
        MeetingView::Browser => true,
        MeetingView::Auto => {
            let cap = *state.capability.get_or_init(|| webview_probe::run(app, &state.paths)).await;
            !cap.can_carry_meetings()
        }
    };
    if !needs_browser {
        return Ok(View::Embedded);
    }
    match browser::find(&settings.browser, std::env::var_os("PATH").as_deref()) {
        Some(found) => {
            log::info!("meetings open in {} (no WebRTC in the webview, or set so)", found.display_name());
            Ok(View::Browser(found))
        }
        None if settings.browser == BrowserChoice::Auto => Err(Error::NoBrowser),
        None => Err(Error::ChosenBrowserMissing),
    }
}

/// `camera_off`: the client's choice before the lobby, passed on to the
/// meeting (BigBlueButton's join, Jitsi's `startWithVideoMuted`).
pub async fn enter_lobby<R: Runtime>(app: &AppHandle<R>, camera_off: bool) -> Result<()> {
    let state = app.state::<AppState>();
    // The cheap checks first: consent and step, before any probe runs.
    state.engine().can_enter_lobby()?;
    let view = decide_view(app).await?;
    // The check's view and folder go before the lobby.
    end_device_check(app).await;
    let policy_hosts = state.settings().allowed_hosts;
    let (meeting, generation) = state.engine().enter_lobby(view, policy_hosts, rand::random(), camera_off)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move { run_lobby(app, meeting, generation).await });
    Ok(())
}

// ---- device check ----

/// Opens the device check in the view the meeting would use, with a
/// session folder of its own.
pub async fn start_device_check<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    let state = app.state::<AppState>();
    state.engine().can_enter_lobby()?;
    let view = decide_view(app).await?;
    open_check(app, view)?;
    emit(app, UiEvent::DeviceCheck(DeviceCheckEvent { state: "open", found: None }));
    Ok(())
}

/// Registers and starts the check, all under `check_start`.
fn open_check<R: Runtime>(app: &AppHandle<R>, view: View) -> Result<()> {
    let state = app.state::<AppState>();
    let _starting = state.check_start.lock().unwrap_or_else(|p| p.into_inner());
    let engine::CheckLaunch { view, entry, id, nonce } = state.engine().begin_check(view, host_nonce())?;
    let dir = match SessionDir::create(&state.paths) {
        Ok(d) => d,
        Err(e) => {
            state.engine().abandon_check(id);
            return Err(Error::Wipe(e.into()));
        }
    };
    let lang = i18n::current();
    let (html, csp) = crate::device_check::page(lang);
    let sink = check_sink(app, id);
    let mut view_id = None;
    let started = match &view {
        View::Embedded => {
            let host_page = Some(HostPage { path: crate::device_check::PATH.into(), nonce, html, csp });
            let title = i18n::t(lang, "check.title");
            let config =
                ViewConfig { entry, allowed_hosts: Vec::new(), proxy: None, data_dir: dir.webview_dir(), title, host_page, device_check: true };
            match meeting_process::open(&config, sink) {
                Ok(id) => {
                    view_id = Some(id);
                    Ok(None)
                }
                Err(e) => {
                    log::warn!("the device check's view could not be started: {e}");
                    Err(Error::MeetingViewFailed)
                }
            }
        }
        View::Browser(found) => {
            let page = crate::browser::cdp::LocalPage { url: entry, html, csp };
            meeting_browser::open_page(found.clone(), page, &dir, lang.base(), sink).map(Some).map_err(|e| {
                log::warn!("{} could not be started for the device check: {e}", found.display_name());
                Error::BrowserStartFailed
            })
        }
    };
    let browser = match started {
        Ok(b) => b,
        Err(e) => {
            state.engine().abandon_check(id);
            let _ = dir.wipe();
            return Err(e);
        }
    };
    let stale = state.engine().check_opened(id, dir, browser);
    if let Some(stale) = stale {
        // Ended while it started (`check_start` makes this unlikely): its
        // view exits before its folder goes.
        if let Some(v) = view_id {
            meeting_process::close(v);
        }
        close_check(stale);
        return Err(crate::session::SessionError::NoSession.into());
    }
    Ok(())
}

/// Where check `id`'s view reports.
fn check_sink<R: Runtime>(app: &AppHandle<R>, id: u64) -> Sink {
    let app = app.clone();
    Arc::new(move |input: Input| {
        let outcome = app.state::<AppState>().engine().on_check_input(id, input);
        match outcome {
            engine::CheckOutcome::Nothing => {}
            engine::CheckOutcome::Found(found) => emit(&app, UiEvent::DeviceCheck(DeviceCheckEvent { state: "found", found: Some(found) })),
            // Not inside the view's own callback.
            engine::CheckOutcome::Close => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { end_device_check(&app).await });
            }
        }
    })
}

/// Closes the device check, if one is open, and wipes its folder. A close
/// already under way is waited for.
pub async fn end_device_check<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let _closing = state.check_closing.lock().await;
    let check = {
        let _starting = state.check_start.lock().unwrap_or_else(|p| p.into_inner());
        state.engine().end_check()
    };
    let Some(check) = check else { return };
    // Closing waits for the view's processes: not on the async runtime.
    let _ = tauri::async_runtime::spawn_blocking(move || close_check(check)).await;
    emit(app, UiEvent::DeviceCheck(DeviceCheckEvent { state: "closed", found: None }));
}

/// Closes a check's view and wipes its folder; what was removed.
fn close_check(check: engine::ClosedCheck<BrowserMeeting>) -> Option<Removed> {
    if check.embedded {
        meeting_process::close_and_clear();
    }
    if let Some(b) = check.browser {
        b.close();
    }
    // No folder yet: nothing to wipe.
    let Some(dir) = check.dir else { return Some(Removed::default()) };
    match dir.wipe() {
        Ok(r) => Some(r),
        Err(_) => {
            log::warn!("the device check's folder is left for the sweep at the next start");
            None
        }
    }
}

pub fn retry_lobby(state: &AppState) {
    // Wakes a waiting lobby only; a press with nobody waiting is not kept
    // for a later lobby.
    state.retry.notify_waiters();
}

fn host_nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

async fn run_lobby<R: Runtime>(app: AppHandle<R>, meeting: crate::provider::Meeting, generation: u64) {
    let state = app.state::<AppState>();
    let first = state.engine().lobby_checking();
    if let Some(ev) = first {
        emit(&app, UiEvent::Lobby(ev));
    }
    loop {
        let held = state.engine().lobby_holds(time::OffsetDateTime::now_utc());
        let probe = if held {
            Probe::NotRunning
        } else {
            match meeting.is_running(&state.http).await {
                Ok(true) => Probe::Running,
                Ok(false) => Probe::NotRunning,
                Err(e) => Probe::Failed(e),
            }
        };
        let step = state.engine().on_probe(generation, probe, host_nonce());
        match step {
            engine::LobbyStep::Stale => return,
            engine::LobbyStep::Wait(ev, delay) => {
                emit(&app, UiEvent::Lobby(ev));
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = state.retry.notified() => state.engine().lobby_retry(generation),
                }
                if !state.engine().is_current(generation) {
                    return;
                }
            }
            engine::LobbyStep::Open(ev, launch) => {
                emit(&app, UiEvent::Lobby(ev));
                if let Err(e) = launch_meeting(&app, *launch) {
                    end_session(&app, EndReason::Failed, Some(e.code()));
                }
                return;
            }
            engine::LobbyStep::Fail(ev, code) => {
                emit(&app, UiEvent::Lobby(ev));
                end_session(&app, EndReason::Failed, Some(code));
                return;
            }
        }
    }
}

// ---- meeting ----

/// The counsellor's own view of a session they started: the same isolated
/// meeting window (or fallback browser), the same wipe at the end.
pub fn open_moderator_meeting<R: Runtime>(app: &AppHandle<R>, ticket: MeetingTicket, view: View) -> Result<()> {
    let state = app.state::<AppState>();
    let policy_hosts = state.settings().allowed_hosts;
    let launch = state.engine().begin_moderator(ticket, view, policy_hosts.as_deref(), host_nonce())?;
    launch_meeting(app, launch)
}

/// Where the meeting view of `generation`'s session reports: into the
/// engine, and on to what it decides. A view of an ended session (still
/// closing) is not heard any more.
fn sink<R: Runtime>(app: &AppHandle<R>, generation: u64) -> Sink {
    let app = app.clone();
    Arc::new(move |input: Input| {
        if app.state::<AppState>().engine().is_current(generation) {
            feed(&app, input);
        }
    })
}

fn feed<R: Runtime>(app: &AppHandle<R>, input: Input) {
    if let Input::Signal(s) = &input {
        log::debug!("meeting signal {s:?}");
    }
    let state = app.state::<AppState>();
    let (outcome, meeting) = {
        let mut e = state.engine();
        let outcome = e.on_input(input);
        let meeting = if outcome == Outcome::ExplainJoinFailure { e.meeting().cloned() } else { None };
        (outcome, meeting)
    };
    match outcome {
        Outcome::Nothing => {}
        Outcome::Show { state, reveal } => {
            if reveal {
                meeting_process::reveal();
            }
            emit(app, UiEvent::Meeting(state));
        }
        Outcome::Reveal => meeting_process::reveal(),
        Outcome::Offer(offer) if state.engine().window_released() => {
            let _ = app.run_on_main_thread(move || status_window::offer(&offer));
        }
        Outcome::Offer(offer) => emit(app, UiEvent::ExternalLink(offer)),
        Outcome::ReleaseWindow { reveal } => {
            if reveal {
                meeting_process::reveal();
            }
            // Should the window stay after all, its page is not left knocking.
            emit(app, UiEvent::Meeting(MeetingState::Open));
            // Not in the call: the engine's guard would live through it.
            let generation = state.engine().generation();
            release_window(app, generation);
        }
        Outcome::End(reason, code) => spawn_end(app.clone(), reason, code),
        Outcome::ExplainJoinFailure => {
            let Some(meeting) = meeting else { return };
            let (app, http) = (app.clone(), state.http.clone());
            tauri::async_runtime::spawn(async move {
                let err = meeting.explain_join_failure(&http).await;
                if let Outcome::End(reason, code) = engine::failure_end(err) {
                    end_session(&app, reason, code);
                }
            });
        }
        Outcome::NotifyClientWaiting => notify_client_waiting(app),
    }
}

fn launch_meeting<R: Runtime>(app: &AppHandle<R>, launch: engine::Launch) -> Result<()> {
    let state = app.state::<AppState>();
    let engine::Launch { ticket, view, entry, generation } = launch;
    let lang = i18n::current().base();
    let proxy = state.settings().proxy;
    let dir = match SessionDir::create(&state.paths) {
        Ok(d) => d,
        Err(e) => {
            state.engine().abandon(generation);
            return Err(Error::Wipe(e.into()));
        }
    };
    // A meeting that could not open leaves nothing registered behind it,
    // or the next start would find the app busy.
    let abandon = |dir: SessionDir, err: Error| {
        state.engine().abandon(generation);
        let _ = dir.wipe();
        Err(err)
    };
    let mut view_id = None;
    let browser = match &view {
        View::Embedded => {
            emit(app, UiEvent::MeetingView(ViewEvent { view: "embedded", browser: None }));
            let host_page = host_page(&state, &entry);
            let title = i18n::t(i18n::current(), "meeting.window_title");
            let config = ViewConfig {
                entry,
                allowed_hosts: ticket.allowed_hosts.clone(),
                proxy,
                data_dir: dir.webview_dir(),
                title,
                host_page,
                device_check: false,
            };
            match meeting_process::open(&config, sink(app, generation)) {
                Ok(id) => view_id = Some(id),
                Err(e) => {
                    log::warn!("the meeting view could not be started: {e}");
                    return abandon(dir, Error::MeetingViewFailed);
                }
            }
            None
        }
        View::Browser(found) => {
            emit(app, UiEvent::MeetingView(ViewEvent { view: "browser", browser: Some(found.display_name()) }));
            match meeting_browser::open(found.clone(), &ticket, &dir, entry, state.rules, lang, proxy, sink(app, generation)) {
                Ok(b) => Some(b),
                Err(e) => {
                    log::warn!("{} could not be started: {e}", found.display_name());
                    return abandon(dir, Error::BrowserStartFailed);
                }
            }
        }
    };
    let opened = state.engine().opened(generation, dir, browser);
    match opened {
        Opened::Running { watch } => {
            emit(app, UiEvent::Meeting(MeetingState::Opening));
            if let Some(meeting) = watch {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { watch_meeting(app, *meeting, generation).await });
            }
        }
        // Ended while starting: nothing may outlive the session.
        Opened::Stale { dir, browser } => {
            if let Some(id) = view_id {
                meeting_process::close(id);
            }
            if let Some(b) = browser {
                b.close();
            }
            let _ = dir.wipe();
        }
    }
    Ok(())
}

/// The client is in the meeting: the app's window goes, and the status
/// window stands in for it until the session ends.
fn release_window<R: Runtime>(app: &AppHandle<R>, generation: u64) {
    let lang = i18n::current();
    // Where the session is: the browser's window, or the meeting window.
    let place = match app.state::<AppState>().engine().browser() {
        Some(b) => i18n::tf(lang, "meeting.browser", &[("browser", b.browser.display_name())]),
        None => i18n::tf(lang, "status.embedded", &[("window", &i18n::t(lang, "meeting.window_title"))]),
    };
    let app2 = app.clone();
    // Windows are made and destroyed on the main thread, in this order.
    let _ = app.run_on_main_thread(move || {
        // The session may have ended meanwhile: its end restored the window.
        if !still_released(&app2, generation) {
            return;
        }
        // The status window takes the app window's corner, not the middle
        // of the screen, where the meeting is.
        let at = app2.get_webview_window(MAIN_WINDOW).and_then(|w| {
            let (p, scale) = (w.outer_position().ok()?, w.scale_factor().ok()?);
            Some(((f64::from(p.x) / scale) as i32, (f64::from(p.y) / scale) as i32))
        });
        if main_window::release(&app2) {
            log::info!("the client is in the meeting: the app's window is released");
            end_idle_network_process(&app2, generation);
        }
        // Also if there was no window to release (closed to the tray): the
        // way out of the meeting must stay.
        status_window::open(&app2, &place, at);
    });
}

/// The session of `generation` still runs with the app's window released.
fn still_released<R: Runtime>(app: &AppHandle<R>, generation: u64) -> bool {
    let state = app.state::<AppState>();
    let e = state.engine();
    e.is_current(generation) && e.window_released()
}

/// Once the released window's web process has gone: ends the network
/// process its web context keeps (`network_process`), and hands the
/// memory the window's side of the app no longer uses back to the system
/// (`code_pages`, the allocator's free pages). Polled off the main thread;
/// decided and done on it, where windows are built, so a window rebuilt
/// meanwhile keeps its network process.
///
/// `SPRECHZIMMER_KEEP_NETWORK_PROCESS` (any value) keeps the network
/// process: WebKit ends a WebDriver session along with it, so the e2e suite
/// sets it everywhere but in the test of this.
fn end_idle_network_process<R: Runtime>(app: &AppHandle<R>, generation: u64) {
    #[cfg(target_os = "linux")]
    {
        use crate::network_process;
        let keep = std::env::var_os("SPRECHZIMMER_KEEP_NETWORK_PROCESS").is_some();
        let me = std::process::id();
        let table = move || network_process::table(me).unwrap_or_default();
        let app = app.clone();
        let _ = std::thread::Builder::new().name("network-process".into()).spawn(move || {
            // The web process ends within a second or so of its window.
            for _ in 0..200 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                if !still_released(&app, generation) {
                    return;
                }
                if !network_process::pages_gone(me, &table()) {
                    continue;
                }
                let app2 = app.clone();
                let (done_tx, done_rx) = std::sync::mpsc::channel();
                let _ = app.run_on_main_thread(move || {
                    // Another webview for a moment (the webview probe's) would
                    // still need the process: the thread asks again later.
                    if !still_released(&app2, generation) {
                        // The session ended meanwhile: its window is back.
                        return;
                    }
                    if !main_window::released(&app2) || !app2.webview_windows().is_empty() {
                        let _ = done_tx.send(false);
                        return;
                    }
                    if keep {
                        log::debug!("the released window's network process is kept (SPRECHZIMMER_KEEP_NETWORK_PROCESS)");
                    } else {
                        // Read again right before the signal: a child of ours
                        // that GLib reaped meanwhile is not in the table any more.
                        for pid in network_process::idle(me, &table()) {
                            // SAFETY: kill has no memory effects.
                            if unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } == 0 {
                                log::info!("the released window's network process is ended");
                            }
                        }
                    }
                    release_memory();
                    let _ = done_tx.send(true);
                });
                match done_rx.recv() {
                    Ok(true) => {
                        second_release(&app, generation);
                        return;
                    }
                    Ok(false) => {}
                    // The session ended meanwhile, or the app is ending.
                    Err(_) => return,
                }
            }
            log::debug!("the released window's memory was not handed back: no moment without a page");
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (app, generation);
}

/// A minute after the first: JavaScriptCore's collector still runs once
/// on the window's side after the window has gone, and the meeting's
/// watchers run their first rounds; what that touched goes back too. Code
/// the meeting keeps running stays mapped.
#[cfg(target_os = "linux")]
fn second_release<R: Runtime>(app: &AppHandle<R>, generation: u64) {
    for _ in 0..60 {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if !still_released(app, generation) {
            return;
        }
    }
    let app2 = app.clone();
    let _ = app.run_on_main_thread(move || {
        if still_released(&app2, generation) && app2.webview_windows().is_empty() {
            release_memory();
        }
    });
}

/// What the window's side of the app held goes back to the system for the
/// meeting: the allocator's free pages, and the library code only the
/// window ran (WebKit, JavaScriptCore, Mesa), which the window built after
/// the meeting maps again from the page cache.
#[cfg(target_os = "linux")]
fn release_memory() {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim only releases free memory.
        unsafe {
            libc::malloc_trim(0);
        }
        match crate::code_pages::release() {
            Ok(kb) => log::info!("the released window's library pages are handed back: {} MB", kb / 1024),
            Err(e) => log::warn!("the released window's library pages stay: {e}"),
        }
    }
}

/// After a session whose window was released: the status window goes and
/// the app's window comes back, on the "ended" screen.
fn restore_window<R: Runtime>(app: &AppHandle<R>, ended: Ended, rebuild: bool) {
    let state = app.state::<AppState>();
    if rebuild {
        state.engine().keep_ended(ended);
    }
    let app2 = app.clone();
    let _ = app.run_on_main_thread(move || {
        status_window::close();
        if !rebuild {
            return;
        }
        if app2.get_webview_window(MAIN_WINDOW).is_some() && !main_window::released(&app2) {
            // The window stayed (it could not be released): its page had the event.
            app2.state::<AppState>().engine().take_ended();
            return;
        }
        main_window::restore(&app2);
    });
}

/// The "ended" screen of a session whose window was released, for the page
/// of the window built after it.
pub fn take_ended(state: &AppState) -> Option<Ended> {
    state.engine().take_ended()
}

/// Brings the meeting to the front, wherever it runs.
pub fn show_meeting<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let e = state.engine();
    match e.browser() {
        Some(b) => b.bring_to_front(),
        None => {
            drop(e);
            meeting_process::focus();
        }
    }
}

/// The Jitsi host page for the meeting view, made now: the view's process
/// serves it under its nonce and nothing else.
fn host_page(state: &AppState, entry: &url::Url) -> Option<HostPage> {
    let nonce = entry.query_pairs().find(|(k, _)| k == "n").map(|(_, v)| v.into_owned())?;
    let (html, csp) = state.engine().host_page(true, entry.as_str(), i18n::current().base(), &host_nonce())?;
    Some(HostPage { path: "/jitsi".into(), nonce, html, csp })
}

/// Asks now and then whether the meeting still runs, so the end is noticed
/// even when the meeting page itself does not navigate anywhere.
async fn watch_meeting<R: Runtime>(app: AppHandle<R>, meeting: crate::provider::Meeting, generation: u64) {
    let state = app.state::<AppState>();
    loop {
        tokio::time::sleep(engine::watch_interval(rand::random())).await;
        if !state.engine().is_current(generation) {
            return;
        }
        let result = meeting.is_running(&state.http).await;
        let watch = state.engine().on_watch(generation, result);
        match watch {
            Watch::Stale => return,
            Watch::Continue => {}
            Watch::End(reason) => {
                end_session(&app, reason, None);
                return;
            }
        }
    }
}

/// A client knocks while the counsellor looks elsewhere.
fn notify_client_waiting<R: Runtime>(app: &AppHandle<R>) {
    if meeting_process::is_focused() {
        log::info!("a client is waiting; the meeting window is in front");
        return;
    }
    log::info!("a client is waiting; notifying");
    use tauri_plugin_notification::NotificationExt;
    let lang = i18n::current();
    let _ = app.notification().builder().title(i18n::t(lang, "counsellor.notify.title")).body(i18n::t(lang, "counsellor.notify.body")).show();
}

// ---- ending ----

fn spawn_end<R: Runtime>(app: AppHandle<R>, reason: EndReason, code: Option<&'static str>) {
    // Never close a window from inside one of its own callbacks.
    tauri::async_runtime::spawn(async move { end_session(&app, reason, code) });
}

/// Ends whatever runs — consent, lobby, meeting, the counsellor's session —
/// and wipes. Safe to call twice; the second call finds nothing to do.
pub fn end_session<R: Runtime>(app: &AppHandle<R>, reason: EndReason, code: Option<&'static str>) -> Option<Ended> {
    let state = app.state::<AppState>();
    let started = Instant::now();
    let mut teardown = {
        // A check being started is seen whole, view and folder.
        let _starting = state.check_start.lock().unwrap_or_else(|p| p.into_inner());
        state.engine().end(reason, code)?
    };
    let mut removed = Removed::default();
    let mut browsing_data_cleared = true;
    let mut wipe_complete = true;
    let mut removal = None;
    if let Some(check) = teardown.check.take() {
        match close_check(check) {
            Some(r) => removed.add(r),
            None => wipe_complete = false,
        }
    }
    if let Some(m) = teardown.meeting.take() {
        browsing_data_cleared = meeting_process::close_and_clear();
        if let Some(b) = m.browser {
            // Returns once the browser's process tree is gone.
            b.close();
        }
        if let Some(dir) = m.dir {
            let wiping = Instant::now();
            match dir.wipe() {
                Ok(r) => removed.add(r),
                // Left for the sweep at the next start; say so.
                Err(_) => wipe_complete = false,
            }
            removal = Some(wiping.elapsed());
        }
    }
    // Sizes and times only (tests/bench/compare.py reads this line).
    if let Some(removal) = removal {
        log::info!(
            "session torn down in {} ms; its folder removed in {:.1} ms: {} files, {} bytes",
            started.elapsed().as_millis(),
            removal.as_secs_f64() * 1000.0,
            removed.files,
            removed.bytes
        );
    }
    if let Some(running) = teardown.running.take() {
        forget_invite(app, &running.invite);
        for c in &running.companions {
            forget_invite(app, c);
        }
        // A booked session that ran is over: its booking goes now. One that
        // failed to start stays, to be started again.
        if let Some(id) = running.booking.as_deref().filter(|_| reason != EndReason::Failed) {
            if let Some(hook) = app.try_state::<BookingOver<R>>() {
                (hook.0)(app, id);
            }
        }
        emit(app, UiEvent::Running(None));
    }
    if !teardown.had_session {
        return None;
    }
    let ended = teardown.ended(removed, browsing_data_cleared, wipe_complete, i18n::current());
    log::info!("session ended: {:?} ({})", reason, code.unwrap_or("-"));
    if teardown.window_released {
        // Quitting needs no window, only the status window gone.
        restore_window(app, ended.clone(), reason != EndReason::Quit);
    }
    emit(app, UiEvent::Ended(ended.clone()));
    Some(ended)
}

/// A copied invite (with the client's name in it) must not outlive the
/// session on the clipboard either.
/// What happens to the booking of a counsellor's session that is over
/// (`bookings_app::on_session_over`, registered in lib.rs): the runtime
/// itself knows no bookings.
pub struct BookingOver<R: Runtime>(pub fn(&AppHandle<R>, &str));

fn forget_invite<R: Runtime>(app: &AppHandle<R>, invite: &str) {
    if let Some(clip) = app.try_state::<tauri_plugin_clipboard_manager::Clipboard<R>>() {
        if clip.read_text().is_ok_and(|t| t == invite) {
            let _ = clip.clear();
        }
    }
}

/// The user pressed cancel or leave: what that means depends on the step.
/// Before the lobby nothing ran and nothing touched the disk, so the invite
/// is just forgotten, without an "ended" screen.
pub fn cancel<R: Runtime>(app: &AppHandle<R>) -> Option<Ended> {
    let cancel = app.state::<AppState>().engine().cancel();
    match cancel {
        Cancel::Forgotten => None,
        Cancel::End(reason) => end_session(app, reason, None),
    }
}

/// Only links the app itself showed may be opened in the system browser.
pub fn check_offered(state: &AppState, raw: &str) -> Result<url::Url> {
    state.engine().check_offered(raw, state.rules).map_err(|r| match r {
        LinkRefusal::Bad(p) => Error::Link(p),
        LinkRefusal::NotOffered => Error::LinkNotOffered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn a_preview_names_what_would_be_contacted_and_contacts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(UrlRules::default(), Paths { root: dir.path().to_path_buf() });
        let profile = Url::parse("https://beratung.example.org/p.json").unwrap();
        // Nothing listens there: a preview that fetched would fail.
        let link = crate::invite::build_jitsi_link(&profile, &Url::parse("https://meet.example.org:8443/Raum-1").unwrap(), None, None);
        let p = preview_invite(&state, &link).unwrap();
        assert_eq!(
            p,
            InvitePreview {
                profile_host: "beratung.example.org".into(),
                meeting_host: "meet.example.org:8443".into(),
                provider: crate::provider::ProviderKind::Jitsi,
                preapproved: false,
            }
        );
        assert_eq!(preview_invite(&state, "sprechzimmer://join?").unwrap_err().code(), "invite.malformed");
        // The organisation this computer is set up for: nothing to confirm.
        let invite = crate::invite::parse_any(&link, UrlRules::default(), time::OffsetDateTime::now_utc(), None).unwrap();
        let mut settings = Settings { profile_url: Some(profile), profile_locked: true, ..Settings::default() };
        assert!(InvitePreview::of(&invite, &settings).preapproved);
        settings.profile_locked = false;
        assert!(!InvitePreview::of(&invite, &settings).preapproved, "a user's own setting is no administrator's word");
        settings.profile_url = Some(Url::parse("https://other.example.org/p.json").unwrap());
        settings.profile_locked = true;
        assert!(!InvitePreview::of(&invite, &settings).preapproved);
    }

    #[test]
    fn links_from_arguments() {
        let args = |v: &[&str]| link_from_args(v.iter().map(|s| s.to_string()));
        assert_eq!(args(&["--flag", "sprechzimmer://join?v=1"]).as_deref(), Some("sprechzimmer://join?v=1"));
        assert_eq!(args(&["https://meet.example.org/R"]).as_deref(), Some("https://meet.example.org/R"));
        assert_eq!(args(&["file:///etc/passwd", "--x"]), None);
    }
}
