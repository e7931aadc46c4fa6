//! Runs a client session inside the app: owns the state, drives the lobby
//! poller and the meeting watcher, and ends every session the same way —
//! close the meeting window, wipe, tell the UI what was removed.

use std::sync::Mutex;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use url::Url;

use crate::browser::{self, Installed};
use crate::consent::ConsentRequest;
use crate::error::{Error, Result};
use crate::hosts::{self, UrlRules};
use crate::i18n::{self, Lang};
use crate::invite;
use crate::lobby::{self, Lobby, LobbyView, Next, Probe};
use crate::meeting_browser::{self, BrowserMeeting};
use crate::meeting_window;
use crate::net::Http;
use crate::profile::{self, Document};
use crate::provider::{bbb, jitsi, Meeting, ProviderError};
use crate::session::{MeetingTicket, Phase, Session, SessionError};
use crate::settings::{BrowserChoice, MeetingView, Settings, Setup};
use crate::webview_probe::{self, Capability};
use crate::wipe::{Paths, Removed, SessionDir};

pub const MAIN_WINDOW: &str = "main";

pub use crate::commands::events;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The client pressed "leave".
    Left,
    /// The meeting is over: logoutURL, left the client, or no longer running.
    Ended,
    /// Sent away from the waiting room.
    Denied,
    /// The meeting window was closed.
    Closed,
    /// Stopped waiting in the lobby.
    Cancelled,
    /// The app is quitting.
    Quit,
    /// Removed from the meeting by a moderator.
    Removed,
    /// Could not go on; see `code`.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ended {
    pub reason: EndReason,
    pub code: Option<&'static str>,
    pub message: Option<String>,
    pub removed: Removed,
    pub browsing_data_cleared: bool,
    pub wipe_complete: bool,
}

/// Where this session's meeting opens, decided before the lobby.
#[derive(Debug, Clone)]
pub enum View {
    Embedded,
    Browser(Installed),
}

struct ActiveMeeting {
    ticket: MeetingTicket,
    /// Set when the meeting runs in the fallback browser.
    browser: Option<BrowserMeeting>,
    dir: Option<SessionDir>,
    stage: bbb::Stage,
    /// Names this meeting's host page (Jitsi); other requests get nothing.
    host_nonce: String,
    /// The counsellor's own meeting (started from the app).
    moderator: bool,
}

#[derive(Default)]
struct Inner {
    session: Session,
    meeting: Option<ActiveMeeting>,
    /// Bumped whenever a session ends, so its background tasks stop.
    generation: u64,
    pending_invite: Option<zeroize::Zeroizing<String>>,
    view: Option<View>,
    /// Links the meeting asked to open, which the user may now confirm.
    offered_links: Vec<Url>,
    /// The profile on the counsellor's consent screen: its links may be
    /// opened like those of a client's session.
    counsellor_profile: Option<profile::OrgProfile>,
}

pub struct AppState {
    pub rules: UrlRules,
    pub http: Http,
    pub paths: Paths,
    /// Every setting with its source (for the settings screen), the typed
    /// values the app runs with, and where the user's own settings go.
    setup: Mutex<Setup>,
    /// What the system webview can do, asked once per run.
    capability: tokio::sync::OnceCell<Capability>,
    inner: Mutex<Inner>,
    retry: tokio::sync::Notify,
}

impl AppState {
    /// No client session (from the invite to the meeting) and no meeting.
    pub fn is_idle(&self) -> bool {
        let inner = self.lock();
        inner.meeting.is_none() && inner.session.current().is_none()
    }

    /// The counsellor's consent screen shows this profile's texts and links.
    pub fn show_counsellor_profile(&self, p: Option<profile::OrgProfile>) {
        self.lock().counsellor_profile = p;
    }

