//! Starting and ending a counselling session on the organisation's server,
//! with counselling-safe defaults. Window-free: the app and the command
//! line both use it.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;
use url::Url;

use super::bookings::{Booking, MeetingRef};
use super::{Access, Account, CounsellorError};
use crate::invite;
use crate::net::Http;
use crate::provider::{bbb, fetch_xml, ProviderError};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The client's name or a pseudonym, shown in the meeting.
    pub client_name: Option<String>,
    /// When the session is planned; the client's lobby counts down to it.
    pub at: Option<OffsetDateTime>,
    /// Starting a booked session: its meeting, and the invite sent ahead.
    pub booked: Option<Booking>,
}

/// How the counsellor enters: a moderator join (BBB), or the room with a
/// moderator token (Jitsi).
#[derive(Debug, Clone)]
pub enum ModeratorEntry {
    Bbb { join: Url, running: Url },
    Jitsi { room_url: Url, jwt: Option<String> },
}

/// What ending the session needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handle {
    Bbb { meeting_id: String },
    Jitsi { room: String },
}

#[derive(Debug, Clone)]
pub struct Started {
    pub moderator: ModeratorEntry,
    pub client_invite: String,
    pub handle: Handle,
    /// Where the meeting sends people when it ends (BBB).
    pub logout: Option<Url>,
}

fn random_hex(bytes: usize) -> String {
    let v: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    hex::encode(v)
}

fn guest_name(lang: &str) -> &'static str {
    if lang == "en" {
        "Guest"
    } else {
        "Gast"
    }
}

/// A signed BBB API call: sha256 checksum over call name, query and secret.
pub fn signed(api: &Url, call: &str, params: &[(&str, String)], secret: &str) -> Url {
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let checksum = bbb::checksum(bbb::ChecksumAlgo::Sha256, call, &query, secret);
    let mut u = api.join(call).expect("call names are relative paths");
    u.set_query(Some(&format!("{query}&checksum={checksum}")));
    u
}

/// `create` for counselling: a long random ID, the counsellor admits every
/// guest, nothing is recorded, the meeting ends when the counsellor is
/// gone, no learning dashboard, no personal data in the name or `meta_`.
pub fn create_params(meeting_id: &str, logout: &Url, lang: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", if lang == "en" { "Counselling" } else { "Beratung" }.to_string()),
        ("meetingID", meeting_id.to_string()),
        ("guestPolicy", "ASK_MODERATOR".into()),
        ("record", "false".into()),
        ("autoStartRecording", "false".into()),
        ("allowStartStopRecording", "false".into()),
        ("endWhenNoModerator", "true".into()),
        ("endWhenNoModeratorDelayInMinutes", "1".into()),
        ("meetingExpireWhenLastUserLeftInMinutes", "1".into()),
        ("disabledFeatures", "learningDashboard".into()),
        ("logoutURL", logout.to_string()),
    ]
}

/// Where meetings send people at the end: a fixed address on the
/// organisation's own site that the apps recognise from the invite.
pub fn logout_url(profile: &Url) -> Url {
    let mut u = profile.join("/").expect("origin");
    u.set_query(Some("sprechzimmer=ended"));
    u
}

async fn bbb_call(http: &Http, url: &Url) -> Result<bbb::ApiResponse, CounsellorError> {
    let resp = fetch_xml(http, url).await?;
    if !resp.success && resp.message_key.as_deref() == Some("checksumError") {
        return Err(CounsellorError::WrongSecret);
    }
    Ok(resp)
}

/// Asks the server something harmless, signed: a wrong secret shows here,
/// at setup, not in front of a client.
pub async fn check_bbb_secret(http: &Http, api: &Url, secret: &str) -> Result<(), CounsellorError> {
    let url = signed(api, "isMeetingRunning", &[("meetingID", format!("sz-check-{}", random_hex(8)))], secret);
    let resp = bbb_call(http, &url).await?;
    if resp.success {
        Ok(())
    } else {
        Err(bbb::failure_for(resp.message_key.as_deref()).into())
    }
}

