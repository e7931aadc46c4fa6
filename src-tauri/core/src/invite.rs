//! Invite links, format v1 (see docs/invite-format.md):
//!
//! `sprechzimmer://join?v=1&provider=bbb&profile=…&join=…&running=…[&at=…][&exp=…][&logout=…]`
//! `sprechzimmer://join?v=1&provider=jitsi&profile=…&room=…[&jwt=…][&at=…][&exp=…]`
//!
//! A plain Jitsi room link (`https://meet.example.org/Room`) works too when
//! the app knows the organisation's profile. So does an invite on the
//! organisation's invite page, `https://…/join.html#v=1&provider=…`: the
//! fragment is the invite's query, and the page itself is never contacted.
//!
//! An invite carries no secret: only presigned URLs that the server checks.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

use crate::hosts::{self, UrlProblem, UrlRules};
use crate::provider::{bbb::BbbInvite, jitsi::JitsiInvite, Meeting, ProviderError, ProviderKind};

pub const SCHEME: &str = "sprechzimmer";
pub const MAX_LINK_LEN: usize = 8192;
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("not an invite link")]
    NotAnInvite,
    #[error("invite link too long")]
    TooLong,
    #[error("invite link is malformed")]
    Malformed,
    #[error("invite version not supported")]
    UnsupportedVersion,
    #[error("invite names an unknown provider")]
    UnknownProvider,
    #[error("invite is missing {0}")]
    Missing(&'static str),
    #[error("invite field {0} is not a safe URL: {1}")]
    BadUrl(&'static str, UrlProblem),
    #[error("invite time is invalid")]
    BadTime,
    #[error("invite has expired")]
    Expired,
    #[error("no organisation is set up for plain room links")]
    NoOrganisation,
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl InviteError {
    pub fn code(&self) -> &'static str {
        match self {
            InviteError::NotAnInvite => "invite.not_an_invite",
            InviteError::TooLong => "invite.too_long",
            InviteError::Malformed | InviteError::Missing(_) | InviteError::BadTime => "invite.malformed",
            InviteError::UnsupportedVersion => "invite.unsupported_version",
            InviteError::UnknownProvider => "invite.unknown_provider",
            InviteError::BadUrl(_, p) => p.code(),
            InviteError::Expired => "invite.expired",
            InviteError::NoOrganisation => "invite.no_organisation",
            InviteError::Provider(p) => p.code(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Invite {
    pub profile_url: Url,
    pub meeting: Meeting,
    pub scheduled_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    /// Where the meeting sends people when it is over, if the creator set one.
    pub logout_url: Option<Url>,
    /// SHA-256 (hex) of the link as issued (`sprechzimmer://join?…`, also
    /// for a link on the invite page; a plain room link as it is): ties a
    /// consent receipt to this invite without revealing it.
    pub fingerprint: String,
}

fn fingerprint(link: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(link.as_bytes()))
}

/// What `check-invite` prints and the UI shows before consent. No name, no
/// meeting ID: the summary may end up in a support ticket.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub version: u32,
    pub provider: ProviderKind,
    pub profile_host: String,
    pub meeting_host: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub scheduled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl Invite {
    pub fn summary(&self) -> Summary {
        Summary {
            version: VERSION,
            provider: self.meeting.kind(),
            profile_host: crate::hosts::host_with_port(&self.profile_url),
            meeting_host: crate::hosts::host_with_port(self.meeting.host_url()),
            scheduled_at: self.scheduled_at,
            expires_at: self.expires_at,
        }
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }
}

const FIELDS: &[&str] = &["v", "provider", "profile", "join", "join_novideo", "running", "room", "jwt", "at", "exp", "logout"];

/// Any link a client may bring: an invite, or a plain Jitsi room link, which
/// needs the organisation's profile from the app's setup (`default_profile`).
pub fn parse_any(link: &str, rules: UrlRules, now: OffsetDateTime, default_profile: Option<&Url>) -> Result<Invite, InviteError> {
    let t = link.trim();
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        if let Some(invite) = from_page(t)? {
            return parse(&invite, rules, now);
        }
        return parse_room_link(t, rules, now, default_profile);
    }
    parse(link, rules, now)
}

/// The invite an invite-page link carries after `#`, as a `sprechzimmer:`
/// link; `None` for a link without one (a room link).
fn from_page(link: &str) -> Result<Option<String>, InviteError> {
    let Some((page, fragment)) = link.split_once('#') else { return Ok(None) };
    if !fragment.starts_with("v=") {
        return Ok(None);
    }
    if link.len() > MAX_LINK_LEN {
        return Err(InviteError::TooLong);
    }
    // The page is where the browser went; the invite decides everything.
    // It must still be a page the app could name, not a trick address.
    let page = Url::parse(page).map_err(|_| InviteError::Malformed)?;
    if !matches!(page.scheme(), "https" | "http") || page.query().is_some() || !page.username().is_empty() || page.password().is_some() {
        return Err(InviteError::Malformed);
    }
    Ok(Some(format!("{SCHEME}://join?{fragment}")))
}

/// The invite as a link to the organisation's invite page: `page#<query>`.
/// Mail programs open https links; the page hands the invite to the app,
/// and the fragment never reaches the page's server.
pub fn on_page(page: &Url, link: &str) -> String {
    let query = link.split_once('?').map_or("", |(_, q)| q);
    let mut page = page.clone();
    page.set_fragment(None);
    page.set_query(None);
    format!("{page}#{query}")
}

fn parse_room_link(link: &str, rules: UrlRules, now: OffsetDateTime, default_profile: Option<&Url>) -> Result<Invite, InviteError> {
    if link.len() > MAX_LINK_LEN {
        return Err(InviteError::TooLong);
    }
    let url = hosts::check_remote_url(link, rules).map_err(|p| InviteError::BadUrl("room", p))?;
    // Hash overrides could switch the privacy settings back on: refused.
    if url.fragment().is_some() {
        return Err(InviteError::Malformed);
    }
    let mut jwt = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "jwt" if jwt.is_none() => jwt = Some(v.into_owned()),
            _ => return Err(InviteError::NotAnInvite),
        }
    }
    let room = JitsiInvite::new(url, jwt, now).map_err(|e| match e {
        ProviderError::InviteInvalid => InviteError::NotAnInvite,
        other => InviteError::Provider(other),
    })?;
    let profile_url = default_profile.cloned().ok_or(InviteError::NoOrganisation)?;
    Ok(Invite { profile_url, meeting: Meeting::Jitsi(room), scheduled_at: None, expires_at: None, logout_url: None, fingerprint: fingerprint(link) })
}

/// Parses and checks an invite. `now` decides expiry, so tests stay exact.
pub fn parse(link: &str, rules: UrlRules, now: OffsetDateTime) -> Result<Invite, InviteError> {
    let link = link.trim();
    if link.len() > MAX_LINK_LEN {
        return Err(InviteError::TooLong);
    }
    let lower = link.to_ascii_lowercase();
    if !lower.starts_with("sprechzimmer://join?") && !lower.starts_with("sprechzimmer://join/?") {
        return Err(InviteError::NotAnInvite);
    }
    if link.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(InviteError::Malformed);
    }
    let url = Url::parse(link).map_err(|_| InviteError::Malformed)?;
    if url.scheme() != SCHEME
        || url.host_str() != Some("join")
        || !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
        || !(url.path().is_empty() || url.path() == "/")
        || url.fragment().is_some()
    {
        return Err(InviteError::Malformed);
    }

    let mut fields: std::collections::HashMap<String, String> = Default::default();
    for (k, v) in url.query_pairs() {
        if !FIELDS.contains(&k.as_ref()) {
            return Err(InviteError::Malformed);
        }
        // One value per key: a second one would be read differently by someone.
        if fields.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(InviteError::Malformed);
        }
    }
    let take = |k: &'static str| fields.get(k).map(String::as_str);
    let require = |k: &'static str| take(k).ok_or(InviteError::Missing(k));

    match require("v")?.parse::<u32>() {
        Ok(VERSION) => {}
        Ok(_) => return Err(InviteError::UnsupportedVersion),
        Err(_) => return Err(InviteError::Malformed),
    }
    let url_field = |k: &'static str, raw: &str| hosts::check_remote_url(raw, rules).map_err(|p| InviteError::BadUrl(k, p));
    let profile_url = url_field("profile", require("profile")?)?;
    let meeting = match require("provider")? {
        "bbb" => {
            let join = url_field("join", require("join")?)?;
            let running = url_field("running", require("running")?)?;
            let novideo = take("join_novideo").map(|raw| url_field("join_novideo", raw)).transpose()?;
            if take("room").is_some() || take("jwt").is_some() {
                return Err(InviteError::Malformed);
            }
            Meeting::Bbb(BbbInvite::new(join, running)?.with_novideo(novideo)?)
        }
        "jitsi" => {
            let room = url_field("room", require("room")?)?;
            if take("join").is_some() || take("join_novideo").is_some() || take("running").is_some() || room.query().is_some() {
                return Err(InviteError::Malformed);
            }
            Meeting::Jitsi(JitsiInvite::new(room, take("jwt").map(str::to_string), now)?)
        }
        _ => return Err(InviteError::UnknownProvider),
    };
    let time_field = |k: &'static str| -> Result<Option<OffsetDateTime>, InviteError> {
        take(k).map(|s| OffsetDateTime::parse(s, &Rfc3339).map_err(|_| InviteError::BadTime)).transpose()
    };
    let invite = Invite {
        profile_url,
        meeting,
        scheduled_at: time_field("at")?,
        expires_at: time_field("exp")?,
        logout_url: take("logout").map(|s| url_field("logout", s)).transpose()?,
        fingerprint: fingerprint(link),
    };
    if invite.is_expired(now) {
        return Err(InviteError::Expired);
    }
    Ok(invite)
}