    pub fn new(rules: UrlRules, paths: Paths) -> AppState {
        AppState {
            rules,
            http: Http::new(),
            paths,
            setup: Mutex::new(Setup::defaults()),
            capability: tokio::sync::OnceCell::new(),
            inner: Mutex::default(),
            retry: tokio::sync::Notify::new(),
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

    pub fn setup(&self) -> std::sync::MutexGuard<'_, Setup> {
        self.setup.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not stop the wipe; the data is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn phase(&self) -> Phase {
        self.lock().session.phase()
    }
}

// ---- invite intake ----

/// A link arrived (command line, deep link, second instance). The UI picks
/// it up with `take_pending_invite`, the same way it handles a pasted link.
pub fn receive_link<R: Runtime>(app: &AppHandle<R>, link: String) {
    let state = app.state::<AppState>();
    state.lock().pending_invite = Some(zeroize::Zeroizing::new(link));
    let _ = app.emit_to(MAIN_WINDOW, events::INVITE, ());
    match app.get_webview_window(MAIN_WINDOW) {
        Some(w) => {
            let _ = w.unminimize();
            let _ = w.set_focus();
        }
        // In the tray with no window: a new one picks the link up at start.
        None => crate::tray::show_screen(app, None),
    }
}

pub fn take_pending_invite(state: &AppState) -> Option<String> {
    state.lock().pending_invite.take().map(|link| link.to_string())
}

/// Picks the first link-looking argument, so `sprechzimmer <link>` works
/// for invites and plain room links alike.
pub fn link_from_args<I: IntoIterator<Item = String>>(args: I) -> Option<String> {
    let starts = |a: &str, p: &str| a.len() >= p.len() && a[..p.len()].eq_ignore_ascii_case(p);
    args.into_iter().find(|a| starts(a, "sprechzimmer:") || starts(a, "https://") || starts(a, "http://"))
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocView {
    pub title: String,
    pub text: String,
    /// The language title and text are written in: the UI's, or a fallback.
    pub lang: String,
    pub version: String,
    pub digest: String,
    pub url: Option<String>,
}

impl DocView {
    pub fn new(d: &Document, lang: Lang) -> DocView {
        let (text_lang, text) = d.text.pick(lang);
        DocView {
            title: d.title.get(lang).to_string(),
            text: text.to_string(),
            lang: text_lang.to_string(),
            version: d.version.clone(),
            digest: d.digest(),
            url: d.url.clone(),
        }
    }
}

/// The organisation's help contact, for the waiting room and error screens.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportView {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hours: Option<String>,
    pub hours_lang: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub session_id: String,
    pub organisation: String,
    pub summary: invite::Summary,
    pub display_name: Option<String>,
    /// The client chooses the name (Jitsi) instead of the invite fixing it.
    pub name_editable: bool,
    pub privacy: DocView,
    pub terms: DocView,
    pub withdrawal_text: String,
    pub withdrawal_lang: String,
    pub withdrawal_email: Option<String>,
    pub withdrawal_url: Option<String>,
    pub organisation_lang: String,
    pub support: Option<SupportView>,
    pub feedback_email: Option<String>,
    pub feedback_url: Option<String>,
}

impl ConsentView {
    /// The consent screen for the open session, in `lang`.
    pub fn of(cur: &crate::session::Current, lang: Lang) -> ConsentView {
        let p = &cur.profile;
        let (organisation_lang, organisation) = p.name.pick(lang);
        let (withdrawal_lang, withdrawal_text) = p.withdrawal.text.pick(lang);
        let support = p.support.as_ref().map(|s| {
            let hours = s.hours.as_ref().map(|h| h.pick(lang));
            SupportView {
                phone: s.phone.clone(),
                email: s.email.clone(),
                hours: hours.map(|(_, t)| t.to_string()),
                hours_lang: hours.map(|(l, _)| l.to_string()),
            }
        });
        let feedback = p.accessibility_feedback.clone().unwrap_or_default();
        ConsentView {
            session_id: cur.id.clone(),
            organisation: organisation.to_string(),
            organisation_lang: organisation_lang.to_string(),
            summary: cur.invite.summary(),
            display_name: cur.invite.meeting.display_name().map(str::to_string),
            name_editable: cur.invite.meeting.display_name().is_none(),
            privacy: DocView::new(&p.privacy_notice, lang),
            terms: DocView::new(&p.client_terms, lang),
            withdrawal_text: withdrawal_text.to_string(),
            withdrawal_lang: withdrawal_lang.to_string(),
            withdrawal_email: p.withdrawal.email.clone(),
            withdrawal_url: p.withdrawal.url.clone(),
            support,
            feedback_email: feedback.email,
            feedback_url: feedback.url,
        }
    }
}

/// What a link would make the app contact, found without contacting
/// anything. A link that arrives from outside (a web page, a mail program)
/// is shown this way before it is opened: otherwise any page could make the
/// app call a host of its choosing before the user has seen it.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InvitePreview {
    pub profile_host: String,
    pub meeting_host: String,
    pub provider: crate::provider::ProviderKind,
    /// This computer's policy names the organisation, whose profile bounds
    /// the meeting hosts: the administrator has seen them already.
    pub preapproved: bool,
}

impl InvitePreview {
    pub fn of(invite: &invite::Invite, settings: &Settings) -> InvitePreview {
        let summary = invite.summary();
        InvitePreview {
            profile_host: summary.profile_host,
            meeting_host: summary.meeting_host,
            provider: summary.provider,
            preapproved: settings.profile_locked && settings.profile_url.as_ref() == Some(&invite.profile_url),
        }
    }
}

/// The checks every link passes before anything is contacted: the app is
/// free, the link is an invite, and this computer's policy admits it.
fn checked_invite(state: &AppState, link: &str) -> Result<invite::Invite> {
    // Any meeting, the client's or the counsellor's own, keeps the app busy.
    if matches!(state.phase(), Phase::Lobby | Phase::Meeting) || state.lock().meeting.is_some() {
        return Err(SessionError::Busy.into());
    }
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

    let lang = i18n::current();
    let mut inner = state.lock();
    let cur = inner.session.open(invite, profile)?;
    Ok(ConsentView::of(cur, lang))
}

/// The open session's consent screen again, after a language switch.
pub fn consent_view(state: &AppState) -> Result<ConsentView> {
    let inner = state.lock();
    let cur = inner.session.current().ok_or(SessionError::NoSession)?;
    Ok(ConsentView::of(cur, i18n::current()))
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

pub fn give_consent(state: &AppState, req: ConsentRequest) -> Result<()> {
    let now = time::OffsetDateTime::now_utc();
    Ok(state.lock().session.give_consent(&req, now)?)
}

// ---- lobby ----

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct LobbyEvent {
    #[serde(flatten)]
    view: LobbyView,
    #[serde(with = "time::serde::rfc3339::option")]
    scheduled_at: Option<time::OffsetDateTime>,
}

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

pub async fn enter_lobby<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    let state = app.state::<AppState>();
    // The cheap checks first: consent and step, before any probe runs.
    state.lock().session.can_enter_lobby()?;
    let view = decide_view(app).await?;
    let (meeting, session_id, scheduled_at, generation) = {
        let mut inner = state.lock();
        let meeting = inner.session.enter_lobby()?;
        inner.view = Some(view);
        let cur = inner.session.current().expect("lobby has a session");
        (meeting, cur.id.clone(), cur.invite.scheduled_at, inner.generation)
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        run_lobby(app, meeting, session_id, scheduled_at, generation).await;
    });
    Ok(())
}

