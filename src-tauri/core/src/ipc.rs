//! What the UI receives: every event's name next to its payload type, and
//! the views commands return. One casing across IPC: camelCase field
//! names (a test serializes every payload and checks). `ui/contract.js`
//! is generated from [`events::ALL`] and the app's command list.
//!
//! The invite summary that `check-invite` prints keeps its documented
//! snake_case JSON; the UI gets [`SummaryView`] instead.

use serde::Serialize;
use time::OffsetDateTime;

use crate::i18n::Lang;
use crate::invite;
use crate::lobby::LobbyView;
use crate::profile::{Document, OrgProfile};
use crate::provider::ProviderKind;
use crate::session::Current;
use crate::settings::Settings;
use crate::wipe::Removed;

/// The events the Rust side sends to the app window.
pub mod events {
    /// An invite arrived from outside (link, command line, second start).
    pub const INVITE: &str = "app://invite";
    /// The tray asked for a screen.
    pub const SHOW: &str = "app://show";
    pub const LOBBY: &str = "session://lobby";
    pub const MEETING: &str = "session://meeting";
    pub const ENDED: &str = "session://ended";
    pub const EXTERNAL_LINK: &str = "session://external-link";
    /// Where the meeting opens: the app's window or the fallback browser.
    pub const MEETING_VIEW: &str = "session://meeting-view";
    /// The counsellor's session started (its invite) or ended (null).
    pub const RUNNING: &str = "counsellor://running";
    /// The device check before the lobby: open, what it found, closed.
    pub const DEVICE_CHECK: &str = "session://device-check";

    /// Name (as in ui/contract.js) and value of each.
    pub const ALL: &[(&str, &str)] = &[
        ("INVITE", INVITE),
        ("SHOW", SHOW),
        ("LOBBY", LOBBY),
        ("MEETING", MEETING),
        ("ENDED", ENDED),
        ("EXTERNAL_LINK", EXTERNAL_LINK),
        ("MEETING_VIEW", MEETING_VIEW),
        ("RUNNING", RUNNING),
        ("DEVICE_CHECK", DEVICE_CHECK),
    ];
}

/// One event for the app window: its name and its payload, typed together
/// so no event goes out with another's payload.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum UiEvent {
    Invite,
    Show(Option<&'static str>),
    Lobby(LobbyEvent),
    Meeting(MeetingState),
    Ended(Ended),
    ExternalLink(LinkOffer),
    MeetingView(ViewEvent),
    Running(Option<RunningView>),
    DeviceCheck(DeviceCheckEvent),
}

impl UiEvent {
    pub fn name(&self) -> &'static str {
        match self {
            UiEvent::Invite => events::INVITE,
            UiEvent::Show(_) => events::SHOW,
            UiEvent::Lobby(_) => events::LOBBY,
            UiEvent::Meeting(_) => events::MEETING,
            UiEvent::Ended(_) => events::ENDED,
            UiEvent::ExternalLink(_) => events::EXTERNAL_LINK,
            UiEvent::MeetingView(_) => events::MEETING_VIEW,
            UiEvent::Running(_) => events::RUNNING,
            UiEvent::DeviceCheck(_) => events::DEVICE_CHECK,
        }
    }
}

/// How a session ended, as the "ended" screen words it.
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

/// The meeting's progress, as the meeting screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingState {
    Opening,
    Knocking,
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LobbyEvent {
    #[serde(flatten)]
    pub view: LobbyView,
    #[serde(with = "time::serde::rfc3339::option")]
    pub scheduled_at: Option<OffsetDateTime>,
}

/// Where the meeting opens: the app's own window or the fallback browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewEvent {
    pub view: &'static str,
    pub browser: Option<&'static str>,
}

/// The device check's progress: `open`, `found` (with what), `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCheckEvent {
    pub state: &'static str,
    pub found: Option<crate::device_check::Report>,
}

/// A link the meeting wanted to open; the user decides in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkOffer {
    pub url: String,
    pub host: String,
}

/// The counsellor's running session, for the counsellor screen and tray.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningView {
    pub invite: String,
    pub provider: &'static str,
    /// Started with an appointment: a calendar file can be saved.
    pub appointment: bool,
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

/// The invite as the consent screen shows it: no name, no meeting ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryView {
    pub provider: ProviderKind,
    pub profile_host: String,
    pub meeting_host: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub scheduled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl From<invite::Summary> for SummaryView {
    fn from(s: invite::Summary) -> SummaryView {
        SummaryView {
            provider: s.provider,
            profile_host: s.profile_host,
            meeting_host: s.meeting_host,
            scheduled_at: s.scheduled_at,
            expires_at: s.expires_at,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub session_id: String,
    pub organisation: String,
    pub summary: SummaryView,
    pub display_name: Option<String>,
    /// The client chooses the name (Jitsi) instead of the invite fixing it.
    pub name_editable: bool,
    /// The privacy notice, the client terms and how to withdraw.
    #[serde(flatten)]
    pub docs: ConsentDocs,
    pub organisation_lang: String,
    pub support: Option<SupportView>,
    pub feedback_email: Option<String>,
    pub feedback_url: Option<String>,
}

impl ConsentView {
    /// The consent screen for the open session, in `lang`.
    pub fn of(cur: &Current, lang: Lang) -> ConsentView {
        let p = &cur.profile;
        let (organisation_lang, organisation) = p.name.pick(lang);
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
            summary: cur.invite.summary().into(),
            display_name: cur.invite.meeting.display_name().map(str::to_string),
            name_editable: cur.invite.meeting.display_name().is_none(),
            docs: ConsentDocs::new(p, &p.client_terms, lang),
            support,
            feedback_email: feedback.email,
            feedback_url: feedback.url,
        }
    }
}

/// The texts to accept: the client's on the consent screen, a counsellor's
/// when their consent is missing or old.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentDocs {
    pub privacy: DocView,
    pub terms: DocView,
    pub withdrawal_text: String,
    pub withdrawal_lang: String,
    pub withdrawal_email: Option<String>,
    pub withdrawal_url: Option<String>,
}

