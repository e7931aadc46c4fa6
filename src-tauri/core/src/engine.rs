//! The session engine: all state of a session in one place, and every
//! decision about it.
//!
//! The engine holds the client's session (invite, consent, name), the
//! lobby, the active meeting (the client's or the counsellor's own), the
//! counsellor's running session, links the meeting offered, a pending
//! invite, and the generation counter that retires background tasks of an
//! ended session. It never touches a window, a process or the network:
//! each input is a method that returns what to do, and the app's runtime
//! (`runtime.rs`) does it — emits, spawns, opens or closes windows.
//!
//! Inputs: commands (open, consent, lobby, cancel, end), lobby probes,
//! watch probes, and what the meeting view reports ([`Input`]: page loads,
//! left hosts, new windows, Jitsi signals, closed). The embedded window and
//! the fallback browser feed the same [`Input`].
//!
//! `B` is the runtime's handle of a meeting running in the fallback
//! browser; the engine only keeps it, so it goes with the session.

use std::time::Duration;

use url::Url;
use zeroize::Zeroizing;

use crate::consent::ConsentRequest;
use crate::counsellor::invitation::{Appointment, Invitation, Letterhead};
use crate::counsellor::start::Handle;
use crate::hosts::{self, HostPattern, UrlProblem, UrlRules};
use crate::i18n::{self, Lang};
use crate::invite::Invite;
use crate::ipc::{ConsentView, EndReason, Ended, LinkOffer, LobbyEvent, MeetingState, RunningView};
use crate::lobby::{self, Lobby, LobbyView, Next, Probe};
use crate::profile::OrgProfile;
use crate::provider::{bbb, jitsi, Meeting, ProviderError};
use crate::receipt::Receipt;
use crate::session::{MeetingTicket, Phase, Session, SessionError};
use crate::wipe::{Removed, SessionDir};

/// Where a session's meeting opens, decided before the lobby.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Embedded,
    Browser(crate::browser::Installed),
}

/// What the meeting view (window or fallback browser) reports. It crosses
/// a pipe when the window runs in its own process (`meeting-view`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A main-frame page finished loading (or committed, in the browser).
    PageLoaded(Url),
    /// The meeting tried to go to this URL outside the allowed hosts.
    LeftHosts(Url),
    /// The meeting asked for a new window, or a link for another program.
    Offer(Url),
    /// The Jitsi host page reported something.
    Signal(jitsi::Signal),
    /// The user closed the meeting window or the browser.
    Closed,
    /// The view's process ended without a word (it crashed).
    Lost,
    /// The device check page said something.
    Check(crate::device_check::Message),
}

/// Where a meeting view pushes its [`Input`]s. The view knows nothing
/// else of the app: the runtime makes the sink when it opens the view.
pub type Sink = std::sync::Arc<dyn Fn(Input) + Send + Sync>;

/// What the runtime does after an [`Input`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// Tell the UI the meeting's state; `reveal` shows the hidden window.
    Show {
        state: MeetingState,
        reveal: bool,
    },
    /// Show the (hidden) meeting window: the Jitsi host page is up.
    Reveal,
    /// Offer a link to the user (emit it).
    Offer(LinkOffer),
    /// End the session (outside the view's own callback).
    End(EndReason, Option<&'static str>),
    /// The join URL stopped on an error page: ask the server why (the
    /// meeting from [`Engine::meeting`]), then end with [`failure_end`].
    ExplainJoinFailure,
    /// A client knocks at the counsellor's own meeting.
    NotifyClientWaiting,
    /// The client is in the meeting, in the meeting window or the fallback
    /// browser: the app's window goes, with its webview, and a small native
    /// status window stands in for it ("Beratung läuft – anzeigen /
    /// verlassen") until the session ends. Once per meeting; `reveal` as in
    /// [`Outcome::Show`].
    ReleaseWindow {
        reveal: bool,
    },
}

/// The lobby's answer to one probe.
#[derive(Debug)]
pub enum LobbyStep {
    /// The session this lobby waited for is over.
    Stale,
    /// Show `event`, then wait `delay` (or until a retry).
    Wait(LobbyEvent, Duration),
    /// Show `event`, then open the meeting.
    Open(LobbyEvent, Box<Launch>),
    /// Show `event`, then end the session as failed with this code.
    Fail(LobbyEvent, &'static str),
}

/// A meeting to open: registered in the engine, not yet on screen.
#[derive(Debug)]
pub struct Launch {
    pub ticket: MeetingTicket,
    pub view: View,
    /// The first URL the view loads.
    pub entry: Url,
    pub generation: u64,
}

/// A device check to open: registered in the engine, not yet on screen.
#[derive(Debug)]
pub struct CheckLaunch {
    pub view: View,
    /// The check page's address.
    pub entry: Url,
    /// Names this check: reports of another are not heard.
    pub id: u64,
    /// Names the page in the meeting view, which serves it under this only.
    pub nonce: String,
}

/// What the runtime does after the check page said something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Nothing,
    /// Tell the UI what was found.
    Found(crate::device_check::Report),
    /// The user is done (or closed the window): close and wipe the check.
    Close,
}

/// A device check that ended: its view and folder go.
#[derive(Debug)]
pub struct ClosedCheck<B> {
    pub browser: Option<B>,
    pub dir: Option<SessionDir>,
    /// It ran in the meeting view's process.
    pub embedded: bool,
}

/// After the view started.
#[derive(Debug)]
pub enum Opened<B> {
    /// Runs; watch the meeting with this probe if it can be watched.
    Running { watch: Option<Box<Meeting>> },
    /// The session ended while the view started: close and wipe these.
    Stale { dir: SessionDir, browser: Option<B> },
}

/// What the meeting watcher's probe means.
#[derive(Debug, PartialEq, Eq)]
pub enum Watch {
    Stale,
    Continue,
    End(EndReason),
}

/// What must go when a session ends. The runtime closes the window and the
/// browser, wipes the folder, then asks [`Teardown::ended`] for the screen.
#[derive(Debug)]
pub struct Teardown<B> {
    pub reason: EndReason,
    pub code: Option<&'static str>,
    /// A meeting ran: its view must close (and its browsing data go).
    pub meeting: Option<ClosedMeeting<B>>,
    /// The app's window was released for the meeting ([`Outcome::ReleaseWindow`]):
    /// it is built again for the "ended" screen.
    pub window_released: bool,
    /// The counsellor's running session, now over.
    pub running: Option<Running>,
    /// There was a client session or a meeting (else only `running`).
    pub had_session: bool,
    /// A device check was open: its view closes, its folder goes.
    pub check: Option<ClosedCheck<B>>,
}

#[derive(Debug)]
pub struct ClosedMeeting<B> {
    pub browser: Option<B>,
    pub dir: Option<SessionDir>,
}

impl<B> Teardown<B> {
    /// The "ended" screen, after the runtime removed what `self` named.
    pub fn ended(&self, removed: Removed, browsing_data_cleared: bool, wipe_complete: bool, lang: Lang) -> Ended {
        Ended {
            reason: self.reason,
            code: self.code,
            message: self.code.map(|c| i18n::t(lang, &format!("error.{c}"))),
            removed,
            browsing_data_cleared,
            wipe_complete,
        }
    }
}

/// The user's cancel or leave, by step.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancel {
    /// Nothing ran and nothing touched the disk: the invite is forgotten,
    /// without an "ended" screen.
    Forgotten,
    /// End the session with this reason.
    End(EndReason),
}

/// Why a link may not be opened in the system browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Bad(UrlProblem),
    NotOffered,
}

/// Where the organisation's copy of a consent receipt goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptDelivery {
    pub url: Url,
    pub json: String,
    pub required: bool,
    pub session_id: String,
}