pub fn retry_lobby(state: &AppState) {
    // Wakes a waiting lobby only; a press with nobody waiting is not kept
    // for a later lobby.
    state.retry.notify_waiters();
}

fn still_current(state: &AppState, generation: u64) -> bool {
    state.lock().generation == generation
}

async fn run_lobby<R: Runtime>(app: AppHandle<R>, meeting: Meeting, session_id: String, scheduled_at: Option<time::OffsetDateTime>, generation: u64) {
    let state = app.state::<AppState>();
    let mut lobby = Lobby::new(rand::random());
    let emit = |view: LobbyView| {
        let _ = app.emit_to(MAIN_WINDOW, events::LOBBY, LobbyEvent { view, scheduled_at });
    };
    emit(LobbyView::Checking);
    loop {
        let probe = match meeting.is_running(&state.http).await {
            Ok(true) => Probe::Running,
            Ok(false) => Probe::NotRunning,
            Err(e) => Probe::Failed(e),
        };
        if !still_current(&state, generation) {
            return;
        }
        let (next, view) = lobby.on_probe(probe);
        emit(view);
        match next {
            Next::Open => {
                if let Err(e) = open_meeting(&app, &session_id) {
                    end_session(&app, EndReason::Failed, Some(e.code()));
                }
                return;
            }
            Next::Stop(e) => {
                end_session(&app, EndReason::Failed, Some(e.code()));
                return;
            }
            Next::CheckIn(delay) => {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = state.retry.notified() => lobby.reset(),
                }
                if !still_current(&state, generation) {
                    return;
                }
            }
        }
    }
}