pub async fn start_bbb(http: &Http, account: &Account, api: &Url, secret: &str, opts: &Options, lang: &str) -> Result<Started, CounsellorError> {
    let meeting_id = match opts.booked.as_ref().map(|b| &b.meeting) {
        Some(MeetingRef::Bbb { meeting_id }) => meeting_id.clone(),
        Some(MeetingRef::Jitsi { .. }) => return Err(CounsellorError::Invalid("provider")),
        None => format!("sz-{}", random_hex(16)),
    };
    let logout = logout_url(&account.profile);
    let resp = bbb_call(http, &signed(api, "create", &create_params(&meeting_id, &logout, lang), secret)).await?;
    if !resp.success {
        return Err(bbb::failure_for(resp.message_key.as_deref()).into());
    }
    let create_time = resp.create_time.ok_or(ProviderError::BadResponse)?;
    let common = |name: &str, role: &str| {
        vec![
            ("fullName", name.to_string()),
            ("meetingID", meeting_id.clone()),
            ("role", role.to_string()),
            ("createTime", create_time.clone()),
            ("userdata-bbb_override_default_locale", lang.to_string()),
            ("userdata-bbb_ask_for_feedback_on_logout", "false".to_string()),
        ]
    };
    let moderator = signed(api, "join", &common(&account.display_name, "MODERATOR"), secret);
    let client_name = opts.client_name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(guest_name(lang));
    let mut client = common(client_name, "VIEWER");
    client.insert(3, ("guest", "true".to_string()));
    let (join, novideo) = camera_pair(api, &client, secret);
    let running = signed(api, "isMeetingRunning", &[("meetingID", meeting_id.clone())], secret);
    let client_invite = match &opts.booked {
        // The invite sent ahead stays the one to hand out.
        Some(b) => booked_bbb_invite(account, api, secret, b, lang),
        None => invite::build_bbb_link_with(&account.profile, &join, Some(&novideo), &running, opts.at, Some(&logout)),
    };
    Ok(Started {
        moderator: ModeratorEntry::Bbb { join: moderator, running: running.clone() },
        client_invite,
        handle: Handle::Bbb { meeting_id },
        logout: Some(logout),
    })
}

/// A booking's client invite, ready before the meeting exists: the guest
/// join is presigned without `createTime`, so it fits the meeting created
/// under this ID when the counsellor starts the session.
pub fn booked_bbb_invite(account: &Account, api: &Url, secret: &str, b: &Booking, lang: &str) -> String {
    let MeetingRef::Bbb { meeting_id } = &b.meeting else { unreachable!("a BBB booking") };
    guest_bbb_invite(account, api, secret, meeting_id, &b.pseudonym, lang, Some(b.at))
}

/// A guest's join twice, signed: with the camera on at entry (BBB shows
/// its preview first, where the client can still decline) and off, which
/// the client can choose before the lobby (`join_novideo`).
fn camera_pair(api: &Url, params: &[(&str, String)], secret: &str) -> (Url, Url) {
    let with = |on: &str| {
        let mut p = params.to_vec();
        p.push((bbb::CAMERA_AT_ENTRY, on.to_string()));
        signed(api, "join", &p, secret)
    };
    (with("true"), with("false"))
}

/// A guest's invite to a BBB meeting by its ID, presigned without
/// `createTime`: waiting-roomed (`guest=true`) like every client.
fn guest_bbb_invite(account: &Account, api: &Url, secret: &str, meeting_id: &str, name: &str, lang: &str, at: Option<OffsetDateTime>) -> String {
    let (join, novideo) = camera_pair(
        api,
        &[
            ("fullName", name.to_string()),
            ("meetingID", meeting_id.to_string()),
            ("role", "VIEWER".to_string()),
            ("guest", "true".to_string()),
            ("userdata-bbb_override_default_locale", lang.to_string()),
            ("userdata-bbb_ask_for_feedback_on_logout", "false".to_string()),
        ],
        secret,
    );
    let running = signed(api, "isMeetingRunning", &[("meetingID", meeting_id.to_string())], secret);
    invite::build_bbb_link_with(&account.profile, &join, Some(&novideo), &running, at, Some(&logout_url(&account.profile)))
}

