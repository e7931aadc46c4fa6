//! The client's session as a state machine: invite → consent → lobby →
//! meeting → ended. Every step re-checks the consent, so no path to a
//! meeting skips it, whatever order the UI calls things in.

use serde::Serialize;
use time::OffsetDateTime;
use url::Url;
use zeroize::Zeroize;

use crate::consent::{self, Consent, ConsentError, ConsentRequest};
use crate::invite::Invite;
use crate::profile::OrgProfile;
use crate::provider::Meeting;
use crate::receipt::Receipt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Idle,
    AwaitingConsent,
    Lobby,
    Meeting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("no invite is open")]
    NoSession,
    #[error("a session is already running")]
    Busy,
    #[error("not possible in this step of the session")]
    WrongStep,
    #[error("a name to appear under is needed")]
    NameRequired,
    #[error(transparent)]
    Consent(#[from] ConsentError),
}

impl SessionError {
    pub fn code(self) -> &'static str {
        match self {
            SessionError::NoSession => "session.none",
            SessionError::Busy => "session.busy",
            SessionError::WrongStep => "session.wrong_step",
            SessionError::NameRequired => "consent.name_required",
            SessionError::Consent(c) => c.code(),
        }
    }
}

pub struct Current {
    pub id: String,
    pub invite: Invite,
    pub profile: OrgProfile,
    consent: Option<Consent>,
    chosen_name: Option<String>,
    /// The receipt of the consent, and whether the organisation got its copy.
    receipt: Option<(Receipt, bool)>,
}

impl Current {
    /// The name the client appears under: fixed by the invite or chosen.
    pub fn display_name(&self) -> Option<&str> {
        self.invite.meeting.display_name().or(self.chosen_name.as_deref())
    }

    pub fn consent(&self) -> Option<&Consent> {
        self.consent.as_ref()
    }

    /// The consent's receipt and whether it was delivered, once consent is given.
    pub fn receipt(&self) -> Option<(&Receipt, bool)> {
        self.receipt.as_ref().map(|(r, d)| (r, *d))
    }

    fn require_consent(&self) -> Result<&Consent, SessionError> {
        let c = self.consent.as_ref().ok_or(ConsentError::Missing)?;
        consent::still_valid(c, &self.id, &self.profile)?;
        Ok(c)
    }
}

/// What the meeting window needs, handed out only past the consent gate.
#[derive(Debug, Clone)]
pub struct MeetingTicket {
    pub session_id: String,
    pub meeting: Meeting,
    pub logout_url: Option<Url>,
    pub allowed_hosts: Vec<crate::hosts::HostPattern>,
    pub display_name: String,
}

impl Drop for MeetingTicket {
    fn drop(&mut self) {
        crate::scrub::text(&mut self.session_id);
        crate::scrub::text(&mut self.display_name);
        if let Some(u) = self.logout_url.as_mut() {
            crate::scrub::url(u);
        }
    }
}

pub struct Session {
    phase: Phase,
    current: Option<Current>,
}

impl Default for Session {
    fn default() -> Self {
        Session { phase: Phase::Idle, current: None }
    }
}

impl Session {
    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn current(&self) -> Option<&Current> {
        self.current.as_ref()
    }

    /// Opens an invite for consent. Replaces an invite still waiting for
    /// consent; refuses while a lobby or meeting runs.
    pub fn open(&mut self, invite: Invite, profile: OrgProfile) -> Result<&Current, SessionError> {
        if matches!(self.phase, Phase::Lobby | Phase::Meeting) {
            return Err(SessionError::Busy);
        }
        self.end();
        self.current =
            Some(Current { id: hex::encode(rand::random::<[u8; 16]>()), invite, profile, consent: None, chosen_name: None, receipt: None });
        self.phase = Phase::AwaitingConsent;
        Ok(self.current.as_ref().expect("just set"))
    }

    pub fn give_consent(&mut self, req: &ConsentRequest, now: OffsetDateTime) -> Result<(), SessionError> {
        if self.phase != Phase::AwaitingConsent {
            return Err(SessionError::WrongStep);
        }
        let cur = self.current.as_mut().ok_or(SessionError::NoSession)?;
        let chosen = match cur.invite.meeting.display_name() {
            Some(_) => None,
            None => Some(valid_name(req.display_name.as_deref()).ok_or(SessionError::NameRequired)?),
        };
        let consent = consent::grant(req, &cur.id, &cur.profile, now)?;
        cur.chosen_name = chosen;
        cur.consent = Some(consent);
        cur.receipt = None;
        Ok(())
    }