/// The session a counsellor started, while it runs. Memory only.
#[derive(Debug)]
pub struct Running {
    pub handle: Handle,
    pub invite: Zeroizing<String>,
    pub provider: &'static str,
    /// What the e-mail draft and the calendar file say beyond the link.
    pub letter: Option<Box<Letter>>,
    /// The booking this session was started from: deleted when it ends.
    pub booking: Option<String>,
    /// Invites of further guests (interpreter, relative), memory only.
    pub companions: Vec<Zeroizing<String>>,
}

/// The rest of an invitation: the appointment, the organisation's details,
/// and the client's name (for the calendar entry, when the counsellor asks).
#[derive(Debug)]
pub struct Letter {
    pub appointment: Option<Appointment>,
    pub letterhead: Letterhead,
    pub client_name: Option<Zeroizing<String>>,
}

impl Running {
    pub fn view(&self) -> RunningView {
        let appointment = self.letter.as_ref().is_some_and(|l| l.appointment.is_some());
        RunningView { invite: self.invite.to_string(), provider: self.provider, appointment }
    }

    /// The invitation to send, where the session was started with one.
    pub fn invitation(&self) -> Option<Invitation> {
        let l = self.letter.as_ref()?;
        Some(Invitation { link: self.invite.to_string(), appointment: l.appointment.clone(), letterhead: l.letterhead.clone() })
    }
}

#[derive(Debug)]
struct ActiveMeeting<B> {
    ticket: MeetingTicket,
    embedded: bool,
    /// Set when the meeting runs in the fallback browser.
    browser: Option<B>,
    dir: Option<SessionDir>,
    stage: bbb::Stage,
    /// Names this meeting's host page (Jitsi); other requests get nothing.
    host_nonce: String,
    /// The counsellor's own meeting (started from the app).
    moderator: bool,
    /// The app's window was released for this meeting.
    window_released: bool,
    /// The client chose to join with the camera off.
    camera_off: bool,
}

/// A device check before the lobby.
struct Check<B> {
    id: u64,
    embedded: bool,
    browser: Option<B>,
    dir: Option<SessionDir>,
}

impl<B> Check<B> {
    fn closed(self) -> ClosedCheck<B> {
        ClosedCheck { browser: self.browser, dir: self.dir, embedded: self.embedded }
    }
}

struct LobbyRun {
    /// The client chose to join with the camera off.
    camera_off: bool,
    lobby: Lobby,
    session_id: String,
    scheduled_at: Option<time::OffsetDateTime>,
    /// The policy's host list, which narrows the profile's.
    policy_hosts: Option<Vec<HostPattern>>,
    kind: crate::provider::ProviderKind,
}

pub struct Engine<B> {
    session: Session,
    lobby: Option<LobbyRun>,
    meeting: Option<ActiveMeeting<B>>,
    running: Option<Running>,
    /// Bumped whenever a session ends, so its background tasks stop.
    generation: u64,
    pending_invite: Option<Zeroizing<String>>,
    view: Option<View>,
    /// Links the meeting asked to open, which the user may now confirm.
    offered_links: Vec<Url>,
    /// The profile on the counsellor's consent screen: its links may be
    /// opened like those of a client's session.
    counsellor_profile: Option<OrgProfile>,
    /// Whether the app's window is released during a client's meeting
    /// (where the shell can rebuild it in place: Linux).
    release_window: bool,
    /// The "ended" screen of a session whose window was released, for the
    /// window built after it ([`Engine::take_ended`]).
    pending_ended: Option<Ended>,
    /// The device check, while it is open.
    check: Option<Check<B>>,
    checks: u64,
}

impl<B> Default for Engine<B> {
    fn default() -> Self {
        Engine {
            session: Session::default(),
            lobby: None,
            meeting: None,
            running: None,
            generation: 0,
            pending_invite: None,
            view: None,
            offered_links: Vec::new(),
            counsellor_profile: None,
            release_window: false,
            pending_ended: None,
            check: None,
            checks: 0,
        }
    }
}

impl<B> Engine<B> {
    pub fn phase(&self) -> Phase {
        self.session.phase()
    }

    /// Whether the shell releases its window during a client's meeting (it
    /// can rebuild the window afterwards).
    pub fn set_release_window(&mut self, release: bool) {
        self.release_window = release;
    }

    /// The app's window stands released for the running meeting.
    pub fn window_released(&self) -> bool {
        self.meeting.as_ref().is_some_and(|m| m.window_released)
    }

    /// Keeps the "ended" screen for a window built after the session.
    pub fn keep_ended(&mut self, ended: Ended) {
        self.pending_ended = Some(ended);
    }

    /// The "ended" screen a new window shows first; once.
    pub fn take_ended(&mut self) -> Option<Ended> {
        self.pending_ended.take()
    }