// ---- meeting ----

fn open_meeting<R: Runtime>(app: &AppHandle<R>, session_id: &str) -> Result<()> {
    let state = app.state::<AppState>();
    let (ticket, generation) = {
        let mut inner = state.lock();
        // The consent gate again: the lobby may have outlived a change.
        let mut ticket = inner.session.start_meeting(session_id)?;
        // A managed host list narrows where the meeting may go.
        ticket.allowed_hosts = hosts::narrow(&ticket.allowed_hosts, state.settings().allowed_hosts.as_deref());
        (ticket, inner.generation)
    };
    let view = state.lock().view.clone().unwrap_or(View::Embedded);
    launch_meeting(app, ticket, view, generation, false)
}

/// The counsellor's own view of a session they started: the same isolated
/// meeting window (or fallback browser), the same wipe at the end.
pub fn open_moderator_meeting<R: Runtime>(app: &AppHandle<R>, mut ticket: MeetingTicket, view: View) -> Result<()> {
    let state = app.state::<AppState>();
    let generation = {
        let mut inner = state.lock();
        if inner.session.phase() != Phase::Idle || inner.meeting.is_some() {
            return Err(SessionError::Busy.into());
        }
        inner.view = Some(view.clone());
        inner.generation
    };
    ticket.allowed_hosts = hosts::narrow(&ticket.allowed_hosts, state.settings().allowed_hosts.as_deref());
    launch_meeting(app, ticket, view, generation, true)
}

fn launch_meeting<R: Runtime>(app: &AppHandle<R>, ticket: MeetingTicket, view: View, generation: u64, moderator: bool) -> Result<()> {
    let state = app.state::<AppState>();
    let host_nonce = hex::encode(rand::random::<[u8; 16]>());
    let lang = i18n::current().base();
    let entry = match (&ticket.meeting, &view) {
        (Meeting::Bbb(b), _) => b.join.url.clone(),
        (Meeting::Jitsi(_), View::Embedded) => jitsi::host_page_url(&host_nonce),
        (Meeting::Jitsi(j), View::Browser(_)) => jitsi::direct_room_url(j, &ticket.display_name, lang),
    };
    // Registered before the window exists: its first request needs the
    // nonce. One meeting at a time, whoever started it: a second would
    // orphan the first one's window, browser and session folder.
    {
        let mut inner = state.lock();
        if inner.meeting.is_some() {
            return Err(SessionError::Busy.into());
        }
        inner.meeting = Some(ActiveMeeting { ticket: ticket.clone(), browser: None, dir: None, stage: bbb::Stage::Joining, host_nonce, moderator });
    }
    let dir = match SessionDir::create(&state.paths) {
        Ok(d) => d,
        Err(e) => {
            state.lock().meeting = None;
            return Err(Error::Wipe(e.into()));
        }
    };
    // A meeting that could not open leaves nothing registered behind it,
    // or the next start would find the app busy.
    let abandon = |dir: SessionDir, err: Error| {
        state.lock().meeting = None;
        let _ = dir.wipe();
        Err(err)
    };
    let browser = match &view {
        View::Embedded => {
            emit_view(app, None);
            if let Err(e) = meeting_window::open(app, &ticket, &dir, entry) {
                return abandon(dir, e.into());
            }
            None
        }
        View::Browser(found) => {
            emit_view(app, Some(found));
            match meeting_browser::open(app, found.clone(), &ticket, &dir, entry, state.rules, lang) {
                Ok(b) => Some(b),
                Err(e) => {
                    log::warn!("{} could not be started: {e}", found.display_name());
                    return abandon(dir, Error::BrowserStartFailed);
                }
            }
        }
    };
    {
        let mut inner = state.lock();
        let current = inner.generation == generation;
        match inner.meeting.as_mut() {
            Some(m) if current => {
                m.dir = Some(dir);
                m.browser = browser;
            }
            // Ended while starting: nothing may outlive the session.
            _ => {
                drop(inner);
                if let Some(b) = browser {
                    b.close();
                }
                let _ = dir.wipe();
                return Ok(());
            }
        }
    }
    let _ = app.emit_to(MAIN_WINDOW, events::MEETING, "opening");
    if ticket.meeting.can_be_watched() {
        let app = app.clone();
        tauri::async_runtime::spawn(async move { watch_meeting(app, ticket.meeting.clone(), generation).await });
    }
    Ok(())
}

