//! The seam between the session flow and a meeting service. The flow asks a
//! provider three things: is the meeting open, where does the window go, and
//! what does a page load in that window mean.

pub mod bbb;
pub mod jitsi;

use serde::Serialize;
use url::Url;

use crate::net::{Http, NetError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Bbb,
    Jitsi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("invite is invalid")]
    InviteInvalid,
    #[error("invite is not a guest invite")]
    NotAGuestInvite,
    #[error("invite has expired")]
    InviteExpired,
    #[error("meeting not found")]
    MeetingNotFound,
    #[error("meeting has ended")]
    MeetingEnded,
    #[error("access was denied")]
    Denied,
    #[error("meeting is full")]
    MeetingFull,
    #[error("server sent an answer the app does not understand")]
    BadResponse,
    #[error("server reported an unexpected problem")]
    Unexpected,
    #[error(transparent)]
    Net(#[from] NetError),
}

impl ProviderError {
    pub fn code(self) -> &'static str {
        match self {
            ProviderError::InviteInvalid => "invite.invalid",
            ProviderError::NotAGuestInvite => "invite.not_guest",
            ProviderError::InviteExpired => "invite.expired",
            ProviderError::MeetingNotFound => "meeting.not_found",
            ProviderError::MeetingEnded => "meeting.ended",
            ProviderError::Denied => "meeting.denied",
            ProviderError::MeetingFull => "meeting.full",
            ProviderError::BadResponse => "server.bad_response",
            ProviderError::Unexpected => "server.unexpected",
            ProviderError::Net(n) => n.code(),
        }
    }

    /// Worth asking again later (the lobby keeps polling) rather than giving up.
    pub fn is_transient(self) -> bool {
        matches!(self, ProviderError::Net(_) | ProviderError::BadResponse | ProviderError::Unexpected)
    }
}

/// A meeting the client was invited to, whatever the service.
#[derive(Debug, Clone)]
pub enum Meeting {
    Bbb(bbb::BbbInvite),
    Jitsi(jitsi::JitsiInvite),
}

impl Meeting {
    pub fn kind(&self) -> ProviderKind {
        match self {
            Meeting::Bbb(_) => ProviderKind::Bbb,
            Meeting::Jitsi(_) => ProviderKind::Jitsi,
        }
    }

    /// The URL whose host the organisation must allow.
    pub fn host_url(&self) -> &Url {
        match self {
            Meeting::Bbb(b) => b.meeting_host_url(),
            Meeting::Jitsi(j) => &j.room_url,
        }
    }

    /// The name the client appears under, when the invite fixes it (BBB);
    /// `None` when the client chooses it on the consent screen (Jitsi).
    pub fn display_name(&self) -> Option<&str> {
        match self {
            Meeting::Bbb(b) => Some(&b.display_name),
            Meeting::Jitsi(_) => None,
        }
    }

    /// Has the counsellor opened the room? A Jitsi room opens when someone
    /// joins; its own lobby is the waiting room, so the answer is yes.
    pub async fn is_running(&self, http: &Http) -> Result<bool, ProviderError> {
        match self {
            Meeting::Bbb(b) => {
                let resp = fetch_xml(http, &b.running.url).await?;
                bbb::running_from_response(&resp)
            }
            Meeting::Jitsi(_) => Ok(true),
        }
    }

    /// Whether the app should keep asking the server if the meeting runs.
    pub fn can_be_watched(&self) -> bool {
        matches!(self, Meeting::Bbb(_))
    }

    /// Why the join failed, after the meeting window stopped on the join URL.
    /// A failed join has no side effect on the server, so asking once more
    /// without following the redirect is safe.
    pub async fn explain_join_failure(&self, http: &Http) -> ProviderError {
        match self {
            Meeting::Bbb(b) => match http.get(&b.join.url, "application/xml", bbb::MAX_RESPONSE_BYTES as u64).await {
                Ok(f) if (300..400).contains(&f.status) => ProviderError::Unexpected,
                Ok(f) => match bbb::parse_response(&f.body) {
                    Ok(r) if !r.success => bbb::failure_for(r.message_key.as_deref()),
                    Ok(_) => ProviderError::Unexpected,
                    Err(e) => e,
                },
                Err(e) => ProviderError::Net(e),
            },
            Meeting::Jitsi(_) => ProviderError::Unexpected,
        }
    }
}

pub(crate) async fn fetch_xml(http: &Http, url: &Url) -> Result<bbb::ApiResponse, ProviderError> {
    let f = http.get(url, "application/xml", bbb::MAX_RESPONSE_BYTES as u64).await?;
    if f.status >= 500 {
        return Err(ProviderError::Net(NetError::Status(f.status)));
    }
    bbb::parse_response(&f.body)
}