impl ConsentDocs {
    pub fn new(p: &OrgProfile, terms: &Document, lang: Lang) -> ConsentDocs {
        let (withdrawal_lang, withdrawal_text) = p.withdrawal.text.pick(lang);
        ConsentDocs {
            privacy: DocView::new(&p.privacy_notice, lang),
            terms: DocView::new(terms, lang),
            withdrawal_text: withdrawal_text.to_string(),
            withdrawal_lang: withdrawal_lang.to_string(),
            withdrawal_email: p.withdrawal.email.clone(),
            withdrawal_url: p.withdrawal.url.clone(),
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
    pub provider: ProviderKind,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;

    /// Every object key in `v`, at any depth, that is not camelCase.
    pub fn non_camel_keys(v: &serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, v) in m {
                        if k.contains('_') || k.contains('-') || k.starts_with(|c: char| c.is_ascii_uppercase()) {
                            out.push(k.clone());
                        }
                        stack.push(v);
                    }
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
        out
    }

    fn consent_view() -> ConsentView {
        let profile = OrgProfile::from_json(&crate::profile::tests::sample().to_string(), UrlRules::default()).unwrap();
        let p = url::Url::parse("https://beratung.example.org/p.json").unwrap();
        let room = url::Url::parse("https://meet.example.org:8443/Raum-1").unwrap();
        let at = time::OffsetDateTime::now_utc();
        let invite = invite::parse(&invite::build_jitsi_link(&p, &room, None, Some(at)), UrlRules::default(), at).unwrap();
        let mut s = crate::session::Session::default();
        ConsentView::of(s.open(invite, profile).unwrap(), Lang::De)
    }

    /// Every event and view the UI receives, with every optional field set.
    fn samples() -> Vec<serde_json::Value> {
        let v = |x: &dyn erased::Ser| x.json();
        let ended = Ended {
            reason: EndReason::Failed,
            code: Some("meeting.failed"),
            message: Some("m".into()),
            removed: Removed::default(),
            browsing_data_cleared: true,
            wipe_complete: true,
        };
        let lobby = |view| LobbyEvent { view, scheduled_at: Some(time::OffsetDateTime::UNIX_EPOCH) };
        let mut out = vec![
            v(&UiEvent::Ended(ended)),
            v(&UiEvent::Lobby(lobby(LobbyView::Waiting { next_check_secs: 5 }))),
            v(&UiEvent::Lobby(lobby(LobbyView::Unreachable { code: "net.timeout", next_check_secs: 5 }))),
            v(&UiEvent::ExternalLink(LinkOffer { url: "https://e.org/".into(), host: "e.org".into() })),
            v(&UiEvent::MeetingView(ViewEvent { view: "browser", browser: Some("Chromium") })),
            v(&UiEvent::DeviceCheck(DeviceCheckEvent {
                state: "found",
                found: Some(crate::device_check::Report { camera: crate::device_check::Found::Ok, microphone: crate::device_check::Found::None }),
            })),
            v(&UiEvent::Running(Some(RunningView { invite: "i".into(), provider: "bbb", appointment: false }))),
            v(&consent_view()),
        ];
        let profile = OrgProfile::from_json(&crate::profile::tests::sample().to_string(), UrlRules::default()).unwrap();
        out.push(v(&ConsentDocs::new(&profile, &profile.client_terms, Lang::En)));
        out
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> serde_json::Value;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap()
            }
        }
    }

    #[test]
    fn every_payload_is_camel_case() {
        for s in samples() {
            assert_eq!(non_camel_keys(&s), Vec::<String>::new(), "{s}");
        }
        // The check itself finds what it should.
        assert_eq!(non_camel_keys(&serde_json::json!({"a": [{"meeting_host": 1}]})), vec!["meeting_host".to_string()]);
    }

    #[test]
    fn the_consent_screen_summary_is_camel_case_and_the_cli_summary_is_not() {
        let v = serde_json::to_value(consent_view()).unwrap();
        assert_eq!(v["summary"]["meetingHost"], "meet.example.org:8443");
        assert!(v["summary"]["scheduledAt"].is_string());
        // check-invite's JSON is documented with snake_case keys.
        let inv = invite::parse(
            &invite::build_jitsi_link(
                &url::Url::parse("https://b.example.org/p.json").unwrap(),
                &url::Url::parse("https://meet.example.org/R").unwrap(),
                None,
                None,
            ),
            UrlRules::default(),
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        assert!(serde_json::to_value(inv.summary()).unwrap().get("meeting_host").is_some());
    }

    #[test]
    fn events_carry_their_own_names() {
        let names: Vec<&str> = [
            UiEvent::Invite,
            UiEvent::Show(None),
            UiEvent::Lobby(LobbyEvent { view: LobbyView::Checking, scheduled_at: None }),
            UiEvent::Meeting(MeetingState::Open),
            UiEvent::Running(None),
        ]
        .iter()
        .map(UiEvent::name)
        .collect();
        assert_eq!(names, [events::INVITE, events::SHOW, events::LOBBY, events::MEETING, events::RUNNING]);
        assert_eq!(serde_json::to_value(UiEvent::Meeting(MeetingState::Knocking)).unwrap(), "knocking");
        assert_eq!(serde_json::to_value(UiEvent::Invite).unwrap(), serde_json::Value::Null);
        assert_eq!(serde_json::to_value(UiEvent::Show(Some("counsellor"))).unwrap(), "counsellor");
    }
}