fn emit_view<R: Runtime>(app: &AppHandle<R>, browser: Option<&Installed>) {
    #[derive(Serialize, Clone)]
    struct ViewEvent {
        view: &'static str,
        browser: Option<&'static str>,
    }
    let ev = ViewEvent { view: if browser.is_some() { "browser" } else { "embedded" }, browser: browser.map(|b| b.display_name()) };
    let _ = app.emit_to(MAIN_WINDOW, events::MEETING_VIEW, ev);
}

/// Brings the meeting to the front, wherever it runs.
pub fn show_meeting<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let inner = state.lock();
    match inner.meeting.as_ref().and_then(|m| m.browser.as_ref()) {
        Some(b) => b.bring_to_front(),
        None => {
            drop(inner);
            meeting_window::focus(app);
        }
    }
}

/// Serves the Jitsi host page to the meeting window of the running meeting,
/// and nothing to anyone else.
pub fn serve_meeting_host(state: &AppState, webview_label: &str, uri: &str) -> Option<(String, String)> {
    if webview_label != meeting_window::LABEL {
        return None;
    }
    let url = Url::parse(uri).ok()?;
    let nonce = url.query_pairs().find(|(k, _)| k == "n").map(|(_, v)| v.into_owned())?;
    let inner = state.lock();
    let m = inner.meeting.as_ref()?;
    let Meeting::Jitsi(j) = &m.ticket.meeting else { return None };
    if url.path() != "/jitsi" || nonce != m.host_nonce {
        return None;
    }
    let csp_nonce = hex::encode(rand::random::<[u8; 16]>());
    Some(jitsi::host_page(j, &m.ticket.display_name, i18n::current().base(), &csp_nonce, m.moderator))
}

/// The Jitsi host page reported something.
pub fn on_jitsi_signal<R: Runtime>(app: &AppHandle<R>, signal: jitsi::Signal) {
    let is_jitsi = app.state::<AppState>().lock().meeting.as_ref().is_some_and(|m| matches!(m.ticket.meeting, Meeting::Jitsi(_)));
    if !is_jitsi {
        return;
    }
    log::debug!("meeting signal {signal:?}");
    let app = app.clone();
    match signal {
        jitsi::Signal::Knocking => {
            let _ = app.emit_to(MAIN_WINDOW, events::MEETING, "knocking");
        }
        jitsi::Signal::Joined => {
            let _ = app.emit_to(MAIN_WINDOW, events::MEETING, "open");
        }
        jitsi::Signal::Left => spawn_end(app, EndReason::Ended, None),
        jitsi::Signal::Kicked => spawn_end(app, EndReason::Removed, None),
        jitsi::Signal::Denied => spawn_end(app, EndReason::Denied, None),
        jitsi::Signal::Failed => spawn_end(app, EndReason::Failed, Some("meeting.failed")),
        jitsi::Signal::ClientKnocking => crate::counsellor_app::notify_client_waiting(&app),
    }
}

