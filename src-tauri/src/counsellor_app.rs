//! The counsellor's side in the app (Tauri glue): setup, consent, starting
//! a session whose moderator view opens in the same isolated meeting window
//! clients get, the invite, ending for everyone. The window-free parts are
//! in `counsellor`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use time::OffsetDateTime;
use url::Url;

use crate::counsellor::bookings::Booking;
use crate::counsellor::invitation::{self, Appointment, Letterhead};
use crate::counsellor::start::{self, Handle, ModeratorEntry, Options};
use crate::counsellor::{secrets, Access, Account, CounsellorError};
use crate::engine::{Letter, Running};
use crate::error::{Error, Result};
use crate::i18n;
use crate::ipc::{ConsentDocs, EndReason, RunningView, UiEvent};
use crate::profile::{self, OrgProfile};
use crate::provider::{bbb::BbbInvite, jitsi::JitsiInvite, Meeting};
use crate::runtime::{self, AppState};
use crate::session::MeetingTicket;

/// Where the counsellor's account is kept. Their running session is the
/// engine's (`AppState::engine`), like every other session state.
pub struct CounsellorState {
    /// `counsellor.json`; `None` where the platform has no config folder.
    file: Option<PathBuf>,
}

impl CounsellorState {
    pub fn new(config_dir: Option<PathBuf>) -> CounsellorState {
        CounsellorState { file: config_dir.map(|d| Account::file_in(&d)) }
    }

    /// The folder of the account file (and of the bookings).
    pub fn dir(&self) -> Option<PathBuf> {
        self.file.as_ref().and_then(|f| f.parent()).map(PathBuf::from)
    }

    fn file(&self) -> Result<&PathBuf> {
        self.file.as_ref().ok_or_else(|| CounsellorError::NotSetUp.into())
    }

    pub fn account(&self) -> Result<Account> {
        Ok(Account::load(self.file()?)?)
    }

    pub fn is_set_up(&self) -> bool {
        self.account().is_ok()
    }
}

/// The running session's invite, if one runs.
fn running_invite<R: Runtime>(app: &AppHandle<R>) -> Option<zeroize::Zeroizing<String>> {
    app.state::<AppState>().engine().running().map(|r| r.invite.clone())
}

/// Copies the running session's invite (never text the UI sends) to the
/// clipboard, kept out of clipboard history.
pub fn copy_invite<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    let invite = running_invite(app).ok_or(CounsellorError::NoSession)?;
    crate::clipboard::copy_private(&invite).map_err(|_| CounsellorError::Clipboard)?;
    Ok(())
}

async fn fetch_profile(state: &AppState, url: &Url) -> Result<OrgProfile> {
    Ok(profile::fetch(&state.http, url, state.rules).await?)
}

// ---- what the UI sees ----

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CounsellorView {
    pub set_up: bool,
    pub organisation: Option<String>,
    pub provider: Option<&'static str>,
    pub server: Option<String>,
    pub display_name: Option<String>,
    /// The texts to accept, when the consent is missing or outdated.
    pub consent: Option<ConsentDocs>,
    pub running: Option<RunningView>,
}

fn provider_name(a: &Access) -> &'static str {
    match a {
        Access::Bbb { .. } => "bbb",
        Access::Jitsi { .. } => "jitsi",
    }
}

/// Counsellor features exist unless policy switches them off.
pub fn enabled<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    if app.state::<AppState>().settings().counsellor_mode {
        Ok(())
    } else {
        Err(CounsellorError::Disabled.into())
    }
}

pub async fn status<R: Runtime>(app: &AppHandle<R>) -> Result<CounsellorView> {
    enabled(app)?;
    let c = app.state::<CounsellorState>();
    let running = app.state::<AppState>().engine().running().map(Running::view);
    let account = match c.account() {
        Ok(a) => a,
        Err(Error::Counsellor(CounsellorError::NotSetUp)) => {
            return Ok(CounsellorView { set_up: false, organisation: None, provider: None, server: None, display_name: None, consent: None, running })
        }
        Err(e) => return Err(e),
    };
    let state = app.state::<AppState>();
    let p = fetch_profile(&state, &account.profile).await?;
    let lang = i18n::current();
    let consent = if account.consent_valid(&p) {
        state.engine().show_counsellor_profile(None);
        None
    } else {
        state.engine().show_counsellor_profile(Some(p.clone()));
        let terms = p.counsellor_terms.as_ref().ok_or(CounsellorError::NoCounsellorTerms)?;
        Some(ConsentDocs::new(&p, terms, lang))
    };
    Ok(CounsellorView {
        set_up: true,
        organisation: Some(p.name.get(lang).to_string()),
        provider: Some(provider_name(&account.access)),
        server: Some(crate::hosts::host_with_port(account.access.host_url())),
        display_name: Some(account.display_name.clone()),
        consent,
        running,
    })
}