    /// No client session (from the invite to the meeting) and no meeting.
    pub fn is_idle(&self) -> bool {
        self.meeting.is_none() && self.session.current().is_none()
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn is_current(&self, generation: u64) -> bool {
        self.generation == generation
    }

    // ---- invites ----

    /// A link arrived from outside; the UI takes it with `take_pending_invite`.
    /// While the app's window is released for a meeting there is no page to
    /// take it, and the session's end would drop it unseen: it is refused
    /// at once, for the status window to say so (as the page says it).
    pub fn receive_link(&mut self, link: String) -> Result<(), SessionError> {
        let link = Zeroizing::new(link);
        if self.window_released() {
            return Err(SessionError::Busy);
        }
        self.pending_invite = Some(link);
        Ok(())
    }

    pub fn take_pending_invite(&mut self) -> Option<Zeroizing<String>> {
        self.pending_invite.take()
    }

    /// Any meeting, the client's or the counsellor's own, keeps the app
    /// busy; so does a device check, which would outlive a replaced session.
    pub fn ensure_free(&self) -> Result<(), SessionError> {
        if matches!(self.phase(), Phase::Lobby | Phase::Meeting) || self.meeting.is_some() || self.check.is_some() {
            return Err(SessionError::Busy);
        }
        Ok(())
    }

    /// The checked invite with the organisation's profile: the consent screen.
    pub fn open(&mut self, invite: Invite, profile: OrgProfile, lang: Lang) -> Result<ConsentView, SessionError> {
        // Again: a meeting may have started while the profile was fetched.
        self.ensure_free()?;
        let cur = self.session.open(invite, profile)?;
        Ok(ConsentView::of(cur, lang))
    }

    pub fn consent_view(&self, lang: Lang) -> Result<ConsentView, SessionError> {
        let cur = self.session.current().ok_or(SessionError::NoSession)?;
        Ok(ConsentView::of(cur, lang))
    }

    /// The consent gate; then the receipt, and where the organisation wants
    /// its copy (`None`: it wants none).
    pub fn give_consent(&mut self, req: &ConsentRequest, now: time::OffsetDateTime, lang: Lang) -> Result<Option<ReceiptDelivery>, SessionError> {
        self.session.give_consent(req, now)?;
        let cur = self.session.current().ok_or(SessionError::NoSession)?;
        let consent = cur.consent().ok_or(SessionError::NoSession)?;
        let receipt = Receipt::new(&cur.invite, &cur.profile, consent, lang);
        let session_id = cur.id.clone();
        let delivery = cur.profile.consent_receipt_url.as_deref().and_then(|u| Url::parse(u).ok()).map(|url| ReceiptDelivery {
            url,
            json: receipt.to_json(),
            required: cur.profile.consent_receipt_required,
            session_id: session_id.clone(),
        });
        self.session.keep_receipt(&session_id, receipt, false);
        Ok(delivery)
    }

    /// The organisation's copy arrived (or, where required, did not: the
    /// consent is taken back).
    pub fn receipt_delivered(&mut self, d: &ReceiptDelivery, delivered: bool) {
        if delivered {
            let receipt = self.session.current().filter(|c| c.id == d.session_id).and_then(|c| c.receipt()).map(|(r, _)| r.clone());
            if let Some(r) = receipt {
                self.session.keep_receipt(&d.session_id, r, true);
            }
        } else if d.required {
            self.session.withdraw_consent(&d.session_id);
        }
    }

    /// The client's copy of the current consent's receipt: the page and its file name.
    pub fn receipt_page(&self, lang: Lang, offset: time::UtcOffset) -> Option<(String, String)> {
        let cur = self.session.current()?;
        let (r, delivered) = cur.receipt()?;
        Some((r.page(&cur.profile, lang, offset, delivered), r.file_stem(offset)))
    }

    // ---- lobby ----

    /// The cheap checks, before the runtime probes the webview.
    pub fn can_enter_lobby(&self) -> Result<(), SessionError> {
        self.session.can_enter_lobby()
    }

    /// Consent given → the lobby. Returns the meeting to probe and the
    /// generation the lobby task belongs to.
    /// `camera_off`: the client's choice, passed on to the meeting.
    /// A device check must be closed first (the runtime does).
    pub fn enter_lobby(
        &mut self,
        view: View,
        policy_hosts: Option<Vec<HostPattern>>,
        seed: u64,
        camera_off: bool,
    ) -> Result<(Meeting, u64), SessionError> {
        if self.check.is_some() {
            return Err(SessionError::Busy);
        }
        let meeting = self.session.enter_lobby()?;
        let cur = self.session.current().ok_or(SessionError::NoSession)?;
        self.lobby = Some(LobbyRun {
            camera_off,
            lobby: Lobby::new(seed),
            session_id: cur.id.clone(),
            scheduled_at: cur.invite.scheduled_at,
            policy_hosts,
            kind: meeting.kind(),
        });
        self.view = Some(view);
        Ok((meeting, self.generation))
    }

    /// The first thing the lobby screen shows.
    pub fn lobby_checking(&self) -> Option<LobbyEvent> {
        self.lobby.as_ref().map(|l| LobbyEvent { view: LobbyView::Checking, scheduled_at: l.scheduled_at })
    }

    /// The lobby keeps the client out of a Jitsi room until shortly before
    /// the appointment (`lobby::holds`): no request is made meanwhile.
    pub fn lobby_holds(&self, now: time::OffsetDateTime) -> bool {
        self.lobby.as_ref().is_some_and(|l| crate::lobby::holds(l.kind, l.scheduled_at, now))
    }

    /// The user pressed "check now": the lobby starts counting afresh.
    pub fn lobby_retry(&mut self, generation: u64) {
        if let Some(l) = self.lobby.as_mut().filter(|_| self.generation == generation) {
            l.lobby.reset();
        }
    }

    /// One answer from the meeting server while the client waits.
    pub fn on_probe(&mut self, generation: u64, probe: Probe, host_nonce: String) -> LobbyStep {
        if self.generation != generation {
            return LobbyStep::Stale;
        }
        let Some(run) = self.lobby.as_mut() else { return LobbyStep::Stale };
        let (next, view) = run.lobby.on_probe(probe);
        let event = LobbyEvent { view, scheduled_at: run.scheduled_at };
        match next {
            Next::CheckIn(delay) => LobbyStep::Wait(event, delay),
            Next::Stop(e) => LobbyStep::Fail(event, e.code()),
            Next::Open => {
                let run = self.lobby.take().expect("checked above");
                // The consent gate again: the lobby may have outlived a change.
                let ticket = match self.session.start_meeting(&run.session_id) {
                    Ok(mut t) => {
                        t.allowed_hosts = hosts::narrow(&t.allowed_hosts, run.policy_hosts.as_deref());
                        t
                    }
                    Err(e) => return LobbyStep::Fail(event, e.code()),
                };
                let view = self.view.clone().unwrap_or(View::Embedded);
                match self.begin(ticket, view, false, host_nonce, run.camera_off) {
                    Ok(launch) => LobbyStep::Open(event, Box::new(launch)),
                    Err(e) => LobbyStep::Fail(event, e.code()),
                }
            }
        }
    }

    // ---- device check ----

    /// The client asked to check camera and microphone: after the consent,
    /// before the lobby, in the view the meeting would use. One at a time.
    pub fn begin_check(&mut self, view: View, nonce: String) -> Result<CheckLaunch, SessionError> {
        self.session.can_enter_lobby()?;
        if self.check.is_some() || self.meeting.is_some() {
            return Err(SessionError::Busy);
        }
        self.checks += 1;
        let embedded = view == View::Embedded;
        let entry = if embedded { crate::device_check::embedded_url(&nonce) } else { crate::device_check::browser_url() };
        self.check = Some(Check { id: self.checks, embedded, browser: None, dir: None });
        Ok(CheckLaunch { view, entry, id: self.checks, nonce })
    }

    /// The check's view started with this folder (and browser). A check
    /// that ended meanwhile gets its view and folder back, to close and wipe.
    pub fn check_opened(&mut self, id: u64, dir: SessionDir, browser: Option<B>) -> Option<ClosedCheck<B>> {
        match self.check.as_mut() {
            Some(c) if c.id == id => {
                c.dir = Some(dir);
                c.browser = browser;
                None
            }
            _ => Some(ClosedCheck { browser, dir: Some(dir), embedded: false }),
        }
    }

    /// The check's view could not start.
    pub fn abandon_check(&mut self, id: u64) {
        if self.check.as_ref().is_some_and(|c| c.id == id) {
            self.check = None;
        }
    }

    pub fn check_running(&self) -> bool {
        self.check.is_some()
    }

    /// What check `id`'s view reported.
    pub fn on_check_input(&mut self, id: u64, input: Input) -> CheckOutcome {
        if self.check.as_ref().is_none_or(|c| c.id != id) {
            return CheckOutcome::Nothing;
        }
        match input {
            Input::Check(crate::device_check::Message::Report(r)) => CheckOutcome::Found(r),
            Input::Check(crate::device_check::Message::Done) | Input::Closed | Input::Lost => CheckOutcome::Close,
            _ => CheckOutcome::Nothing,
        }
    }

    /// Ends the check, if one is open: its view and folder, to close and wipe.
    pub fn end_check(&mut self) -> Option<ClosedCheck<B>> {
        self.check.take().map(Check::closed)
    }

    // ---- meeting ----

    /// The counsellor's own view of a session they started: the same
    /// isolated view, the same wipe at the end.
    pub fn begin_moderator(
        &mut self,
        mut ticket: MeetingTicket,
        view: View,
        policy_hosts: Option<&[HostPattern]>,
        host_nonce: String,
    ) -> Result<Launch, SessionError> {
        if self.session.phase() != Phase::Idle {
            return Err(SessionError::Busy);
        }
        ticket.allowed_hosts = hosts::narrow(&ticket.allowed_hosts, policy_hosts);
        self.view = Some(view.clone());
        self.begin(ticket, view, true, host_nonce, false)
    }

    /// Registers the meeting before its view exists: the view's first
    /// request needs the nonce. One meeting at a time, whoever started it:
    /// a second would orphan the first one's window, browser and folder.
    fn begin(&mut self, ticket: MeetingTicket, view: View, moderator: bool, host_nonce: String, camera_off: bool) -> Result<Launch, SessionError> {
        if self.meeting.is_some() || self.check.is_some() {
            return Err(SessionError::Busy);
        }
        let lang = i18n::current().base();
        let entry = match (&ticket.meeting, &view) {
            (Meeting::Bbb(b), _) => b.entry(camera_off).clone(),
            (Meeting::Jitsi(_), View::Embedded) => jitsi::host_page_url(&host_nonce),
            (Meeting::Jitsi(j), View::Browser(_)) => jitsi::direct_room_url(j, &ticket.display_name, lang, camera_off),
        };
        self.meeting = Some(ActiveMeeting {
            ticket: ticket.clone(),
            embedded: view == View::Embedded,
            browser: None,
            dir: None,
            stage: bbb::Stage::Joining,
            host_nonce,
            moderator,
            window_released: false,
            camera_off,
        });
        self.pending_ended = None;
        Ok(Launch { ticket, view, entry, generation: self.generation })
    }

    /// The view could not start: nothing stays registered, or the next
    /// start would find the app busy.
    pub fn abandon(&mut self, generation: u64) {
        if self.generation == generation {
            self.meeting = None;
        }
    }

    /// The view started with this folder (and browser, in the fallback).
    pub fn opened(&mut self, generation: u64, dir: SessionDir, browser: Option<B>) -> Opened<B> {
        match self.meeting.as_mut() {
            Some(m) if self.generation == generation => {
                m.dir = Some(dir);
                m.browser = browser;
                let watch = Some(m.ticket.meeting.clone()).filter(Meeting::can_be_watched).map(Box::new);
                Opened::Running { watch }
            }
            // Ended while starting: nothing may outlive the session.
            _ => Opened::Stale { dir, browser },
        }
    }

    /// The running meeting's service, for the runtime's probes.
    pub fn meeting(&self) -> Option<&Meeting> {
        self.meeting.as_ref().map(|m| &m.ticket.meeting)
    }

    /// The meeting's browser, if it runs in one (to bring it to the front).
    pub fn browser(&self) -> Option<&B> {
        self.meeting.as_ref().and_then(|m| m.browser.as_ref())
    }

    /// The watcher's answer: is the meeting still running?
    pub fn on_watch(&self, generation: u64, result: Result<bool, ProviderError>) -> Watch {
        if self.generation != generation || self.meeting.is_none() {
            return Watch::Stale;
        }
        let over = match result {
            Ok(running) => !running,
            Err(e) => !e.is_transient(),
        };
        if over {
            Watch::End(EndReason::Ended)
        } else {
            Watch::Continue
        }
    }

    /// What the meeting view reported.
    pub fn on_input(&mut self, input: Input) -> Outcome {
        let outcome = self.outcome_of(input);
        self.release_when_in(outcome)
    }

    /// A client admitted to the meeting needs the app's window no more
    /// (issue 15): the meeting window or the browser is where the session
    /// is. The counsellor keeps theirs (the invite, "end for everyone").
    fn release_when_in(&mut self, outcome: Outcome) -> Outcome {
        let release = self.release_window;
        match (&outcome, self.meeting.as_mut()) {
            (&Outcome::Show { state: MeetingState::Open, reveal }, Some(m)) if release && !m.moderator && !m.window_released => {
                m.window_released = true;
                Outcome::ReleaseWindow { reveal }
            }
            _ => outcome,
        }
    }

    fn outcome_of(&mut self, input: Input) -> Outcome {
        match input {
            Input::Closed if self.meeting.is_some() => Outcome::End(EndReason::Closed, None),
            Input::Closed => Outcome::Nothing,
            Input::Lost if self.meeting.is_some() => Outcome::End(EndReason::Failed, Some("meeting.failed")),
            Input::Lost => Outcome::Nothing,
            Input::PageLoaded(url) => self.on_page(&url),
            Input::LeftHosts(url) => self.on_left_hosts(url),
            Input::Offer(url) => self.offer(url),
            Input::Signal(s) => self.on_signal(s),
            // The check page speaks to the check only (`on_check_input`).
            Input::Check(_) => Outcome::Nothing,
        }
    }

    fn on_signal(&self, signal: jitsi::Signal) -> Outcome {
        let is_jitsi = self.meeting.as_ref().is_some_and(|m| matches!(m.ticket.meeting, Meeting::Jitsi(_)));
        if !is_jitsi {
            return Outcome::Nothing;
        }
        match signal {
            jitsi::Signal::Knocking => Outcome::Show { state: MeetingState::Knocking, reveal: false },
            jitsi::Signal::Joined => Outcome::Show { state: MeetingState::Open, reveal: false },
            jitsi::Signal::Left => Outcome::End(EndReason::Ended, None),
            jitsi::Signal::Kicked => Outcome::End(EndReason::Removed, None),
            jitsi::Signal::Denied => Outcome::End(EndReason::Denied, None),
            jitsi::Signal::Failed => Outcome::End(EndReason::Failed, Some("meeting.failed")),
            jitsi::Signal::ClientKnocking => Outcome::NotifyClientWaiting,
        }
    }

    fn on_page(&mut self, url: &Url) -> Outcome {
        let Some(m) = self.meeting.as_mut() else { return Outcome::Nothing };
        let b = match &m.ticket.meeting {
            Meeting::Bbb(b) => b,
            // The room page itself, in the fallback browser.
            Meeting::Jitsi(j) if !m.embedded => {
                return if jitsi::in_room(j, url) {
                    Outcome::Show { state: MeetingState::Open, reveal: false }
                } else {
                    Outcome::End(EndReason::Ended, None)
                };
            }
            // Jitsi's own UI shows from the start; signals tell the rest.
            Meeting::Jitsi(_) if jitsi::is_host_url(url) => return Outcome::Reveal,
            Meeting::Jitsi(_) => return Outcome::Nothing,
        };
        match bbb::on_main_frame_load(m.stage, url, &b.join.url, m.ticket.logout_url.as_ref()) {
            bbb::PageEvent::Continue(stage) => {
                m.stage = stage;
                let state = if stage == bbb::Stage::GuestWait { MeetingState::Knocking } else { MeetingState::Open };
                Outcome::Show { state, reveal: m.embedded }
            }
            bbb::PageEvent::Ended => Outcome::End(EndReason::Ended, None),
            bbb::PageEvent::Denied => Outcome::End(EndReason::Denied, None),
            bbb::PageEvent::JoinRefused(err) => failure_end(err),
            bbb::PageEvent::JoinFailed => Outcome::ExplainJoinFailure,
        }
    }

    fn on_left_hosts(&mut self, url: Url) -> Outcome {
        let Some(m) = self.meeting.as_ref() else { return Outcome::Nothing };
        let is_logout = m.ticket.logout_url.as_ref().is_some_and(|l| url.as_str().starts_with(l.as_str()));
        if !is_logout {
            return self.offer(url);
        }
        // BBB refuses a browser join by sending it to the logoutURL with the
        // reason attached.
        match (m.stage, bbb::join_error_in(&url)) {
            (bbb::Stage::Joining, Some(err)) => failure_end(err),
            (bbb::Stage::GuestWait, _) => Outcome::End(EndReason::Denied, None),
            _ => Outcome::End(EndReason::Ended, None),
        }
    }

    /// A link the meeting wanted to open, offered once.
    fn offer(&mut self, url: Url) -> Outcome {
        if !matches!(url.scheme(), "http" | "https") {
            // Another program (mail, phone, an app): neither view starts one.
            // The scheme is no personal data; the address may be.
            log::info!("the meeting asked to open a {}: link; not followed", url.scheme());
            return Outcome::Nothing;
        }
        if self.meeting.is_none() || self.offered_links.contains(&url) {
            return Outcome::Nothing;
        }
        log::debug!("meeting asked to open a link outside the meeting");
        let host = hosts::host_with_port(&url);
        self.offered_links.push(url.clone());
        Outcome::Offer(LinkOffer { url: url.to_string(), host })
    }

    /// The Jitsi host page, for the meeting view of the running meeting
    /// with its nonce, and nothing to anyone else.
    pub fn host_page(&self, from_meeting_view: bool, uri: &str, lang: &str, csp_nonce: &str) -> Option<(String, String)> {
        if !from_meeting_view {
            return None;
        }
        let url = Url::parse(uri).ok()?;
        let nonce = url.query_pairs().find(|(k, _)| k == "n").map(|(_, v)| v.into_owned())?;
        let m = self.meeting.as_ref()?;
        let Meeting::Jitsi(j) = &m.ticket.meeting else { return None };
        if url.path() != "/jitsi" || nonce != m.host_nonce {
            return None;
        }
        Some(jitsi::host_page(j, &m.ticket.display_name, lang, csp_nonce, m.moderator, m.camera_off))
    }

    // ---- counsellor ----

    pub fn counsellor_busy(&self) -> bool {
        self.running.is_some() || self.session.phase() != Phase::Idle || self.meeting.is_some()
    }

    pub fn running(&self) -> Option<&Running> {
        self.running.as_ref()
    }

    pub fn running_mut(&mut self) -> Option<&mut Running> {
        self.running.as_mut()
    }

    /// The counsellor's session exists on the server from now on.
    pub fn set_running(&mut self, running: Running) -> Result<(), SessionError> {
        if self.counsellor_busy() {
            return Err(SessionError::Busy);
        }
        self.running = Some(running);
        Ok(())
    }

    /// The counsellor's consent screen shows this profile's texts and links.
    pub fn show_counsellor_profile(&mut self, p: Option<OrgProfile>) {
        self.counsellor_profile = p;
    }

    // ---- ending ----

    /// Ends whatever runs — consent, lobby, meeting, the counsellor's
    /// session. Safe to call twice; the second call finds nothing to do.
    pub fn end(&mut self, reason: EndReason, code: Option<&'static str>) -> Option<Teardown<B>> {
        self.generation += 1;
        self.offered_links.clear();
        self.pending_invite = None;
        self.view = None;
        self.lobby = None;
        let had_session = self.session.end();
        let meeting = self.meeting.take();
        let running = self.running.take();
        let check = self.check.take().map(Check::closed);
        if !had_session && meeting.is_none() && running.is_none() && check.is_none() {
            return None;
        }
        Some(Teardown {
            reason,
            code,
            had_session: had_session || meeting.is_some(),
            window_released: meeting.as_ref().is_some_and(|m| m.window_released),
            meeting: meeting.map(|m| ClosedMeeting { browser: m.browser, dir: m.dir }),
            running,
            check,
        })
    }

    /// The user pressed cancel or leave: what that means depends on the step.
    pub fn cancel(&mut self) -> Cancel {
        match self.phase() {
            Phase::Meeting => Cancel::End(EndReason::Left),
            Phase::Lobby => Cancel::End(EndReason::Cancelled),
            // A device check touched the disk: it ends like a session, with
            // its wipe on the "ended" screen.
            Phase::AwaitingConsent if self.check.is_some() => Cancel::End(EndReason::Cancelled),
            Phase::AwaitingConsent | Phase::Idle => {
                self.generation += 1;
                self.view = None;
                self.lobby = None;
                self.session.end();
                Cancel::Forgotten
            }
        }
    }

    /// Only links the app itself showed may be opened in the system
    /// browser: links in the consent texts, the withdrawal address, or
    /// links the meeting offered. Anything else is refused, whatever the UI
    /// sends.
    pub fn check_offered(&self, raw: &str, rules: UrlRules) -> Result<Url, LinkRefusal> {
        let url = Url::parse(raw).map_err(|_| LinkRefusal::Bad(UrlProblem::NotAUrl))?;
        let url = if url.scheme() == "mailto" {
            url
        } else {
            let url = hosts::check_remote_url(raw, rules).map_err(LinkRefusal::Bad)?;
            if self.offered_links.contains(&url) {
                return Ok(url);
            }
            url
        };
        // For mailto: the address; otherwise the URL exactly as the text has it.
        let needle = if url.scheme() == "mailto" { url.path() } else { raw };
        let shown =
            self.session.current().is_some_and(|c| c.profile.shows(needle)) || self.counsellor_profile.as_ref().is_some_and(|p| p.shows(needle));
        if shown {
            Ok(url)
        } else {
            Err(LinkRefusal::NotOffered)
        }
    }
}

/// A meeting that could not be joined: the counsellor's "no" is a denial,
/// anything else a failure.
pub fn failure_end(err: ProviderError) -> Outcome {
    let reason = if err == ProviderError::Denied { EndReason::Denied } else { EndReason::Failed };
    Outcome::End(reason, Some(err.code()))
}

/// How long the watcher waits between probes.
pub fn watch_interval(jitter: f64) -> Duration {
    lobby::watch_interval(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::HostPattern;
    use crate::invite;
    use crate::provider::jitsi::JitsiInvite;

    type E = Engine<&'static str>;

    fn now() -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    fn jitsi_ticket() -> MeetingTicket {
        let room = Url::parse("https://meet.example.org/Beratung-1").unwrap();
        MeetingTicket {
            session_id: "s".into(),
            meeting: Meeting::Jitsi(JitsiInvite::new(room, None, now()).unwrap()),
            logout_url: None,
            allowed_hosts: vec![HostPattern::parse("meet.example.org").unwrap()],
            display_name: "Kim".into(),
        }
    }

    fn bbb_ticket() -> MeetingTicket {
        let cs = "0".repeat(40);
        let api = "https://bbb.example.org/bigbluebutton/api";
        let join = Url::parse(&format!("{api}/join?fullName=Kim&meetingID=m-1&role=MODERATOR&checksum={cs}")).unwrap();
        let running = Url::parse(&format!("{api}/isMeetingRunning?meetingID=m-1&checksum={cs}")).unwrap();
        MeetingTicket {
            session_id: "s".into(),
            meeting: Meeting::Bbb(crate::provider::bbb::BbbInvite::for_moderator(join, running).unwrap()),
            logout_url: Some(Url::parse("https://beratung.example.org/bye").unwrap()),
            allowed_hosts: vec![HostPattern::parse("bbb.example.org").unwrap()],
            display_name: "Kim".into(),
        }
    }

    fn dir() -> (tempfile::TempDir, SessionDir) {
        let t = tempfile::tempdir().unwrap();
        let d = SessionDir::create(&crate::wipe::Paths { root: t.path().to_path_buf() }).unwrap();
        (t, d)
    }

    /// A moderator meeting, started and running in `view`.
    fn running(ticket: MeetingTicket, view: View) -> (E, tempfile::TempDir) {
        let mut e = E::default();
        let launch = e.begin_moderator(ticket, view, None, "nonce-1".into()).unwrap();
        let (t, d) = dir();
        let browser = if launch.view == View::Embedded { None } else { Some("browser") };
        assert!(matches!(e.opened(launch.generation, d, browser), Opened::Running { .. }));
        (e, t)
    }

    fn page(e: &mut E, url: &str) -> Outcome {
        e.on_input(Input::PageLoaded(Url::parse(url).unwrap()))
    }

    #[test]
    fn one_meeting_at_a_time_whoever_started_it() {
        let (mut e, _t) = running(jitsi_ticket(), View::Embedded);
        assert_eq!(e.ensure_free(), Err(SessionError::Busy), "no client invite while the counsellor's meeting runs");
        assert_eq!(e.begin_moderator(jitsi_ticket(), View::Embedded, None, "n2".into()).unwrap_err(), SessionError::Busy);
        assert!(e.host_page(true, &format!("{}/jitsi?n=nonce-1", jitsi::host_base()), "de", "c").is_some(), "the first stays as it was");
        assert!(!e.is_idle());
    }

    #[test]
    fn the_host_page_goes_only_to_the_meeting_view_with_its_nonce() {
        let (mut e, _t) = running(jitsi_ticket(), View::Embedded);
        let url = |n: &str| format!("{}/jitsi?n={n}", jitsi::host_base());
        let (html, csp) = e.host_page(true, &url("nonce-1"), "de", "c").expect("served");
        assert!(html.contains("\"displayName\":\"Kim\""));
        assert!(csp.contains("frame-src https://meet.example.org"));
        assert!(e.host_page(false, &url("nonce-1"), "de", "c").is_none(), "not to other windows");
        assert!(e.host_page(true, &url("guess"), "de", "c").is_none(), "not without the nonce");
        assert!(e.host_page(true, &format!("{}/other?n=nonce-1", jitsi::host_base()), "de", "c").is_none());
        e.end(EndReason::Ended, None).unwrap();
        assert!(e.host_page(true, &url("nonce-1"), "de", "c").is_none(), "not after the session");
    }

    #[test]
    fn jitsi_signals_become_screens_and_ends() {
        let (mut e, _t) = running(jitsi_ticket(), View::Embedded);
        let sig = |e: &mut E, s| e.on_input(Input::Signal(s));
        assert_eq!(sig(&mut e, jitsi::Signal::Knocking), Outcome::Show { state: MeetingState::Knocking, reveal: false });
        assert_eq!(sig(&mut e, jitsi::Signal::Joined), Outcome::Show { state: MeetingState::Open, reveal: false });
        assert_eq!(sig(&mut e, jitsi::Signal::Kicked), Outcome::End(EndReason::Removed, None));
        assert_eq!(sig(&mut e, jitsi::Signal::Denied), Outcome::End(EndReason::Denied, None));
        assert_eq!(sig(&mut e, jitsi::Signal::Failed), Outcome::End(EndReason::Failed, Some("meeting.failed")));
        assert_eq!(sig(&mut e, jitsi::Signal::ClientKnocking), Outcome::NotifyClientWaiting);
        assert_eq!(page(&mut e, jitsi::host_page_url("nonce-1").as_ref()), Outcome::Reveal);
        // A BBB meeting takes no Jitsi signal (a page could fake one).
        let (mut b, _t2) = running(bbb_ticket(), View::Embedded);
        assert_eq!(sig(&mut b, jitsi::Signal::Left), Outcome::Nothing);
    }

    #[test]
    fn a_view_that_crashes_ends_the_meeting_as_a_failure() {
        let (mut e, _t) = running(bbb_ticket(), View::Embedded);
        assert_eq!(e.on_input(Input::Lost), Outcome::End(EndReason::Failed, Some("meeting.failed")));
        assert_eq!(e.on_input(Input::Closed), Outcome::End(EndReason::Closed, None), "closed by the user is no failure");
    }

    #[test]
    fn jitsi_in_the_browser_ends_when_the_room_page_goes() {
        let browser = View::Browser(crate::browser::Installed { kind: crate::browser::BrowserKind::Chromium, path: "/usr/bin/chromium".into() });
        let (mut e, _t) = running(jitsi_ticket(), browser);
        assert_eq!(e.browser(), Some(&"browser"));
        assert_eq!(page(&mut e, "https://meet.example.org/Beratung-1#config.x=1"), Outcome::Show { state: MeetingState::Open, reveal: false });
        assert_eq!(page(&mut e, "https://meet.example.org/static/close.html"), Outcome::End(EndReason::Ended, None));
    }

    #[test]
    fn bbb_pages_walk_the_stages() {
        let (mut e, _t) = running(bbb_ticket(), View::Embedded);
        let guest = "https://bbb.example.org/html5client/guestWait?sessionToken=x";
        assert_eq!(page(&mut e, guest), Outcome::Show { state: MeetingState::Knocking, reveal: true });
        // Sent away from BBB's waiting room to the logoutURL: denied.
        let bye = Url::parse("https://beratung.example.org/bye").unwrap();
        assert_eq!(e.on_input(Input::LeftHosts(bye.clone())), Outcome::End(EndReason::Denied, None));
        assert_eq!(
            page(&mut e, "https://bbb.example.org/html5client/join?sessionToken=x"),
            Outcome::Show { state: MeetingState::Open, reveal: true }
        );
        assert_eq!(e.on_input(Input::LeftHosts(bye)), Outcome::End(EndReason::Ended, None));
    }

    #[test]
    fn a_refused_join_says_why() {
        let (mut e, _t) = running(bbb_ticket(), View::Embedded);
        let refused = Url::parse("https://beratung.example.org/bye?errors=%5B%7B%22key%22%3A%22checksumError%22%7D%5D").unwrap();
        assert_eq!(e.on_input(Input::LeftHosts(refused)), failure_end(ProviderError::InviteInvalid));
        let Some(Meeting::Bbb(b)) = e.meeting().cloned() else { unreachable!() };
        assert_eq!(page(&mut e, b.join.url.as_str()), Outcome::ExplainJoinFailure);
        assert_eq!(failure_end(ProviderError::Denied), Outcome::End(EndReason::Denied, Some(ProviderError::Denied.code())));
    }

    #[test]
    fn links_are_offered_once_and_only_web_links() {
        let (mut e, _t) = running(jitsi_ticket(), View::Embedded);
        let link = Url::parse("https://example.com/handout.pdf").unwrap();
        let offer = e.on_input(Input::Offer(link.clone()));
        assert_eq!(offer, Outcome::Offer(LinkOffer { url: link.to_string(), host: "example.com".into() }));
        assert_eq!(e.on_input(Input::Offer(link.clone())), Outcome::Nothing, "once");
        assert_eq!(
            e.on_input(Input::LeftHosts(Url::parse("https://other.example.com/").unwrap())),
            Outcome::Offer(LinkOffer { url: "https://other.example.com/".into(), host: "other.example.com".into() })
        );
        assert_eq!(e.on_input(Input::Offer(Url::parse("mailto:a@example.org").unwrap())), Outcome::Nothing);
        assert_eq!(e.check_offered(link.as_str(), UrlRules::default()), Ok(link.clone()), "an offered link may be opened");
        assert_eq!(e.check_offered("https://example.com/other", UrlRules::default()), Err(LinkRefusal::NotOffered));
        assert_eq!(e.check_offered("not a url", UrlRules::default()), Err(LinkRefusal::Bad(UrlProblem::NotAUrl)));
        e.end(EndReason::Ended, None);
        assert_eq!(e.check_offered(link.as_str(), UrlRules::default()), Err(LinkRefusal::NotOffered), "offers end with the session");
    }

    #[test]
    fn ending_hands_back_everything_once_and_retires_tasks() {
        let (mut e, _t) = running(bbb_ticket(), View::Embedded);
        let gen = e.generation();
        e.set_running(Running {
            handle: Handle::Jitsi { room: "r".into() },
            invite: Zeroizing::new("inv".into()),
            provider: "jitsi",
            letter: None,
            booking: None,
            companions: vec![],
        })
        .unwrap_err();
        let td = e.end(EndReason::Closed, None).expect("something ended");
        let m = td.meeting.expect("the meeting's view must close");
        assert!(m.dir.is_some() && m.browser.is_none());
        assert!(!e.is_current(gen), "the watcher and the lobby of that session stop");
        assert_eq!(e.on_watch(gen, Ok(true)), Watch::Stale);
        assert!(e.end(EndReason::Closed, None).is_none(), "the second end finds nothing");
        assert!(e.is_idle() && e.ensure_free().is_ok());
        assert_eq!(e.on_input(Input::Closed), Outcome::Nothing);
        assert_eq!(e.on_input(Input::Lost), Outcome::Nothing, "a view that ends after its session is no news");
    }

    #[test]
    fn a_session_ended_while_its_view_started_leaves_nothing() {
        let mut e = E::default();
        let launch = e.begin_moderator(jitsi_ticket(), View::Embedded, None, "n".into()).unwrap();
        e.end(EndReason::Quit, None);
        let (_t, d) = dir();
        assert!(matches!(e.opened(launch.generation, d, Some("b")), Opened::Stale { browser: Some("b"), .. }));
        assert!(e.is_idle());
        // A view that failed to start frees the app again.
        let launch = e.begin_moderator(jitsi_ticket(), View::Embedded, None, "n".into()).unwrap();
        e.abandon(launch.generation);
        assert!(e.is_idle() && e.ensure_free().is_ok());
    }

    #[test]
    fn the_watcher_ends_a_meeting_that_stopped_and_rides_out_blips() {
        let (e, _t) = running(bbb_ticket(), View::Embedded);
        let g = e.generation();
        assert_eq!(e.on_watch(g, Ok(true)), Watch::Continue);
        assert_eq!(e.on_watch(g, Err(ProviderError::Net(crate::net::NetError::Timeout))), Watch::Continue);
        assert_eq!(e.on_watch(g, Ok(false)), Watch::End(EndReason::Ended));
        assert_eq!(e.on_watch(g, Err(ProviderError::MeetingNotFound)), Watch::End(EndReason::Ended));
    }

    #[test]
    fn the_counsellor_session_is_kept_once_and_ends_with_the_meeting() {
        let mut e = E::default();
        let run = || Running {
            handle: Handle::Jitsi { room: "r".into() },
            invite: Zeroizing::new("sprechzimmer://join?x".into()),
            provider: "jitsi",
            letter: None,
            booking: None,
            companions: vec![],
        };
        e.set_running(run()).unwrap();
        assert_eq!(e.set_running(run()).unwrap_err(), SessionError::Busy);
        assert_eq!(e.running().unwrap().view(), RunningView { invite: "sprechzimmer://join?x".into(), provider: "jitsi", appointment: false });
        let launch = e.begin_moderator(jitsi_ticket(), View::Embedded, None, "n".into()).unwrap();
        let (_t, d) = dir();
        e.opened(launch.generation, d, None);
        let td = e.end(EndReason::Ended, None).unwrap();
        assert!(td.running.is_some() && td.meeting.is_some(), "one end takes both");
        assert!(e.running().is_none());
        // A running session without a meeting (its view failed) ends too.
        e.set_running(run()).unwrap();
        let td = e.end(EndReason::Failed, None).unwrap();
        assert!(td.running.is_some() && !td.had_session);
    }

    #[test]
    fn cancel_forgets_before_the_lobby_and_ends_after() {
        let mut e = E::default();
        assert_eq!(e.cancel(), Cancel::Forgotten);
        let profile = Url::parse("https://beratung.example.org/p.json").unwrap();
        let link = invite::build_jitsi_link(&profile, &Url::parse("https://meet.example.org/R-1").unwrap(), None, None);
        assert_eq!(e.receive_link(link.clone()), Ok(()));
        assert_eq!(e.take_pending_invite().as_deref().map(String::as_str), Some(link.as_str()));
        assert!(e.take_pending_invite().is_none(), "taken once");
        let (mut m, _t) = running(jitsi_ticket(), View::Embedded);
        m.session = Session::default();
        // A moderator meeting has no client step; leaving it ends it.
        assert_eq!(m.cancel(), Cancel::Forgotten);
    }

    /// A client's whole way: invite, consent, lobby, meeting, end.
    #[test]
    fn a_client_session_from_invite_to_wipe() {
        let (invite, profile) = jitsi_invite();
        let mut e = E::default();
        let view = e.open(invite, profile, Lang::De).unwrap();
        assert!(view.name_editable);
        let browser = chromium();
        assert_eq!(e.enter_lobby(browser.clone(), None, 1, false).unwrap_err().code(), "consent.required", "no lobby without consent");
        e.give_consent(&both_ticked(&e), now(), Lang::De).unwrap();
        e.can_enter_lobby().unwrap();
        let (_meeting, gen) = e.enter_lobby(browser, Some(vec![HostPattern::parse("meet.example.org").unwrap()]), 1, false).unwrap();
        assert_eq!(e.ensure_free(), Err(SessionError::Busy), "no second invite while waiting");
        assert_eq!(e.lobby_checking().unwrap().view, LobbyView::Checking);
        let LobbyStep::Wait(ev, _) = e.on_probe(gen, Probe::NotRunning, "n".into()) else { panic!("waits") };
        assert!(matches!(ev.view, LobbyView::Waiting { .. }));
        let LobbyStep::Open(ev, launch) = e.on_probe(gen, Probe::Running, "n".into()) else { panic!("opens") };
        assert_eq!(ev.view, LobbyView::Opening);
        // In the browser, Jitsi opens the room itself with the chosen name.
        assert_eq!(launch.entry.host_str(), Some("meet.example.org"));
        assert!(launch.entry.as_str().contains("Kim"));
        assert_eq!(e.phase(), Phase::Meeting);
        let (_t, d) = dir();
        let Opened::Running { watch } = e.opened(launch.generation, d, Some("b")) else { panic!("runs") };
        assert!(watch.is_none(), "a Jitsi room is not polled");
        assert_eq!(e.cancel(), Cancel::End(EndReason::Left));
        let td = e.end(EndReason::Left, None).unwrap();
        assert!(td.had_session && td.meeting.is_some_and(|m| m.browser == Some("b") && m.dir.is_some()));
        assert_eq!(e.phase(), Phase::Idle);
    }

    fn chromium() -> View {
        View::Browser(crate::browser::Installed { kind: crate::browser::BrowserKind::Chromium, path: "/c".into() })
    }

    /// A Jitsi invite without a token, and the sample profile.
    fn jitsi_invite() -> (Invite, OrgProfile) {
        let profile = OrgProfile::from_json(&crate::profile::tests::sample().to_string(), UrlRules::default()).unwrap();
        let p = Url::parse("https://beratung.example.org/p.json").unwrap();
        let room = Url::parse("https://meet.example.org/Beratung-7").unwrap();
        (invite::parse(&invite::build_jitsi_link(&p, &room, None, None), UrlRules::default(), now()).unwrap(), profile)
    }

    /// The consent with both boxes ticked, for the session's current texts.
    fn both_ticked(e: &E) -> ConsentRequest {
        let cur = e.session.current().unwrap();
        ConsentRequest {
            session_id: cur.id.clone(),
            privacy_accepted: true,
            terms_accepted: true,
            privacy_digest: cur.profile.privacy_notice.digest(),
            terms_digest: cur.profile.client_terms.digest(),
            display_name: Some("Kim".into()),
        }
    }

    /// A consented Jitsi session, before the lobby.
    fn consented() -> E {
        let (invite, profile) = jitsi_invite();
        let mut e = E::default();
        e.open(invite, profile, Lang::De).unwrap();
        e.give_consent(&both_ticked(&e), now(), Lang::De).unwrap();
        e
    }

    #[test]
    fn the_device_check_runs_between_consent_and_lobby_and_goes_with_its_folder() {
        // Not before the consent.
        let mut fresh = E::default();
        assert_eq!(fresh.begin_check(View::Embedded, "n".into()).unwrap_err(), SessionError::NoSession);
        let mut e = consented();
        // Embedded: the app's page under the meeting view's scheme, with its nonce.
        let launch = e.begin_check(View::Embedded, "nonce1".into()).unwrap();
        assert_eq!(launch.entry, crate::device_check::embedded_url("nonce1"));
        assert_eq!(e.begin_check(View::Embedded, "n2".into()).unwrap_err(), SessionError::Busy, "one check at a time");
        assert_eq!(e.enter_lobby(View::Embedded, None, 1, false).unwrap_err(), SessionError::Busy, "the check closes before the lobby");
        assert_eq!(e.ensure_free(), Err(SessionError::Busy), "no other invite replaces the session while its check runs");
        let (_t, d) = dir();
        assert!(e.check_opened(launch.id, d, None).is_none());
        // What the page found goes to the UI; reports of another check do not.
        let found = crate::device_check::Report { camera: crate::device_check::Found::None, microphone: crate::device_check::Found::Ok };
        let said = |r| Input::Check(crate::device_check::Message::Report(r));
        assert_eq!(e.on_check_input(launch.id, said(found)), CheckOutcome::Found(found));
        assert_eq!(e.on_check_input(launch.id + 1, said(found)), CheckOutcome::Nothing);
        assert_eq!(e.on_input(said(found)), Outcome::Nothing, "the check page cannot speak to a meeting");
        assert_eq!(e.on_check_input(launch.id, Input::PageLoaded(launch.entry.clone())), CheckOutcome::Nothing);
        // "Done", a closed window or a crash: the check closes.
        for input in [Input::Check(crate::device_check::Message::Done), Input::Closed, Input::Lost] {
            assert_eq!(e.on_check_input(launch.id, input), CheckOutcome::Close);
        }
        let closed = e.end_check().unwrap();
        assert!(closed.embedded && closed.dir.is_some(), "its folder goes to the wipe");
        assert!(e.end_check().is_none(), "once");
        assert_eq!(e.on_check_input(launch.id, Input::Closed), CheckOutcome::Nothing, "an ended check is not heard");

        // In the browser: the check's own origin; cancelling it ends like a session.
        let launch = e.begin_check(chromium(), "n3".into()).unwrap();
        assert_eq!(launch.entry, crate::device_check::browser_url());
        let (_t2, d2) = dir();
        assert!(e.check_opened(launch.id, d2, Some("b")).is_none());
        assert_eq!(e.cancel(), Cancel::End(EndReason::Cancelled), "the check touched the disk: cancelled with a wipe");
        let td = e.end(EndReason::Cancelled, None).unwrap();
        let check = td.check.unwrap();
        assert!(check.browser == Some("b") && check.dir.is_some() && !check.embedded);

        // A check that ended while its view started gets its view back to close.
        let mut e = consented();
        let launch = e.begin_check(chromium(), "n".into()).unwrap();
        e.end_check();
        let (_t3, d3) = dir();
        assert!(e.check_opened(launch.id, d3, Some("late")).is_some_and(|c| c.browser == Some("late") && c.dir.is_some()));
    }

    #[test]
    fn the_camera_off_choice_reaches_the_jitsi_room() {
        for camera_off in [false, true] {
            let mut e = consented();
            let (_m, gen) = e.enter_lobby(chromium(), None, 1, camera_off).unwrap();
            let LobbyStep::Open(_, launch) = e.on_probe(gen, Probe::Running, "n".into()) else { panic!("opens") };
            assert_eq!(launch.entry.fragment().unwrap().contains("config.startWithVideoMuted=true"), camera_off);
        }
        let mut e = consented();
        let (_m, gen) = e.enter_lobby(View::Embedded, None, 1, true).unwrap();
        let LobbyStep::Open(_, launch) = e.on_probe(gen, Probe::Running, "nonce".into()) else { panic!("opens") };
        let (html, _) = e.host_page(true, launch.entry.as_str(), "de", "c").unwrap();
        assert!(html.contains("\"startWithVideoMuted\":true"));
    }

    #[test]
    fn an_admitted_client_releases_the_window_once_and_gets_it_back_for_the_end() {
        let open = |e: &mut E| page(e, "https://meet.example.org/Beratung-1#config.x=1");
        // The client's meeting (a moderator meeting made into one).
        let client = |view: View| {
            let (mut e, t) = running(jitsi_ticket(), view);
            e.meeting.as_mut().unwrap().moderator = false;
            e.set_release_window(true);
            (e, t)
        };
        let (mut e, _t) = client(chromium());
        assert!(!e.window_released());
        assert_eq!(open(&mut e), Outcome::ReleaseWindow { reveal: false }, "admitted: the window goes");
        assert!(e.window_released());
        assert_eq!(open(&mut e), Outcome::Show { state: MeetingState::Open, reveal: false }, "once");
        // No page takes a link meanwhile: refused at once, not dropped at the end.
        assert_eq!(e.receive_link("sprechzimmer://join?x=1".into()), Err(SessionError::Busy));
        assert!(e.take_pending_invite().is_none());
        let td = e.end(EndReason::Left, None).unwrap();
        assert!(td.window_released, "the end builds the window again");
        let ended = td.ended(Removed::default(), true, true, Lang::De);
        e.keep_ended(ended);
        assert!(!e.window_released());
        assert_eq!(e.take_ended().map(|x| x.reason), Some(EndReason::Left));
        assert!(e.take_ended().is_none(), "shown once");

        // In the embedded view too; the meeting window is shown as before.
        let (mut e, _t) = client(View::Embedded);
        assert_eq!(e.on_input(Input::Signal(jitsi::Signal::Joined)), Outcome::ReleaseWindow { reveal: false });
        let (mut b, _t) = running(bbb_ticket(), View::Embedded);
        b.meeting.as_mut().unwrap().moderator = false;
        b.set_release_window(true);
        assert_eq!(page(&mut b, "https://bbb.example.org/html5client/join?sessionToken=x"), Outcome::ReleaseWindow { reveal: true });
        // Not the counsellor's own meeting, not where the shell cannot
        // rebuild its window.
        let (mut e, _t) = running(jitsi_ticket(), chromium());
        e.set_release_window(true);
        assert_eq!(open(&mut e), Outcome::Show { state: MeetingState::Open, reveal: false });
        let (mut e, _t) = client(chromium());
        e.set_release_window(false);
        assert_eq!(open(&mut e), Outcome::Show { state: MeetingState::Open, reveal: false });
        assert!(!e.end(EndReason::Left, None).unwrap().window_released);
        // Knocking keeps the window: the client still waits there.
        let (mut e, _t) = client(chromium());
        assert_eq!(e.on_input(Input::Signal(jitsi::Signal::Knocking)), Outcome::Show { state: MeetingState::Knocking, reveal: false });
        assert!(!e.window_released());
        let (mut b, _t) = running(bbb_ticket(), chromium());
        b.meeting.as_mut().unwrap().moderator = false;
        b.set_release_window(true);
        assert_eq!(
            page(&mut b, "https://bbb.example.org/html5client/guestWait?sessionToken=x"),
            Outcome::Show { state: MeetingState::Knocking, reveal: false }
        );
        assert_eq!(page(&mut b, "https://bbb.example.org/html5client/join?sessionToken=x"), Outcome::ReleaseWindow { reveal: false });
    }

    #[test]
    fn a_probe_for_an_ended_lobby_is_stale() {
        let mut e = E::default();
        assert!(matches!(e.on_probe(0, Probe::Running, "n".into()), LobbyStep::Stale), "no lobby");
        e.end(EndReason::Cancelled, None);
        assert!(matches!(e.on_probe(0, Probe::Running, "n".into()), LobbyStep::Stale), "old generation");
    }
}