/// Asks now and then whether the meeting still runs, so the end is noticed
/// even when the meeting page itself does not navigate anywhere.
async fn watch_meeting<R: Runtime>(app: AppHandle<R>, meeting: Meeting, generation: u64) {
    let state = app.state::<AppState>();
    loop {
        tokio::time::sleep(lobby::watch_interval(rand::random())).await;
        if !still_current(&state, generation) {
            return;
        }
        let result = meeting.is_running(&state.http).await;
        if !still_current(&state, generation) {
            return;
        }
        let over = match result {
            Ok(running) => !running,
            Err(e) => !e.is_transient(),
        };
        if over {
            end_session(&app, EndReason::Ended, None);
            return;
        }
    }
}

/// A main-frame page finished loading in the meeting window.
pub fn on_meeting_page<R: Runtime>(app: &AppHandle<R>, url: &Url) {
    let state = app.state::<AppState>();
    let event = {
        let mut inner = state.lock();
        let Some(m) = inner.meeting.as_mut() else { return };
        let b = match &m.ticket.meeting {
            Meeting::Bbb(b) => b,
            // The room page itself, in the fallback browser.
            Meeting::Jitsi(j) if m.browser.is_some() => {
                let here = jitsi::in_room(j, url);
                drop(inner);
                if here {
                    let _ = app.emit_to(MAIN_WINDOW, events::MEETING, "open");
                } else {
                    spawn_end(app.clone(), EndReason::Ended, None);
                }
                return;
            }
            Meeting::Jitsi(_) => {
                drop(inner);
                // Jitsi's own UI shows from the start; signals tell the rest.
                if jitsi::is_host_url(url) {
                    meeting_window::reveal(app);
                }
                return;
            }
        };
        let ev = bbb::on_main_frame_load(m.stage, url, &b.join.url, m.ticket.logout_url.as_ref());
        if let bbb::PageEvent::Continue(stage) = ev {
            m.stage = stage;
        }
        ev
    };
    let app = app.clone();
    match event {
        bbb::PageEvent::Continue(stage) => {
            meeting_window::reveal(&app);
            let shown = if stage == bbb::Stage::GuestWait { "knocking" } else { "open" };
            let _ = app.emit_to(MAIN_WINDOW, events::MEETING, shown);
        }
        bbb::PageEvent::Ended => spawn_end(app, EndReason::Ended, None),
        bbb::PageEvent::Denied => spawn_end(app, EndReason::Denied, None),
        bbb::PageEvent::JoinRefused(err) => {
            spawn_end(app, failure_reason(err), Some(err.code()));
        }
        bbb::PageEvent::JoinFailed => {
            let meeting = state.lock().meeting.as_ref().map(|m| m.ticket.meeting.clone());
            let http = state.http.clone();
            tauri::async_runtime::spawn(async move {
                let Some(meeting) = meeting else { return };
                let err = meeting.explain_join_failure(&http).await;
                end_session(&app, failure_reason(err), Some(err.code()));
            });
        }
    }
}

/// The meeting tried to go to `url` outside the allowed hosts.
pub fn on_meeting_left_hosts<R: Runtime>(app: &AppHandle<R>, url: &Url) {
    let state = app.state::<AppState>();
    let (is_logout, stage) = {
        let inner = state.lock();
        let Some(m) = inner.meeting.as_ref() else { return };
        let logout = m.ticket.logout_url.as_ref().is_some_and(|l| url.as_str().starts_with(l.as_str()));
        (logout, m.stage)
    };
    // BBB refuses a browser join by sending it to the logoutURL with the
    // reason attached.
    let refused = if is_logout && stage == bbb::Stage::Joining { bbb::join_error_in(url) } else { None };
    if let Some(err) = refused {
        spawn_end(app.clone(), failure_reason(err), Some(err.code()));
    } else if is_logout {
        let reason = if stage == bbb::Stage::GuestWait { EndReason::Denied } else { EndReason::Ended };
        spawn_end(app.clone(), reason, None);
    } else {
        offer_link(app, url.clone());
    }
}