// ---- setup ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetupRequest {
    pub profile: String,
    pub provider: String,
    pub server: String,
    pub secret: Option<String>,
    pub jwt_app_id: Option<String>,
    pub display_name: String,
}

/// Checks everything before anything is stored: the organisation lists the
/// server, and the server takes the secret. Then the secret goes to the
/// credential store and the rest to `counsellor.json`.
pub async fn setup<R: Runtime>(app: &AppHandle<R>, req: SetupRequest) -> Result<CounsellorView> {
    enabled(app)?;
    let c = app.state::<CounsellorState>();
    let state = app.state::<AppState>();
    if state.engine().running().is_some() {
        return Err(CounsellorError::Busy.into());
    }
    let server = Url::parse(req.server.trim()).map_err(|_| CounsellorError::Invalid("server"))?;
    let access = match req.provider.as_str() {
        "bbb" => Access::Bbb { api: server },
        "jitsi" => Access::Jitsi { server, jwt_app_id: req.jwt_app_id.clone() },
        _ => return Err(CounsellorError::Invalid("provider").into()),
    };
    let account = Account::new(req.profile.trim(), access, &req.display_name, state.rules)?;
    let secret = zeroize::Zeroizing::new(req.secret.unwrap_or_default());
    let (http, rules, file) = (state.http.clone(), state.rules, c.file()?.clone());
    let account = crate::counsellor::set_up(&http, rules, &file, account, &secret).await?;
    log::info!("counsellor account set up ({})", provider_name(&account.access));
    status(app).await
}

pub async fn give_consent<R: Runtime>(app: &AppHandle<R>, privacy_digest: String, terms_digest: String) -> Result<CounsellorView> {
    enabled(app)?;
    let c = app.state::<CounsellorState>();
    let state = app.state::<AppState>();
    let mut account = c.account()?;
    let p = fetch_profile(&state, &account.profile).await?;
    account.give_consent(&p, &privacy_digest, &terms_digest, OffsetDateTime::now_utc())?;
    account.save(c.file()?)?;
    status(app).await
}

/// Deletes the account and its secret. Nothing of it stays.
pub fn remove<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    let c = app.state::<CounsellorState>();
    if app.state::<AppState>().engine().running().is_some() {
        return Err(CounsellorError::Busy.into());
    }
    crate::counsellor::remove(c.file()?)?;
    log::info!("counsellor account removed");
    Ok(())
}

// Written out by hand so that no debug print can ever show the secret.
impl std::fmt::Debug for SetupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupRequest")
            .field("provider", &self.provider)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

// ---- sessions ----

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartRequest {
    pub client_name: Option<String>,
    /// RFC 3339, in the counsellor's own offset (the e-mail states that time).
    pub at: Option<String>,
    /// The appointment's length in minutes (`invitation::LENGTHS`).
    #[serde(default)]
    pub minutes: Option<u16>,
    /// The counsellor's IANA time zone, for the calendar file.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Start this booked appointment: its meeting, name, time and invite.
    #[serde(default)]
    pub booking: Option<String>,
}