/// Builds a v1 BBB invite link (used by the demo, the tests and, later, the
/// counsellor side).
pub fn build_bbb_link(profile: &Url, join: &Url, running: &Url, at: Option<OffsetDateTime>, logout: Option<&Url>) -> String {
    build_bbb_link_with(profile, join, None, running, at, logout)
}

/// A v1 BBB invite link with the camera-off join beside the guest join.
pub fn build_bbb_link_with(
    profile: &Url,
    join: &Url,
    novideo: Option<&Url>,
    running: &Url,
    at: Option<OffsetDateTime>,
    logout: Option<&Url>,
) -> String {
    let mut u = Url::parse("sprechzimmer://join").expect("static URL");
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("v", &VERSION.to_string())
            .append_pair("provider", "bbb")
            .append_pair("profile", profile.as_str())
            .append_pair("join", join.as_str());
        if let Some(n) = novideo {
            q.append_pair("join_novideo", n.as_str());
        }
        q.append_pair("running", running.as_str());
        if let Some(at) = at {
            q.append_pair("at", &at.format(&Rfc3339).expect("RFC 3339 formats any time"));
        }
        if let Some(l) = logout {
            q.append_pair("logout", l.as_str());
        }
    }
    u.to_string()
}

/// Builds a v1 Jitsi invite link.
pub fn build_jitsi_link(profile: &Url, room: &Url, jwt: Option<&str>, at: Option<OffsetDateTime>) -> String {
    let mut u = Url::parse("sprechzimmer://join").expect("static URL");
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("v", &VERSION.to_string())
            .append_pair("provider", "jitsi")
            .append_pair("profile", profile.as_str())
            .append_pair("room", room.as_str());
        if let Some(jwt) = jwt {
            q.append_pair("jwt", jwt);
        }
        if let Some(at) = at {
            q.append_pair("at", &at.format(&Rfc3339).expect("RFC 3339 formats any time"));
        }
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const RULES: UrlRules = UrlRules { allow_loopback_http: false };
    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    #[test]
    fn an_invite_on_the_organisations_page_is_the_same_invite() {
        let p = Url::parse("https://beratung.example.org/p.json").unwrap();
        let room = Url::parse("https://meet.example.org/Beratung-42").unwrap();
        let link = build_jitsi_link(&p, &room, None, Some(datetime!(2026-11-22 11:00 +01:00)));
        let page = Url::parse("https://beratung.example.org/termine/join.html").unwrap();
        let https = on_page(&page, &link);
        assert!(https.starts_with("https://beratung.example.org/termine/join.html#v=1&provider=jitsi&profile="), "{https}");
        let a = parse_any(&https, RULES, NOW, None).unwrap();
        let b = parse(&link, RULES, NOW).unwrap();
        assert_eq!(a.summary(), b.summary());
        assert_eq!(a.fingerprint, b.fingerprint, "the same invite, the same fingerprint");
        assert_eq!(b.fingerprint.len(), 64);
        assert_eq!(a.meeting.host_url(), &room);
        // The invite's own rules hold inside the fragment.
        let tampered = https.replace("v=1", "v=9");
        assert_eq!(parse_any(&tampered, RULES, NOW, None).unwrap_err().code(), "invite.unsupported_version");
        let insecure = on_page(&page, &link.replace("https%3A%2F%2Fmeet", "http%3A%2F%2Fmeet"));
        assert_eq!(parse_any(&insecure, RULES, NOW, None).unwrap_err().code(), "url.insecure");
        let extra = format!("{https}&evil=1");
        assert_eq!(parse_any(&extra, RULES, NOW, None).unwrap_err().code(), "invite.malformed");
        // A room link's own fragment is still refused (Jitsi's hash overrides).
        let hash = "https://meet.example.org/Beratung-42#config.startWithVideoMuted=false";
        assert!(parse_any(hash, RULES, NOW, Some(&p)).is_err());
        // Odd pages around a valid invite.
        let fragment = https.split_once('#').unwrap().1;
        for page in ["https://u:pw@beratung.example.org/j.html", "https://beratung.example.org/j.html?x=1", "https://exa mple.org/j"] {
            assert!(parse_any(&format!("{page}#{fragment}"), RULES, NOW, None).is_err(), "{page}");
        }
        assert_eq!(
            parse_any(&format!("https://beratung.example.org/#{}", "v=1&".repeat(3000)), RULES, NOW, None).unwrap_err().code(),
            "invite.too_long"
        );
    }

    fn urls(host: &str) -> (Url, Url, Url) {
        let cs = "0".repeat(40);
        (
            Url::parse("https://beratung.example.org/sprechzimmer.json").unwrap(),
            Url::parse(&format!("https://{host}/bigbluebutton/api/join?fullName=Kim+K.&meetingID=m-abcdef&guest=true&checksum={cs}")).unwrap(),
            Url::parse(&format!("https://{host}/bigbluebutton/api/isMeetingRunning?meetingID=m-abcdef&checksum={cs}")).unwrap(),
        )
    }

    fn link() -> String {
        let (p, j, r) = urls("bbb.example.org");
        build_bbb_link(&p, &j, &r, Some(datetime!(2026-11-22 11:00 UTC)), None)
    }

    #[test]
    fn round_trip() {
        let inv = parse(&link(), RULES, NOW).unwrap();
        assert_eq!(inv.meeting.display_name(), Some("Kim K."));
        assert_eq!(inv.scheduled_at, Some(datetime!(2026-11-22 11:00 UTC)));
        let s = inv.summary();
        assert_eq!(s.meeting_host, "bbb.example.org");
        assert_eq!(s.profile_host, "beratung.example.org");
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("Kim"), "summary must not carry the name: {json}");
        assert!(!json.contains("m-abcdef"), "summary must not carry the meeting id");
    }

    #[test]
    fn tolerates_surrounding_whitespace() {
        assert!(parse(&format!("  {}\n", link()), RULES, NOW).is_ok());
    }

    #[test]
    fn malformed_links() {
        let l = link();
        for (bad, code) in [
            ("", "invite.not_an_invite"),
            ("hello", "invite.not_an_invite"),
            ("https://bbb.example.org/b/abc-def", "invite.not_an_invite"),
            ("sprechzimmer://other?v=1", "invite.not_an_invite"),
            ("sprechzimmer://join?", "invite.malformed"),
            (&l.replace("v=1", "v=2"), "invite.unsupported_version"),
            (&l.replace("v=1", "v=one"), "invite.malformed"),
            (&l.replace("provider=bbb", "provider=zoom"), "invite.unknown_provider"),
            (&format!("{l}&v=1"), "invite.malformed"),
            (&format!("{l}&extra=1"), "invite.malformed"),
            (&format!("{l}#frag"), "invite.malformed"),
            (&l.replace("sprechzimmer://join?", "sprechzimmer://user:pw@join?"), "invite.not_an_invite"),
            (&l.replace("at=2026", "at=yesterday"), "invite.malformed"),
        ] {
            let err = parse(bad, RULES, NOW).unwrap_err();
            assert_eq!(err.code(), code, "{bad}: {err:?}");
        }
    }

    #[test]
    fn hostile_embedded_urls() {
        let (p, j, r) = urls("bbb.example.org");
        let cases: Vec<(String, &str)> = vec![
            (build_bbb_link(&Url::parse("javascript:alert(1)").unwrap(), &j, &r, None, None), "url.scheme"),
            (build_bbb_link(&Url::parse("file:///etc/passwd").unwrap(), &j, &r, None, None), "url.scheme"),
            (build_bbb_link(&Url::parse("data:application/json,{}").unwrap(), &j, &r, None, None), "url.scheme"),
            (build_bbb_link(&Url::parse("https://u:p@beratung.example.org/p.json").unwrap(), &j, &r, None, None), "url.credentials"),
            (build_bbb_link(&Url::parse("http://beratung.example.org/p.json").unwrap(), &j, &r, None, None), "url.insecure"),
            (build_bbb_link(&p, &j, &r, None, Some(&Url::parse("javascript:alert(1)").unwrap())), "url.scheme"),
        ];
        for (bad, code) in cases {
            assert_eq!(parse(&bad, RULES, NOW).unwrap_err().code(), code, "{bad}");
        }
        // Punycode look-alike of the meeting host (Cyrillic "а").
        let (p, j, r) = urls("bbb.ex\u{0430}mple.org");
        assert_eq!(parse(&build_bbb_link(&p, &j, &r, None, None), RULES, NOW).unwrap_err().code(), "url.look_alike");
        // Loopback http is refused unless explicitly allowed.
        let (p, j, r) = urls("127.0.0.1:9999");
        let j = Url::parse(&j.as_str().replace("https", "http")).unwrap();
        let r = Url::parse(&r.as_str().replace("https", "http")).unwrap();
        let l = build_bbb_link(&p, &j, &r, None, None);
        assert_eq!(parse(&l, RULES, NOW).unwrap_err().code(), "url.insecure");
        assert!(parse(&l, UrlRules { allow_loopback_http: true }, NOW).is_ok());
    }

    #[test]
    fn oversized_links() {
        let big = format!("{}&logout=https://x.example.org/{}", link(), "a".repeat(MAX_LINK_LEN));
        assert_eq!(parse(&big, RULES, NOW).unwrap_err(), InviteError::TooLong);
    }

    #[test]
    fn moderator_links_are_refused() {
        let (p, j, r) = urls("bbb.example.org");
        let j = Url::parse(&j.as_str().replace("guest=true", "guest=true&role=MODERATOR")).unwrap();
        assert_eq!(parse(&build_bbb_link(&p, &j, &r, None, None), RULES, NOW).unwrap_err().code(), "invite.not_guest");
    }

    #[test]
    fn the_camera_off_join_must_be_the_same_guest_join() {
        let (p, j, r) = urls("bbb.example.org");
        let cs = "0".repeat(40);
        let on = Url::parse(&format!("{}&userdata-bbb_auto_share_webcam=true", j.as_str().replace(&format!("&checksum={cs}"), ""))).unwrap();
        let on = Url::parse(&format!("{on}&checksum={cs}")).unwrap();
        let off = |extra: &str| Url::parse(&format!("{}{extra}", on.as_str().replace("webcam=true", "webcam=false"))).unwrap();
        let inv = parse(&build_bbb_link_with(&p, &on, Some(&off("")), &r, None, None), RULES, NOW).unwrap();
        let Meeting::Bbb(b) = &inv.meeting else { panic!("bbb") };
        assert_eq!(b.entry(false), &on);
        assert_eq!(b.entry(true), &off(""), "the client's camera-off choice picks the other join");
        let plain = parse(&link(), RULES, NOW).unwrap();
        let Meeting::Bbb(b) = &plain.meeting else { panic!("bbb") };
        assert_eq!(b.entry(true), &b.join.url, "without one, the guest join as it is");
        // Not another person, meeting, role or camera.
        for bad in [
            Url::parse(&on.as_str().replace("webcam=true", "webcam=true&x=1")).unwrap(),
            Url::parse(&off("").as_str().replace("Kim+K.", "Eve")).unwrap(),
            Url::parse(&off("").as_str().replace("m-abcdef", "m-other")).unwrap(),
            Url::parse(&off("").as_str().replace("guest=true", "guest=false")).unwrap(),
            Url::parse(&off("").as_str().replace("bbb.example.org", "bbb2.example.org")).unwrap(),
            on.clone(),
        ] {
            let err = parse(&build_bbb_link_with(&p, &on, Some(&bad), &r, None, None), RULES, NOW).unwrap_err();
            assert!(matches!(err.code(), "invite.invalid" | "url.look_alike" | "invite.malformed"), "{bad}: {}", err.code());
        }
        // Only in a BigBlueButton invite.
        let room = Url::parse("https://meet.example.org/R-1").unwrap();
        let jitsi = format!(
            "{}&join_novideo={}",
            build_jitsi_link(&p, &room, None, None),
            url::form_urlencoded::byte_serialize(off("").as_str().as_bytes()).collect::<String>()
        );
        assert_eq!(parse(&jitsi, RULES, NOW).unwrap_err(), InviteError::Malformed);
    }

    #[test]
    fn jitsi_invites() {
        let p = Url::parse("https://beratung.example.org/p.json").unwrap();
        let room = Url::parse("https://meet.example.org/Beratung-8c1e").unwrap();
        let inv = parse(&build_jitsi_link(&p, &room, None, None), RULES, NOW).unwrap();
        assert_eq!(inv.meeting.kind(), ProviderKind::Jitsi);
        assert_eq!(inv.meeting.display_name(), None, "the client chooses the name");
        assert_eq!(inv.summary().meeting_host, "meet.example.org");
        for (bad, code) in [
            (build_jitsi_link(&p, &Url::parse("javascript:alert(1)").unwrap(), None, None), "url.scheme"),
            (build_jitsi_link(&p, &Url::parse("https://meet.example.org/a/b").unwrap(), None, None), "invite.invalid"),
            (build_jitsi_link(&p, &Url::parse("https://meet.example.org/R?x=1").unwrap(), None, None), "invite.malformed"),
            (build_jitsi_link(&p, &room, Some("not-a-jwt"), None), "invite.invalid"),
            (build_jitsi_link(&p, &Url::parse("https://meet.ex\u{0430}mple.org/R").unwrap(), None, None), "url.look_alike"),
        ] {
            assert_eq!(parse(&bad, RULES, NOW).unwrap_err().code(), code, "{bad}");
        }
    }

    #[test]
    fn plain_room_links() {
        let org = Url::parse("https://beratung.example.org/p.json").unwrap();
        let ok = parse_any("https://meet.example.org/Beratung-1", RULES, NOW, Some(&org)).unwrap();
        assert_eq!(ok.profile_url, org);
        assert!(matches!(ok.meeting, Meeting::Jitsi(_)));
        let err = |l: &str, org: Option<&Url>| parse_any(l, RULES, NOW, org).unwrap_err().code();
        assert_eq!(err("https://meet.example.org/Beratung-1", None), "invite.no_organisation");
        assert_eq!(err("https://meet.example.org/R#config.disableThirdPartyRequests=false", Some(&org)), "invite.malformed");
        assert_eq!(err("https://meet.example.org/R?utm=1", Some(&org)), "invite.not_an_invite");
        assert_eq!(err("https://meet.example.org/", Some(&org)), "invite.not_an_invite");
        assert_eq!(err("http://meet.example.org/R", Some(&org)), "url.insecure");
        assert_eq!(err("https://user:pw@meet.example.org/R", Some(&org)), "url.credentials");
        // Invites still go through the same door.
        assert!(parse_any(&link(), RULES, NOW, None).is_ok());
    }

    #[test]
    fn expiry() {
        let l = format!("{}&exp=2026-11-22T09:00:00Z", link());
        assert_eq!(parse(&l, RULES, NOW).unwrap_err(), InviteError::Expired);
        let l = format!("{}&exp=2026-11-22T12:00:00Z", link());
        assert!(parse(&l, RULES, NOW).is_ok());
    }
}