/// Shows a link the meeting wanted to open; the user decides in the app.
pub fn offer_link<R: Runtime>(app: &AppHandle<R>, url: Url) {
    if !matches!(url.scheme(), "http" | "https") {
        // Another program (mail, phone, an app): neither view starts one.
        // The scheme is no personal data; the address may be.
        log::info!("the meeting asked to open a {}: link; not followed", url.scheme());
        return;
    }
    log::debug!("meeting asked to open a link outside the meeting");
    let state = app.state::<AppState>();
    {
        let mut inner = state.lock();
        if inner.offered_links.contains(&url) {
            return;
        }
        inner.offered_links.push(url.clone());
    }
    #[derive(Serialize, Clone)]
    struct Offer {
        url: String,
        host: String,
    }
    let host = invite::host_with_port(&url);
    let _ = app.emit_to(MAIN_WINDOW, events::EXTERNAL_LINK, Offer { url: url.to_string(), host });
}

// ---- ending ----

/// A meeting that could not be joined: the counsellor's "no" is a denial,
/// anything else a failure.
fn failure_reason(err: ProviderError) -> EndReason {
    if err == ProviderError::Denied {
        EndReason::Denied
    } else {
        EndReason::Failed
    }
}

fn spawn_end<R: Runtime>(app: AppHandle<R>, reason: EndReason, code: Option<&'static str>) {
    // Never close a window from inside one of its own callbacks.
    tauri::async_runtime::spawn(async move { end_session(&app, reason, code) });
}

/// Ends whatever runs — consent, lobby or meeting — and wipes. Safe to call
/// twice; the second call finds nothing to do.
pub fn end_session<R: Runtime>(app: &AppHandle<R>, reason: EndReason, code: Option<&'static str>) -> Option<Ended> {
    let state = app.state::<AppState>();
    let (had_session, meeting) = {
        let mut inner = state.lock();
        inner.generation += 1;
        inner.offered_links.clear();
        inner.pending_invite = None;
        inner.view = None;
        let had = inner.session.end();
        (had, inner.meeting.take())
    };
    if !had_session && meeting.is_none() {
        return None;
    }
    let mut removed = Removed::default();
    let mut browsing_data_cleared = true;
    let mut wipe_complete = true;
    if let Some(mut m) = meeting {
        browsing_data_cleared = meeting_window::close_and_clear(app);
        if let Some(b) = m.browser.take() {
            // Returns once the browser's process tree is gone.
            b.close();
        }
        if let Some(dir) = m.dir.take() {
            match dir.wipe() {
                Ok(r) => removed.add(r),
                // Left for the sweep at the next start; say so.
                Err(_) => wipe_complete = false,
            }
        }
    }
    let ended =
        Ended { reason, code, message: code.map(|c| i18n::t(i18n::current(), &format!("error.{c}"))), removed, browsing_data_cleared, wipe_complete };
    crate::counsellor_app::forget_running(app);
    log::info!("session ended: {:?} ({})", reason, code.unwrap_or("-"));
    let _ = app.emit_to(MAIN_WINDOW, events::ENDED, ended.clone());
    Some(ended)
}

/// The user pressed cancel or leave: what that means depends on the step.
/// Before the lobby nothing ran and nothing touched the disk, so the invite
/// is just forgotten, without an "ended" screen.
pub fn cancel<R: Runtime>(app: &AppHandle<R>) -> Option<Ended> {
    let state = app.state::<AppState>();
    let reason = match state.phase() {
        Phase::Meeting => EndReason::Left,
        Phase::Lobby => EndReason::Cancelled,
        Phase::AwaitingConsent | Phase::Idle => {
            let mut inner = state.lock();
            inner.generation += 1;
            inner.view = None;
            inner.session.end();
            return None;
        }
    };
    end_session(app, reason, None)
}