/// A further guest of the running session — an interpreter, a sign-language
/// interpreter, a relative: an invite of its own, under its own name, and
/// waiting to be let in like the client.
pub fn companion_invite(
    account: &Account,
    secret: Option<&str>,
    handle: &Handle,
    name: &str,
    lang: &str,
    now: OffsetDateTime,
) -> Result<String, CounsellorError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(CounsellorError::Invalid("companion_name"));
    }
    match (handle, &account.access) {
        (Handle::Bbb { meeting_id }, Access::Bbb { api }) => {
            Ok(guest_bbb_invite(account, api, secret.ok_or(CounsellorError::SecretMissing)?, meeting_id, name, lang, None))
        }
        (Handle::Jitsi { room }, Access::Jitsi { server, jwt_app_id }) => {
            let room_url = server.join(room).expect("room names are path segments");
            let jwt = match (jwt_app_id, secret) {
                (Some(app), Some(secret)) => {
                    let token =
                        JitsiToken { app_id: app, server, room, exp: now + time::Duration::hours(12), nbf: now - time::Duration::seconds(60) };
                    Some(token.sign(secret, name, false))
                }
                (Some(_), None) => return Err(CounsellorError::SecretMissing),
                (None, _) => None,
            };
            Ok(invite::build_jitsi_link(&account.profile, &room_url, jwt.as_deref(), None))
        }
        _ => Err(CounsellorError::Invalid("provider")),
    }
}

/// A booking's client invite for Jitsi: the room, and with token
/// authentication a guest token valid from 30 minutes before the
/// appointment until an hour after its end.
pub fn booked_jitsi_invite(account: &Account, secret: Option<&str>, b: &Booking) -> Result<String, CounsellorError> {
    let Access::Jitsi { server, jwt_app_id } = &account.access else { return Err(CounsellorError::Invalid("provider")) };
    let MeetingRef::Jitsi { room } = &b.meeting else { return Err(CounsellorError::Invalid("provider")) };
    let room_url = server.join(room).expect("room names are path segments");
    let jwt = match (jwt_app_id, secret) {
        (Some(app), Some(secret)) => {
            let exp = b.at + time::Duration::minutes(i64::from(b.minutes) + 60);
            let token = JitsiToken { app_id: app, server, room, exp, nbf: b.at - time::Duration::minutes(30) };
            Some(token.sign(secret, &b.pseudonym, false))
        }
        (Some(_), None) => return Err(CounsellorError::SecretMissing),
        (None, _) => None,
    };
    Ok(invite::build_jitsi_link(&account.profile, &room_url, jwt.as_deref(), Some(b.at)))
}

/// Ends the meeting for everyone. A meeting that is already over is fine.
pub async fn end_bbb(http: &Http, api: &Url, secret: &str, meeting_id: &str) -> Result<(), CounsellorError> {
    let resp = bbb_call(http, &signed(api, "end", &[("meetingID", meeting_id.to_string())], secret)).await?;
    match (resp.success, resp.message_key.as_deref()) {
        (true, _) | (false, Some("notFound")) => Ok(()),
        (false, key) => Err(bbb::failure_for(key).into()),
    }
}

/// HMAC-SHA256 (RFC 2104) for Jitsi's HS256 tokens.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// What a room's Jitsi tokens share; each participant's token adds a name
/// and a role.
pub struct JitsiToken<'a> {
    pub app_id: &'a str,
    pub server: &'a Url,
    pub room: &'a str,
    pub exp: OffsetDateTime,
    /// Not valid before.
    pub nbf: OffsetDateTime,
}

impl JitsiToken<'_> {
    /// An HS256 token as Jitsi's token authentication expects it.
    pub fn sign(&self, secret: &str, name: &str, moderator: bool) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let header = json!({ "alg": "HS256", "typ": "JWT" });
        let claims = json!({
            "iss": self.app_id,
            "aud": "jitsi",
            "sub": self.server.host_str().unwrap_or_default(),
            "room": self.room,
            "nbf": self.nbf.unix_timestamp(),
            "exp": self.exp.unix_timestamp(),
            "moderator": moderator,
            "context": { "user": { "name": name, "moderator": moderator.to_string() } },
        });
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig = hmac_sha256(secret.as_bytes(), signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&sig))
    }
}