    /// Keeps the consent's receipt with the session it belongs to.
    pub fn keep_receipt(&mut self, session_id: &str, receipt: Receipt, delivered: bool) {
        if let Some(cur) = self.current.as_mut().filter(|c| c.id == session_id && c.consent.is_some()) {
            cur.receipt = Some((receipt, delivered));
        }
    }

    /// Takes back a consent whose required receipt did not reach the
    /// organisation: the client stays on the consent screen.
    pub fn withdraw_consent(&mut self, session_id: &str) {
        if let Some(cur) = self.current.as_mut().filter(|c| c.id == session_id) {
            cur.consent = None;
            cur.receipt = None;
        }
    }

    /// Consent → lobby. Returns what the lobby polls.
    pub fn enter_lobby(&mut self) -> Result<Meeting, SessionError> {
        self.can_enter_lobby()?;
        self.phase = Phase::Lobby;
        Ok(self.current.as_ref().expect("checked").invite.meeting.clone())
    }

    /// The checks of `enter_lobby`, without moving on.
    pub fn can_enter_lobby(&self) -> Result<(), SessionError> {
        let cur = self.current.as_ref().ok_or(SessionError::NoSession)?;
        cur.require_consent()?;
        if self.phase != Phase::AwaitingConsent {
            return Err(SessionError::WrongStep);
        }
        Ok(())
    }

    /// Lobby → meeting, for the session the lobby was started for.
    pub fn start_meeting(&mut self, session_id: &str) -> Result<MeetingTicket, SessionError> {
        let cur = self.current.as_ref().ok_or(SessionError::NoSession)?;
        cur.require_consent()?;
        if self.phase != Phase::Lobby || cur.id != session_id {
            return Err(SessionError::WrongStep);
        }
        self.phase = Phase::Meeting;
        Ok(MeetingTicket {
            session_id: cur.id.clone(),
            meeting: cur.invite.meeting.clone(),
            logout_url: cur.invite.logout_url.clone(),
            allowed_hosts: cur.profile.meeting_hosts.clone(),
            display_name: cur.display_name().unwrap_or_default().to_string(),
        })
    }

    /// Back to idle, forgetting invite, consent and name. Returns whether
    /// there was anything to forget.
    pub fn end(&mut self) -> bool {
        self.phase = Phase::Idle;
        match self.current.take() {
            Some(cur) => {
                scrub(cur);
                true
            }
            None => false,
        }
    }
}

/// Names are free to choose, within reason: 1–64 characters, no control
/// characters.
fn valid_name(name: Option<&str>) -> Option<String> {
    let n = name?.trim();
    let len = n.chars().count();
    ((1..=64).contains(&len) && !n.chars().any(char::is_control)).then(|| n.to_string())
}