/// `booked`: the booking `req.booking` names, looked up by the caller.
pub async fn start_session<R: Runtime>(app: &AppHandle<R>, req: StartRequest, booked: Option<Booking>) -> Result<RunningView> {
    enabled(app)?;
    let c = app.state::<CounsellorState>();
    let state = app.state::<AppState>();
    if state.engine().counsellor_busy() {
        return Err(CounsellorError::Busy.into());
    }
    let account = c.account()?;
    let p = fetch_profile(&state, &account.profile).await?;
    account.check_profile(&p)?;
    if !account.consent_valid(&p) {
        return Err(CounsellorError::ConsentRequired.into());
    }
    let mut req = req;
    if let Some(b) = &booked {
        // The booking decides: its name, its time, its length.
        req.client_name = Some(b.pseudonym.clone());
        req.at = Some(b.at.format(&time::format_description::well_known::Rfc3339).map_err(|_| CounsellorError::Invalid("at"))?);
        req.minutes = Some(b.minutes);
        req.time_zone = b.time_zone.clone();
    }
    let client_name = req.client_name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if client_name.as_ref().is_some_and(|n| n.chars().count() > 64 || n.chars().any(char::is_control)) {
        return Err(CounsellorError::Invalid("client_name").into());
    }
    let at = match req.at.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| CounsellorError::Invalid("at"))?),
        None => None,
    };
    // Decided first, so nothing is created for a meeting this computer cannot show.
    let view = runtime::decide_view(app).await?;
    let minutes = req.minutes.unwrap_or(invitation::DEFAULT_LENGTH);
    if !invitation::LENGTHS.contains(&minutes) {
        return Err(CounsellorError::Invalid("minutes").into());
    }
    let appointment = at.map(|at| Appointment { at, minutes, time_zone: req.time_zone.as_deref().and_then(Appointment::zone_name) });
    let letter = Letter { appointment, letterhead: Letterhead::of(&p), client_name: client_name.clone().map(zeroize::Zeroizing::new) };
    let booking_id = booked.as_ref().map(|b| b.id.clone());
    let opts = Options { client_name, at, booked };
    let lang = i18n::current().base().to_string();
    let secret = if account.access.needs_secret() { Some(secrets::fetch(&secrets::entry(&account.access.secret_name())?)?) } else { None };
    let http = state.http.clone();
    let started = match &account.access {
        Access::Bbb { api } => {
            let secret = secret.as_deref().ok_or(CounsellorError::SecretMissing)?;
            start::start_bbb(&http, &account, api, secret, &opts, &lang).await?
        }
        Access::Jitsi { .. } => start::start_jitsi(&account, secret.as_deref().map(|s| s.as_str()), &opts, OffsetDateTime::now_utc())?,
    };
    let meeting = match &started.moderator {
        ModeratorEntry::Bbb { join, running } => Meeting::Bbb(BbbInvite::for_moderator(join.clone(), running.clone())?),
        ModeratorEntry::Jitsi { room_url, jwt } => Meeting::Jitsi(JitsiInvite::new(room_url.clone(), jwt.clone(), OffsetDateTime::now_utc())?),
    };
    let ticket = MeetingTicket {
        session_id: hex::encode(rand::random::<[u8; 12]>()),
        meeting,
        logout_url: started.logout.clone(),
        allowed_hosts: p.meeting_hosts.clone(),
        display_name: account.display_name.clone(),
    };
    // Where the organisation hosts its invite page, the invite is a link to
    // it: mail programs open https, not `sprechzimmer:`.
    let invite = match p.invite_page.as_deref().and_then(|page| Url::parse(page).ok()) {
        Some(page) => crate::invite::on_page(&page, &started.client_invite),
        None => started.client_invite.clone(),
    };
    let running = Running {
        handle: started.handle.clone(),
        invite: zeroize::Zeroizing::new(invite),
        provider: provider_name(&account.access),
        letter: Some(Box::new(letter)),
        booking: booking_id,
        companions: Vec::new(),
    };
    let running_view = running.view();
    let registered = state.engine().set_running(running);
    if let Err(e) = registered {
        // Something started meanwhile: this meeting may not stay open.
        let _ = end_remote(app, &account, &started.handle).await;
        return Err(e.into());
    }
    // Before the meeting's own events, so the UI knows whose meeting it is.
    runtime::emit(app, UiEvent::Running(Some(running_view.clone())));
    if let Err(e) = runtime::open_moderator_meeting(app, ticket, view) {
        // Nobody may wait in a room that nobody moderates.
        let _ = end_remote(app, &account, &started.handle).await;
        runtime::end_session(app, EndReason::Failed, Some(e.code()));
        return Err(e);
    }
    log::info!("counsellor session started ({})", provider_name(&account.access));
    Ok(running_view)
}

async fn end_remote<R: Runtime>(app: &AppHandle<R>, account: &Account, handle: &Handle) -> Result<()> {
    match (handle, &account.access) {
        (Handle::Bbb { meeting_id }, Access::Bbb { api }) => {
            let secret = secrets::fetch(&secrets::entry(&account.access.secret_name())?)?;
            let state = app.state::<AppState>();
            let http = state.http.clone();
            Ok(start::end_bbb(&http, api, &secret, meeting_id).await?)
        }
        // Jitsi has no server API for this: the moderator's page ends it.
        (Handle::Jitsi { .. }, _) => {
            crate::meeting_process::end_conference();
            Ok(())
        }
        _ => Err(CounsellorError::Invalid("provider").into()),
    }
}

/// Ends the session for everyone: on the server first, then locally, with
/// the same wipe as every other end.
pub async fn end_session<R: Runtime>(app: &AppHandle<R>) -> Result<()> {
    let c = app.state::<CounsellorState>();
    let handle = app.state::<AppState>().engine().running().map(|r| r.handle.clone()).ok_or(CounsellorError::NoSession)?;
    let account = c.account()?;
    let remote = end_remote(app, &account, &handle).await;
    if matches!(handle, Handle::Jitsi { .. }) {
        // Give the page a moment to send the end before its window goes.
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    }
    runtime::end_session(app, EndReason::Ended, None);
    remote
}

/// The running session's invitation (never text the UI sends).
fn running_invitation<R: Runtime>(app: &AppHandle<R>) -> Result<invitation::Invitation> {
    let state = app.state::<AppState>();
    let engine = state.engine();
    let running = engine.running().ok_or(CounsellorError::NoSession)?;
    Ok(running.invitation().ok_or(CounsellorError::NoSession)?)
}