pub fn start_jitsi(account: &Account, secret: Option<&str>, opts: &Options, now: OffsetDateTime) -> Result<Started, CounsellorError> {
    let Access::Jitsi { server, jwt_app_id } = &account.access else { return Err(CounsellorError::Invalid("provider")) };
    let room = match opts.booked.as_ref().map(|b| &b.meeting) {
        Some(MeetingRef::Jitsi { room }) => room.clone(),
        Some(MeetingRef::Bbb { .. }) => return Err(CounsellorError::Invalid("provider")),
        None => format!("Beratung-{}", random_hex(12)),
    };
    let room_url = server.join(&room).expect("room names are path segments");
    let (client_jwt, moderator_jwt) = match (jwt_app_id, secret) {
        (Some(app), Some(secret)) => {
            let start = opts.at.unwrap_or(now).max(now);
            let exp = start + time::Duration::hours(12);
            let client_name = opts.client_name.as_deref().unwrap_or("");
            let token = JitsiToken { app_id: app, server, room: &room, exp, nbf: now - time::Duration::seconds(60) };
            (Some(token.sign(secret, client_name, false)), Some(token.sign(secret, &account.display_name, true)))
        }
        (Some(_), None) => return Err(CounsellorError::SecretMissing),
        (None, _) => (None, None),
    };
    let client_invite = match &opts.booked {
        Some(b) => booked_jitsi_invite(account, secret, b)?,
        None => invite::build_jitsi_link(&account.profile, &room_url, client_jwt.as_deref(), opts.at),
    };
    Ok(Started { moderator: ModeratorEntry::Jitsi { room_url, jwt: moderator_jwt }, client_invite, handle: Handle::Jitsi { room }, logout: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2: key "Jefe".
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    #[test]
    fn create_is_counselling_safe_and_signed() {
        let api = Url::parse("https://bbb.example.org/bigbluebutton/api/").unwrap();
        let logout = logout_url(&Url::parse("https://beratung.example.org/sz/profile.json").unwrap());
        assert_eq!(logout.as_str(), "https://beratung.example.org/?sprechzimmer=ended");
        let id = format!("sz-{}", random_hex(16));
        let url = signed(&api, "create", &create_params(&id, &logout, "de"), "s3cret");
        assert_eq!(url.path(), "/bigbluebutton/api/create");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        for (k, v) in [
            ("guestPolicy", "ASK_MODERATOR"),
            ("record", "false"),
            ("autoStartRecording", "false"),
            ("allowStartStopRecording", "false"),
            ("endWhenNoModerator", "true"),
            ("name", "Beratung"),
        ] {
            assert_eq!(q[k], v, "{k}");
        }
        assert_eq!(q["meetingID"].len(), 35, "128 random bits");
        assert!(!q.keys().any(|k| k.starts_with("meta_")), "no personal data in meta_");
        // The checksum is over the query exactly as sent.
        let query = url.query().unwrap();
        let (plain, cs) = query.rsplit_once("&checksum=").unwrap();
        assert_eq!(cs, bbb::checksum(bbb::ChecksumAlgo::Sha256, "create", plain, "s3cret"));
    }

    #[test]
    fn jitsi_tokens_are_room_bound_and_accepted_by_the_client() {
        let profile = Url::parse("https://beratung.example.org/profile.json").unwrap();
        let access = Access::Jitsi { server: Url::parse("https://meet.example.org/").unwrap(), jwt_app_id: Some("sprechzimmer".into()) };
        let account = Account::new(profile.as_str(), access, "Beratung Nord", UrlRules::default()).unwrap();
        let now = OffsetDateTime::now_utc();
        let opts = Options { client_name: Some("Kim".into()), at: None, booked: None };
        let s = start_jitsi(&account, Some("app-secret"), &opts, now).unwrap();
        let ModeratorEntry::Jitsi { room_url, jwt: Some(mod_jwt) } = &s.moderator else { panic!("moderator token") };
        let Handle::Jitsi { room } = &s.handle else { panic!() };
        assert!(room.starts_with("Beratung-") && room.len() == 33);
        assert_eq!(room_url.path(), format!("/{room}"));
        // The client's app takes the invite and its token.
        let inv = invite::parse_any(&s.client_invite, UrlRules::default(), now, None).unwrap();
        assert_eq!(inv.meeting.host_url().host_str(), Some("meet.example.org"));
        let claims = |jwt: &str| -> serde_json::Value {
            let payload = jwt.split('.').nth(1).unwrap();
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
        };
        let m = claims(mod_jwt);
        assert_eq!((m["room"].as_str(), m["moderator"].as_bool(), m["iss"].as_str()), (Some(room.as_str()), Some(true), Some("sprechzimmer")));
        let jwt_in_invite = Url::parse(&s.client_invite).unwrap().query_pairs().find(|(k, _)| k == "jwt").unwrap().1.into_owned();
        assert_eq!(claims(&jwt_in_invite)["moderator"], false);
        // Signature: recomputed with the secret.
        let (input, sig) = mod_jwt.rsplit_once('.').unwrap();
        assert_eq!(sig, base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac_sha256(b"app-secret", input.as_bytes())));
        // Without an app id: no tokens at all.
        let plain = Account::new(
            profile.as_str(),
            Access::Jitsi { server: Url::parse("https://meet.example.org/").unwrap(), jwt_app_id: None },
            "B",
            UrlRules::default(),
        )
        .unwrap();
        let s = start_jitsi(&plain, None, &Options::default(), now).unwrap();
        assert!(!s.client_invite.contains("jwt="));
    }

    #[test]
    fn a_booked_bbb_invite_is_ready_before_the_meeting_and_fits_it() {
        use crate::counsellor::invitation::Appointment;
        let api = Url::parse("https://bbb.example.org/bigbluebutton/api/").unwrap();
        let access = Access::Bbb { api: api.clone() };
        let account = Account::new("https://beratung.example.org/profile.json", access.clone(), "Beratung Nord", UrlRules::default()).unwrap();
        let at = time::macros::datetime!(2030-01-15 10:30 +01:00);
        let b = Booking::new(Appointment { at, minutes: 50, time_zone: None }, "Kim", &access).unwrap();
        let link = booked_bbb_invite(&account, &api, "s3cret", &b, "de");
        let inv = invite::parse(&link, UrlRules::default(), at - time::Duration::days(30)).unwrap();
        assert_eq!(inv.scheduled_at, Some(at), "the lobby counts down to the appointment");
        let crate::provider::Meeting::Bbb(m) = &inv.meeting else { panic!("bbb") };
        let join = &m.join.url;
        let q: std::collections::HashMap<_, _> = join.query_pairs().into_owned().collect();
        let MeetingRef::Bbb { meeting_id } = &b.meeting else { panic!() };
        assert_eq!(&q["meetingID"], meeting_id);
        assert!(!q.contains_key("createTime"), "fits whichever meeting is created under this ID");
        assert_eq!((q["guest"].as_str(), q["role"].as_str(), q["fullName"].as_str()), ("true", "VIEWER", "Kim"));
        let (plain, cs) = join.query().unwrap().rsplit_once("&checksum=").unwrap();
        assert_eq!(cs, bbb::checksum(bbb::ChecksumAlgo::Sha256, "join", plain, "s3cret"));
        assert_eq!(link, booked_bbb_invite(&account, &api, "s3cret", &b, "de"), "the same invite each time it is copied");
        // Signed twice: the camera on at entry, and off for a client who chose so.
        assert_eq!(q[bbb::CAMERA_AT_ENTRY], "true");
        let off = m.join_novideo.as_ref().expect("the camera-off join");
        assert_eq!(off.param(bbb::CAMERA_AT_ENTRY).as_deref(), Some("false"));
        let (plain, cs) = off.url.query().unwrap().rsplit_once("&checksum=").unwrap();
        assert_eq!(cs, bbb::checksum(bbb::ChecksumAlgo::Sha256, "join", plain, "s3cret"));
        assert_eq!(m.entry(true), &off.url);
    }

    #[test]
    fn a_booked_jitsi_token_covers_the_appointment_only() {
        use crate::counsellor::invitation::Appointment;
        let access = Access::Jitsi { server: Url::parse("https://meet.example.org/").unwrap(), jwt_app_id: Some("sprechzimmer".into()) };
        let account = Account::new("https://beratung.example.org/profile.json", access.clone(), "Beratung Nord", UrlRules::default()).unwrap();
        let at = time::macros::datetime!(2030-01-15 10:30 UTC);
        let b = Booking::new(Appointment { at, minutes: 60, time_zone: None }, "Kim", &access).unwrap();
        let link = booked_jitsi_invite(&account, Some("app-secret"), &b).unwrap();
        let jwt = Url::parse(&link).unwrap().query_pairs().find(|(k, _)| k == "jwt").unwrap().1.into_owned();
        let payload = jwt.split('.').nth(1).unwrap();
        let c: serde_json::Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(c["nbf"].as_i64(), Some((at - time::Duration::minutes(30)).unix_timestamp()));
        assert_eq!(c["exp"].as_i64(), Some((at + time::Duration::minutes(120)).unix_timestamp()));
        let MeetingRef::Jitsi { room } = &b.meeting else { panic!() };
        assert_eq!((c["room"].as_str(), c["moderator"].as_bool()), (Some(room.as_str()), Some(false)));
        // The client's app takes it ahead of time.
        let inv = invite::parse_any(&link, UrlRules::default(), at - time::Duration::days(3), None).unwrap();
        assert_eq!(inv.meeting.host_url().path(), format!("/{room}"));
        // Starting the booked session uses the same room, and hands out the same invite.
        let opts = Options { client_name: Some("Kim".into()), at: Some(at), booked: Some(b.clone()) };
        let s = start_jitsi(&account, Some("app-secret"), &opts, at - time::Duration::minutes(5)).unwrap();
        assert_eq!(s.handle, Handle::Jitsi { room: room.clone() });
        assert_eq!(s.client_invite, link);
    }

    #[test]
    fn a_companion_gets_an_invite_of_its_own_waiting_like_the_client() {
        let api = Url::parse("https://bbb.example.org/bigbluebutton/api/").unwrap();
        let access = Access::Bbb { api };
        let account = Account::new("https://beratung.example.org/profile.json", access, "Beratung Nord", UrlRules::default()).unwrap();
        let now = time::macros::datetime!(2030-01-15 10:30 UTC);
        let handle = Handle::Bbb { meeting_id: "sz-0123456789abcdef0123456789abcdef".into() };
        let link = companion_invite(&account, Some("s3cret"), &handle, " Ana Dolmetscherin ", "de", now).unwrap();
        let inv = invite::parse(&link, UrlRules::default(), now).unwrap();
        let crate::provider::Meeting::Bbb(m) = &inv.meeting else { panic!("bbb") };
        let q: std::collections::HashMap<_, _> = m.join.url.query_pairs().into_owned().collect();
        assert_eq!((q["fullName"].as_str(), q["guest"].as_str(), q["role"].as_str()), ("Ana Dolmetscherin", "true", "VIEWER"));
        assert_eq!(q["meetingID"], "sz-0123456789abcdef0123456789abcdef");
        assert!(matches!(companion_invite(&account, Some("s3cret"), &handle, "", "de", now), Err(CounsellorError::Invalid("companion_name"))));
        assert!(matches!(companion_invite(&account, None, &handle, "Ana", "de", now), Err(CounsellorError::SecretMissing)));
        assert!(matches!(
            companion_invite(&account, Some("s"), &Handle::Jitsi { room: "r".into() }, "Ana", "de", now),
            Err(CounsellorError::Invalid("provider"))
        ));
        // Jitsi: the room, with a guest token in the companion's name.
        let j = Account::new(
            "https://beratung.example.org/profile.json",
            Access::Jitsi { server: Url::parse("https://meet.example.org/").unwrap(), jwt_app_id: Some("sz".into()) },
            "B",
            UrlRules::default(),
        )
        .unwrap();
        let link = companion_invite(&j, Some("app-secret"), &Handle::Jitsi { room: "Beratung-abc".into() }, "Ana", "de", now).unwrap();
        let jwt = Url::parse(&link).unwrap().query_pairs().find(|(k, _)| k == "jwt").unwrap().1.into_owned();
        let c: serde_json::Value =
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(
            (c["context"]["user"]["name"].as_str(), c["moderator"].as_bool(), c["room"].as_str()),
            (Some("Ana"), Some(false), Some("Beratung-abc"))
        );
    }
}