/// Overwrites the copies of the link and the name that the session owns
/// before their memory is released.
fn scrub(cur: Current) {
    let Current { mut id, invite, profile, consent, chosen_name, receipt } = cur;
    drop(receipt);
    id.zeroize();
    if let Some(mut n) = chosen_name {
        n.zeroize();
    }
    drop((profile, consent));
    let Invite { profile_url, meeting, logout_url, .. } = invite;
    let mut urls: Vec<Url> = vec![profile_url];
    urls.extend(logout_url);
    // The meeting's own types zero their URLs, IDs, names and tokens on drop.
    drop(meeting);
    for u in urls {
        String::from(u).zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    fn profile() -> OrgProfile {
        OrgProfile::from_json(&crate::profile::tests::sample().to_string(), UrlRules::default()).unwrap()
    }

    fn invite() -> Invite {
        let cs = "0".repeat(40);
        let p = Url::parse("https://beratung.example.org/p.json").unwrap();
        let j =
            Url::parse(&format!("https://bbb.example.org/bigbluebutton/api/join?fullName=Kim&meetingID=m-1234&guest=true&checksum={cs}")).unwrap();
        let r = Url::parse(&format!("https://bbb.example.org/bigbluebutton/api/isMeetingRunning?meetingID=m-1234&checksum={cs}")).unwrap();
        crate::invite::parse(&crate::invite::build_bbb_link(&p, &j, &r, None, None), UrlRules::default(), NOW).unwrap()
    }

    fn req(s: &Session, privacy: bool, terms: bool) -> ConsentRequest {
        let cur = s.current().unwrap();
        ConsentRequest {
            session_id: cur.id.clone(),
            privacy_accepted: privacy,
            terms_accepted: terms,
            privacy_digest: cur.profile.privacy_notice.digest(),
            terms_digest: cur.profile.client_terms.digest(),
            display_name: None,
        }
    }

    #[test]
    fn happy_path() {
        let mut s = Session::default();
        s.open(invite(), profile()).unwrap();
        let r = req(&s, true, true);
        s.give_consent(&r, NOW).unwrap();
        s.enter_lobby().unwrap();
        let id = s.current().unwrap().id.clone();
        let t = s.start_meeting(&id).unwrap();
        assert_eq!(t.session_id, id);
        assert_eq!(s.phase(), Phase::Meeting);
        assert!(s.end());
        assert_eq!(s.phase(), Phase::Idle);
        assert!(s.current().is_none());
    }

    #[test]
    fn no_lobby_and_no_meeting_without_consent() {
        let mut s = Session::default();
        assert_eq!(s.enter_lobby().unwrap_err(), SessionError::NoSession);
        s.open(invite(), profile()).unwrap();
        assert_eq!(s.enter_lobby().unwrap_err().code(), "consent.required");
        let id = s.current().unwrap().id.clone();
        assert_eq!(s.start_meeting(&id).unwrap_err().code(), "consent.required");
        let r = req(&s, true, false);
        assert_eq!(s.give_consent(&r, NOW).unwrap_err().code(), "consent.required");
        assert_eq!(s.enter_lobby().unwrap_err().code(), "consent.required");
        assert_eq!(s.phase(), Phase::AwaitingConsent);
    }

    #[test]
    fn meeting_only_from_the_lobby() {
        let mut s = Session::default();
        s.open(invite(), profile()).unwrap();
        let r = req(&s, true, true);
        s.give_consent(&r, NOW).unwrap();
        let id = s.current().unwrap().id.clone();
        assert_eq!(s.start_meeting(&id).unwrap_err(), SessionError::WrongStep);
        s.enter_lobby().unwrap();
        assert_eq!(s.start_meeting("another").unwrap_err(), SessionError::WrongStep);
    }

    #[test]
    fn a_new_invite_needs_a_new_consent() {
        let mut s = Session::default();
        s.open(invite(), profile()).unwrap();
        let r = req(&s, true, true);
        s.give_consent(&r, NOW).unwrap();
        s.open(invite(), profile()).unwrap();
        assert_eq!(s.enter_lobby().unwrap_err().code(), "consent.required");
        // The old request names the old session.
        assert_eq!(s.give_consent(&r, NOW).unwrap_err().code(), "consent.wrong_session");
    }

    fn jitsi_invite() -> Invite {
        let p = Url::parse("https://beratung.example.org/p.json").unwrap();
        let room = Url::parse("https://bbb.example.org/Beratung-1").unwrap();
        crate::invite::parse(&crate::invite::build_jitsi_link(&p, &room, None, None), UrlRules::default(), NOW).unwrap()
    }

    fn jitsi_profile() -> OrgProfile {
        let mut v = crate::profile::tests::sample();
        v["providers"] = serde_json::json!(["bbb", "jitsi"]);
        OrgProfile::from_json(&v.to_string(), UrlRules::default()).unwrap()
    }

    #[test]
    fn jitsi_needs_a_chosen_name() {
        let mut s = Session::default();
        s.open(jitsi_invite(), jitsi_profile()).unwrap();
        let mut r = req(&s, true, true);
        assert_eq!(s.give_consent(&r, NOW).unwrap_err(), SessionError::NameRequired);
        r.display_name = Some("   ".into());
        assert_eq!(s.give_consent(&r, NOW).unwrap_err(), SessionError::NameRequired);
        r.display_name = Some("x".repeat(65));
        assert_eq!(s.give_consent(&r, NOW).unwrap_err(), SessionError::NameRequired);
        r.display_name = Some("  Kim  ".into());
        s.give_consent(&r, NOW).unwrap();
        s.enter_lobby().unwrap();
        let id = s.current().unwrap().id.clone();
        assert_eq!(s.start_meeting(&id).unwrap().display_name, "Kim");
    }

    #[test]
    fn bbb_keeps_the_invited_name() {
        let mut s = Session::default();
        s.open(invite(), profile()).unwrap();
        let mut r = req(&s, true, true);
        r.display_name = Some("Someone else".into());
        s.give_consent(&r, NOW).unwrap();
        s.enter_lobby().unwrap();
        let id = s.current().unwrap().id.clone();
        assert_eq!(s.start_meeting(&id).unwrap().display_name, "Kim");
    }

    #[test]
    fn busy_while_in_lobby() {
        let mut s = Session::default();
        s.open(invite(), profile()).unwrap();
        let r = req(&s, true, true);
        s.give_consent(&r, NOW).unwrap();
        s.enter_lobby().unwrap();
        assert_eq!(s.open(invite(), profile()).err(), Some(SessionError::Busy));
    }
}