/// The language the counsellor writes this client in: any of the app's, or the UI's.
fn letter_lang(code: Option<&str>) -> i18n::Lang {
    code.and_then(i18n::Lang::from_code).unwrap_or_else(i18n::current)
}

/// The running session's invitation, and the client's name for a calendar
/// entry that asks for it.
pub fn running_invitation_and_name<R: Runtime>(app: &AppHandle<R>) -> Result<(invitation::Invitation, Option<String>)> {
    let inv = running_invitation(app)?;
    let state = app.state::<AppState>();
    let name = state.engine().running().and_then(|r| r.letter.as_ref()).and_then(|l| l.client_name.as_ref()).map(|n| n.to_string());
    Ok((inv, name))
}

/// The invitation as an e-mail draft in the user's mail program.
pub fn mail_invite(inv: &invitation::Invitation, lang: Option<&str>) -> Result<()> {
    let mailto = inv.mailto(letter_lang(lang));
    tauri_plugin_opener::open_url(mailto, None::<&str>).map_err(|_| Error::LinkOpenFailed)
}

/// An invite for a further guest of the running session (interpreter,
/// relative): its own signed join under its own name; kept with the session.
pub fn companion_invite<R: Runtime>(app: &AppHandle<R>, name: &str) -> Result<CompanionView> {
    enabled(app)?;
    let account = app.state::<CounsellorState>().account()?;
    let state = app.state::<AppState>();
    let handle = state.engine().running().map(|r| r.handle.clone()).ok_or(CounsellorError::NoSession)?;
    let secret = if account.access.needs_secret() { Some(secrets::fetch(&secrets::entry(&account.access.secret_name())?)?) } else { None };
    let link =
        start::companion_invite(&account, secret.as_deref().map(|s| s.as_str()), &handle, name, i18n::current().base(), OffsetDateTime::now_utc())?;
    // Through the organisation's invite page, like the client's invite.
    let page = state.engine().running().and_then(|r| r.invitation()).map(|i| i.link).and_then(|l| l.split_once('#').map(|(p, _)| p.to_string()));
    let link = match page.and_then(|p| Url::parse(&p).ok()) {
        Some(page) => crate::invite::on_page(&page, &link),
        None => link,
    };
    let mut engine = state.engine();
    let running = engine.running_mut().ok_or(CounsellorError::NoSession)?;
    running.companions.push(zeroize::Zeroizing::new(link.clone()));
    log::info!("invite for a further guest made");
    Ok(CompanionView { index: running.companions.len() - 1, invite: link })
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanionView {
    pub index: usize,
    pub invite: String,
}

/// A further guest's invite on the clipboard, kept out of clipboard history.
pub fn copy_companion_invite<R: Runtime>(app: &AppHandle<R>, index: usize) -> Result<()> {
    let state = app.state::<AppState>();
    let link = state.engine().running().and_then(|r| r.companions.get(index).cloned()).ok_or(CounsellorError::NoSession)?;
    crate::clipboard::copy_private(&link).map_err(|_| CounsellorError::Clipboard)?;
    Ok(())
}

/// Saves the calendar file in the user's download folder; returns its path.
/// The file holds the link, and the client's name only with `with_name`.
pub fn save_calendar(inv: &invitation::Invitation, name: Option<String>, lang: Option<&str>, with_name: bool) -> Result<String> {
    let a = inv.appointment.clone().ok_or(CounsellorError::NoAppointment)?;
    let name = name.filter(|_| with_name);
    let uid = format!("{}@sprechzimmer", hex::encode(rand::random::<[u8; 16]>()));
    let ics = inv.calendar(letter_lang(lang), name.as_deref(), OffsetDateTime::now_utc(), &uid).ok_or(CounsellorError::NoAppointment)?;
    let dir = crate::folders::downloads().ok_or(CounsellorError::CalendarFailed)?;
    let path = invitation::write_calendar(&dir, a.at, &ics).map_err(|_| CounsellorError::CalendarFailed)?;
    log::info!("calendar file saved in the download folder");
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_request_never_prints_its_secret() {
        let req: SetupRequest = serde_json::from_value(serde_json::json!({
            "profile": "https://b.example.org/p.json", "provider": "bbb", "server": "https://bbb.example.org/api",
            "secret": "tenant-secret-123", "jwtAppId": null, "displayName": "B"
        }))
        .unwrap();
        let shown = format!("{req:?}");
        assert!(!shown.contains("tenant-secret-123"), "{shown}");
        assert!(shown.contains("<redacted>"));
        let unknown = serde_json::json!({ "profile": "x", "provider": "bbb", "server": "x", "displayName": "B", "extra": 1 });
        assert!(serde_json::from_value::<SetupRequest>(unknown).is_err(), "unknown fields are refused");
    }
}