/// Only links the app itself showed may be opened in the system browser:
/// links in the consent texts, the withdrawal address, or links the meeting
/// offered. Anything else is refused, whatever the UI sends.
pub fn check_offered(state: &AppState, raw: &str) -> Result<Url> {
    let inner = state.lock();
    let url = Url::parse(raw).map_err(|_| Error::Link(hosts::UrlProblem::NotAUrl))?;
    let url = if url.scheme() == "mailto" {
        url
    } else {
        let url = hosts::check_remote_url(raw, state.rules).map_err(Error::Link)?;
        if inner.offered_links.contains(&url) {
            return Ok(url);
        }
        url
    };
    // For mailto: the address; otherwise the URL exactly as the text has it.
    let needle = if url.scheme() == "mailto" { url.path() } else { raw };
    let shown =
        inner.session.current().is_some_and(|c| c.profile.shows(needle)) || inner.counsellor_profile.as_ref().is_some_and(|p| p.shows(needle));
    if shown {
        Ok(url)
    } else {
        Err(Error::LinkNotOffered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::HostPattern;
    use crate::provider::jitsi::JitsiInvite;

    fn state_with_jitsi_meeting(nonce: &str) -> (AppState, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(UrlRules::default(), Paths { root: dir.path().to_path_buf() });
        let room = Url::parse("https://meet.example.org/Beratung-1").unwrap();
        let now = time::OffsetDateTime::now_utc();
        let ticket = MeetingTicket {
            session_id: "s".into(),
            meeting: Meeting::Jitsi(JitsiInvite::new(room, None, now).unwrap()),
            logout_url: None,
            allowed_hosts: vec![HostPattern::parse("meet.example.org").unwrap()],
            display_name: "Kim".into(),
        };
        state.lock().meeting =
            Some(ActiveMeeting { ticket, browser: None, dir: None, stage: bbb::Stage::Joining, host_nonce: nonce.into(), moderator: false });
        (state, dir)
    }

    #[test]
    fn no_second_meeting_while_one_runs_whoever_started_it() {
        let (state, _d) = state_with_jitsi_meeting("moderator-nonce");
        state.lock().meeting.as_mut().unwrap().moderator = true;
        let ticket = state.lock().meeting.as_ref().unwrap().ticket.clone();
        // A client invite while the counsellor's own meeting runs.
        let link = crate::invite::build_jitsi_link(
            &Url::parse("https://beratung.example.org/p.json").unwrap(),
            &Url::parse("https://meet.example.org/Other-2").unwrap(),
            None,
            None,
        );
        let err = tauri::async_runtime::block_on(open_invite(&state, link)).unwrap_err();
        assert_eq!(err.code(), Error::from(SessionError::Busy).code());
        // And the launch itself refuses, leaving the running meeting as it was.
        let app = crate::with_commands(tauri::test::mock_builder(), state).build(tauri::test::mock_context(tauri::test::noop_assets())).unwrap();
        let err = launch_meeting(app.handle(), ticket, View::Embedded, 0, false).unwrap_err();
        assert_eq!(err.code(), Error::from(SessionError::Busy).code());
        let state = app.state::<AppState>();
        let inner = state.lock();
        let m = inner.meeting.as_ref().expect("still registered");
        assert!(m.moderator && m.host_nonce == "moderator-nonce");
    }

    #[test]
    fn host_page_only_for_the_meeting_window_and_its_nonce() {
        let (state, _d) = state_with_jitsi_meeting("n1");
        let url = |n: &str| format!("{}/jitsi?n={n}", jitsi::host_base());
        let (html, csp) = serve_meeting_host(&state, meeting_window::LABEL, &url("n1")).expect("served");
        assert!(html.contains("\"displayName\":\"Kim\""));
        assert!(csp.contains("frame-src https://meet.example.org"));
        assert!(serve_meeting_host(&state, MAIN_WINDOW, &url("n1")).is_none(), "not to other windows");
        assert!(serve_meeting_host(&state, meeting_window::LABEL, &url("guess")).is_none(), "not without the nonce");
        let other = format!("{}/other?n=n1", jitsi::host_base());
        assert!(serve_meeting_host(&state, meeting_window::LABEL, &other).is_none());
        state.lock().meeting = None;
        assert!(serve_meeting_host(&state, meeting_window::LABEL, &url("n1")).is_none(), "not after the session");
    }

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
