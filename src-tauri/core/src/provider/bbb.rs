//! BigBlueButton: checksums, the XML answers, presigned guest URLs and how
//! the HTML5 client's navigation maps onto the session's life.

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use url::Url;

use super::ProviderError;
use crate::hosts;

pub const CLIENT_PATH: &str = "/html5client/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumAlgo {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl ChecksumAlgo {
    /// The algorithm is not named in a BBB URL; the digest length tells it.
    pub fn from_hex_len(len: usize) -> Option<ChecksumAlgo> {
        match len {
            40 => Some(ChecksumAlgo::Sha1),
            64 => Some(ChecksumAlgo::Sha256),
            96 => Some(ChecksumAlgo::Sha384),
            128 => Some(ChecksumAlgo::Sha512),
            _ => None,
        }
    }
}

/// `hex(hash(callName + queryString + sharedSecret))`, query without `checksum`.
/// The parts go into the hash one by one: the shared secret is never
/// copied into a joined string that would outlive the call in freed memory.
pub fn checksum(algo: ChecksumAlgo, call: &str, query: &str, secret: &str) -> String {
    fn hash<D: Digest>(call: &str, query: &str, secret: &str) -> String {
        hex::encode(D::new().chain_update(call).chain_update(query).chain_update(secret).finalize())
    }
    match algo {
        ChecksumAlgo::Sha1 => hash::<Sha1>(call, query, secret),
        ChecksumAlgo::Sha256 => hash::<Sha256>(call, query, secret),
        ChecksumAlgo::Sha384 => hash::<Sha384>(call, query, secret),
        ChecksumAlgo::Sha512 => hash::<Sha512>(call, query, secret),
    }
}

/// A presigned API call: `https://host/bigbluebutton/api/<call>?…&checksum=…`.
#[derive(Debug, Clone)]
pub struct SignedCall {
    pub url: Url,
    pub call: String,
    pub meeting_id: String,
    pub algo: ChecksumAlgo,
}

impl SignedCall {
    /// Checks the shape only: the checksum can be verified by the server alone,
    /// because the secret never reaches a client.
    pub fn parse(url: Url, expected_call: &str) -> Result<SignedCall, ProviderError> {
        let path = url.path();
        let call = path.rsplit('/').next().unwrap_or_default().to_string();
        if call != expected_call || !path.ends_with(&format!("/api/{expected_call}")) {
            return Err(ProviderError::InviteInvalid);
        }
        if url.fragment().is_some() {
            return Err(ProviderError::InviteInvalid);
        }
        let mut checksum = None;
        let mut meeting_id = None;
        let mut seen = std::collections::HashSet::new();
        for (k, v) in url.query_pairs() {
            if !seen.insert(k.to_string()) {
                // Duplicate keys are read differently by different servers.
                return Err(ProviderError::InviteInvalid);
            }
            match k.as_ref() {
                "checksum" => checksum = Some(v.to_string()),
                "meetingID" => meeting_id = Some(v.to_string()),
                _ => {}
            }
        }
        let checksum = checksum.ok_or(ProviderError::InviteInvalid)?;
        let algo = ChecksumAlgo::from_hex_len(checksum.len())
            .filter(|_| checksum.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(ProviderError::InviteInvalid)?;
        let meeting_id = meeting_id.ok_or(ProviderError::InviteInvalid)?;
        if !(2..=256).contains(&meeting_id.chars().count()) {
            return Err(ProviderError::InviteInvalid);
        }
        Ok(SignedCall { url, call, meeting_id, algo })
    }

    pub fn param(&self, key: &str) -> Option<String> {
        self.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
    }
}

impl Drop for SignedCall {
    fn drop(&mut self) {
        crate::scrub::url(&mut self.url);
        crate::scrub::text(&mut self.meeting_id);
    }
}

/// What a client invite holds for BigBlueButton.
/// The join's setting for the camera at entry (`userdata-bbb_auto_share_webcam`).
pub const CAMERA_AT_ENTRY: &str = "userdata-bbb_auto_share_webcam";

#[derive(Debug, Clone)]
pub struct BbbInvite {
    pub join: SignedCall,
    /// The same guest join with the camera off at entry, for a client who
    /// chose so before the lobby (the counsellor's app signs both).
    pub join_novideo: Option<Box<SignedCall>>,
    pub running: SignedCall,
    pub display_name: String,
}

impl Drop for BbbInvite {
    fn drop(&mut self) {
        crate::scrub::text(&mut self.display_name);
    }
}

impl BbbInvite {
    pub fn new(join: Url, running: Url) -> Result<BbbInvite, ProviderError> {
        let invite = BbbInvite::signed_pair(join, running)?;
        let join = &invite.join;
        // Knowing the link must not be enough to get in: a client invite is a
        // guest join that waits for the counsellor's approval.
        if join.param("guest").as_deref() != Some("true") {
            return Err(ProviderError::NotAGuestInvite);
        }
        if let Some(role) = join.param("role") {
            if !role.eq_ignore_ascii_case("viewer") {
                return Err(ProviderError::NotAGuestInvite);
            }
        }
        // The legacy `password` picks the role by which meeting password it
        // is: the moderator's would let the link's holder in as moderator.
        if join.url.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("password")) {
            return Err(ProviderError::NotAGuestInvite);
        }
        Ok(invite)
    }

    /// The counsellor's own join, made by the app from the organisation's
    /// secret; never taken from a link.
    pub fn for_moderator(join: Url, running: Url) -> Result<BbbInvite, ProviderError> {
        let invite = BbbInvite::signed_pair(join, running)?;
        if !invite.join.param("role").is_some_and(|r| r.eq_ignore_ascii_case("moderator")) {
            return Err(ProviderError::InviteInvalid);
        }
        Ok(invite)
    }

    fn signed_pair(join: Url, running: Url) -> Result<BbbInvite, ProviderError> {
        let join = SignedCall::parse(join, "join")?;
        let running = SignedCall::parse(running, "isMeetingRunning")?;
        if !hosts::same_origin(&join.url, &running.url) || join.meeting_id != running.meeting_id {
            return Err(ProviderError::InviteInvalid);
        }
        // The browser must go through the join redirect itself. BBB reads
        // booleans without regard to case ("FALSE" is false).
        if join.url.query_pairs().any(|(k, v)| k.eq_ignore_ascii_case("redirect") && v.trim().eq_ignore_ascii_case("false")) {
            return Err(ProviderError::InviteInvalid);
        }
        let display_name = join.param("fullName").unwrap_or_default();
        let name_len = display_name.chars().count();
        if name_len == 0 || name_len > 128 || display_name.chars().any(char::is_control) {
            return Err(ProviderError::InviteInvalid);
        }
        Ok(BbbInvite { join, join_novideo: None, running, display_name })
    }

    /// Adds the camera-off join. It must be the guest join itself — every
    /// parameter but the camera's and the checksum the same — with the
    /// camera off at entry.
    pub fn with_novideo(mut self, url: Option<Url>) -> Result<BbbInvite, ProviderError> {
        let Some(url) = url else { return Ok(self) };
        let call = SignedCall::parse(url, "join")?;
        let rest = |c: &SignedCall| {
            let mut v: Vec<(String, String)> =
                c.url.query_pairs().filter(|(k, _)| k != "checksum" && k != CAMERA_AT_ENTRY).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            v.sort();
            v
        };
        let same = hosts::same_origin(&call.url, &self.join.url) && call.url.path() == self.join.url.path() && rest(&call) == rest(&self.join);
        if !same || call.param(CAMERA_AT_ENTRY).as_deref() != Some("false") {
            return Err(ProviderError::InviteInvalid);
        }
        self.join_novideo = Some(Box::new(call));
        Ok(self)
    }

    /// The join to open: the camera-off one if the client chose so and the
    /// invite has it.
    pub fn entry(&self, camera_off: bool) -> &Url {
        match (&self.join_novideo, camera_off) {
            (Some(n), true) => &n.url,
            _ => &self.join.url,
        }
    }

    pub fn meeting_host_url(&self) -> &Url {
        &self.join.url
    }
}

/// The parts of `<response>` the app acts on. `messageKey` is matched,
/// never the human `message`, which varies between versions and languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub success: bool,
    pub message_key: Option<String>,
    pub running: Option<bool>,
    /// `create`'s answer: ties join URLs to this meeting instance.
    pub create_time: Option<String>,
}

pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

pub fn parse_response(xml: &str) -> Result<ApiResponse, ProviderError> {
    if xml.len() > MAX_RESPONSE_BYTES {
        return Err(ProviderError::BadResponse);
    }
    // BBB's answers nest a few levels; a hostile server's thousands would
    // exhaust the stack of the blocking thread that parses them (the fuzzer
    // found that). Measured before any tree is built.
    if nesting_deeper_than(xml, MAX_XML_DEPTH) {
        return Err(ProviderError::BadResponse);
    }
    // No DTD: entity expansion is how hostile XML blows up a parser.
    let opts = roxmltree::ParsingOptions { allow_dtd: false, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(xml, opts).map_err(|_| ProviderError::BadResponse)?;
    let root = doc.root_element();
    if root.tag_name().name() != "response" {
        return Err(ProviderError::BadResponse);
    }
    let child =
        |name: &str| root.children().find(|n| n.is_element() && n.tag_name().name() == name).map(|n| n.text().unwrap_or("").trim().to_string());
    let success = match child("returncode").as_deref() {
        Some("SUCCESS") => true,
        Some("FAILED") => false,
        _ => return Err(ProviderError::BadResponse),
    };
    let running = match child("running").as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ProviderError::BadResponse),
        None => None,
    };
    let message_key = child("messageKey").filter(|k| !k.is_empty());
    let create_time = child("createTime").filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()));
    Ok(ApiResponse { success, message_key, running, create_time })
}

/// Maps a FAILED answer onto what the user is told.
pub fn failure_for(message_key: Option<&str>) -> ProviderError {
    match message_key {
        Some("checksumError") | Some("invalidMeetingIdentifier") => ProviderError::InviteInvalid,
        Some("mismatchCreateTimeParam") => ProviderError::InviteExpired,
        Some("notFound") => ProviderError::MeetingNotFound,
        Some("meetingForciblyEnded") => ProviderError::MeetingEnded,
        Some("guestDeniedAccess") => ProviderError::Denied,
        Some("maxParticipantsReached") => ProviderError::MeetingFull,
        _ => ProviderError::Unexpected,
    }
}

const MAX_XML_DEPTH: usize = 32;

/// Whether elements in `xml` nest deeper than `max`, by a single pass over
/// the tags: comments, CDATA, declarations and quoted attribute values are
/// skipped, so what they contain is never counted.
fn nesting_deeper_than(xml: &str, max: usize) -> bool {
    let b = xml.as_bytes();
    let skip_past = |from: usize, end: &[u8]| b[from..].windows(end.len()).position(|w| w == end).map(|p| from + p + end.len());
    let (mut i, mut depth) = (0usize, 0usize);
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let at = i + p + 1;
        let rest = &b[at..];
        let next = if rest.starts_with(b"!--") {
            skip_past(at, b"-->")
        } else if rest.starts_with(b"![CDATA[") {
            skip_past(at, b"]]>")
        } else if rest.starts_with(b"/") {
            depth = depth.saturating_sub(1);
            skip_past(at, b">")
        } else {
            // A start tag (or `<?…?>`, `<!…>`): its end, outside quotes.
            let mut quote = None;
            let mut end = None;
            for (k, &c) in rest.iter().enumerate() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (None, b'"' | b'\'') => quote = Some(c),
                    (None, b'>') => {
                        end = Some(at + k);
                        break;
                    }
                    _ => {}
                }
            }
            match end {
                Some(e) => {
                    let declaration = matches!(rest.first(), Some(b'?' | b'!'));
                    if !declaration && b[e - 1] != b'/' {
                        depth += 1;
                        if depth > max {
                            return true;
                        }
                    }
                    Some(e + 1)
                }
                None => None,
            }
        };
        match next {
            Some(n) => i = n,
            None => break,
        }
    }
    false
}

/// The answer of `isMeetingRunning`, reduced to what the lobby needs.
pub fn running_from_response(resp: &ApiResponse) -> Result<bool, ProviderError> {
    if !resp.success {
        return Err(failure_for(resp.message_key.as_deref()));
    }
    resp.running.ok_or(ProviderError::BadResponse)
}

/// Where the meeting window is in the BBB flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Loading the join URL; the server answers with a redirect or with XML.
    Joining,
    /// `/html5client/guestWait`: BBB's own waiting room.
    GuestWait,
    /// In the HTML5 client.
    InMeeting,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageEvent {
    /// Stay, possibly in a later stage.
    Continue(Stage),
    /// The main frame left the client: the logoutURL or the server's root.
    Ended,
    /// A guest sent away before being let in.
    Denied,
    /// The join URL itself finished loading: BBB answered with an XML error.
    JoinFailed,
    /// BBB refused the join by redirecting to the logoutURL with its reason
    /// in `errors=[{"key":…}]` (what it does for a browser join).
    JoinRefused(ProviderError),
}

/// The reason in a join-error redirect: `?errors=[{"key":"checksumError",…}]`.
pub fn join_error_in(url: &Url) -> Option<ProviderError> {
    let raw = url.query_pairs().find(|(k, _)| k == "errors")?.1;
    if raw.len() > 4096 {
        return Some(ProviderError::Unexpected);
    }
    let errors: serde_json::Value = serde_json::from_str(&raw).ok()?;
    let key = errors.as_array()?.first()?.get("key")?.as_str();
    Some(failure_for(key))
}

/// Reads a main-frame page load in the meeting window. Hosts were already
/// checked by the navigation guard.
pub fn on_main_frame_load(stage: Stage, url: &Url, join: &Url, logout: Option<&Url>) -> PageEvent {
    if stage == Stage::Joining {
        if let Some(e) = join_error_in(url) {
            return PageEvent::JoinRefused(e);
        }
    }
    let path = url.path();
    if let Some(logout) = logout {
        if url.as_str().starts_with(logout.as_str()) {
            return left(stage);
        }
    }
    if path.starts_with(CLIENT_PATH) {
        if path.starts_with("/html5client/guestWait") {
            return PageEvent::Continue(Stage::GuestWait);
        }
        return PageEvent::Continue(Stage::InMeeting);
    }
    if stage == Stage::Joining && hosts::same_origin(url, join) && url.path() == join.path() {
        return PageEvent::JoinFailed;
    }
    left(stage)
}

fn left(stage: Stage) -> PageEvent {
    match stage {
        Stage::GuestWait => PageEvent::Denied,
        Stage::Joining => PageEvent::JoinFailed,
        Stage::InMeeting => PageEvent::Ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        // The fuzzer's find: 3,000 nested elements overflowed the stack.
        let deep = format!("<response>{}{}</response>", "<a>".repeat(3000), "</a>".repeat(3000));
        assert_eq!(parse_response(&deep).unwrap_err(), ProviderError::BadResponse);
        let ok = "<response><returncode>SUCCESS</returncode><running>true</running></response>";
        assert!(parse_response(ok).is_ok());
        assert!(!nesting_deeper_than(ok, 2));
        assert!(nesting_deeper_than(ok, 1));
        // What looks like tags inside comments, CDATA and attributes, and
        // empty elements, does not count.
        let tricky = r#"<r a="<x><y><z>" b='>'><!-- <a><b><c> --><![CDATA[<a><b><c>]]><e/><e /><?pi <x>?></r>"#;
        assert!(!nesting_deeper_than(tricky, 1));
        assert!(nesting_deeper_than("<a><b><c>", 2), "unclosed tags count too");
    }

    #[test]
    fn a_join_refused_by_redirect_says_why() {
        let join = Url::parse("https://bbb.example.org/bigbluebutton/api/join?x=1").unwrap();
        let logout = Url::parse("https://beratung.example.org/ende").unwrap();
        let errors = |json: &str| {
            let mut u = logout.clone();
            u.query_pairs_mut().append_pair("errors", json);
            u
        };
        let checksum = errors(r#"[{"key":"checksumError","message":"Checksums do not match"}]"#);
        assert_eq!(on_main_frame_load(Stage::Joining, &checksum, &join, Some(&logout)), PageEvent::JoinRefused(ProviderError::InviteInvalid));
        let full = errors(r#"[{"key":"maxParticipantsReached","message":"x"}]"#);
        assert_eq!(on_main_frame_load(Stage::Joining, &full, &join, Some(&logout)), PageEvent::JoinRefused(ProviderError::MeetingFull));
        // Garbage in the parameter is no reason; the logout still means "left".
        assert_eq!(on_main_frame_load(Stage::Joining, &errors("not json"), &join, Some(&logout)), PageEvent::JoinFailed);
        assert_eq!(join_error_in(&errors(&"x".repeat(5000))), Some(ProviderError::Unexpected));
        // Once in the meeting, a logout is the end, whatever it carries.
        assert_eq!(on_main_frame_load(Stage::InMeeting, &checksum, &join, Some(&logout)), PageEvent::Ended);
    }

    #[test]
    fn checksum_matches_the_bbb_docs_worked_example() {
        let q = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
        let secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
        assert_eq!(checksum(ChecksumAlgo::Sha1, "create", q, secret), "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17");
    }

    #[test]
    fn checksum_sha256_and_longer() {
        // sha256("create" + q + secret), computed independently with coreutils.
        let q = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
        let secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
        let s256 = checksum(ChecksumAlgo::Sha256, "create", q, secret);
        assert_eq!(s256, "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e");
        assert_eq!(checksum(ChecksumAlgo::Sha384, "create", q, secret).len(), 96);
        assert_eq!(checksum(ChecksumAlgo::Sha512, "create", q, secret).len(), 128);
        for (len, algo) in [(40, ChecksumAlgo::Sha1), (64, ChecksumAlgo::Sha256), (96, ChecksumAlgo::Sha384), (128, ChecksumAlgo::Sha512)] {
            assert_eq!(ChecksumAlgo::from_hex_len(len), Some(algo));
        }
        assert_eq!(ChecksumAlgo::from_hex_len(41), None);
    }

    fn join_url(extra: &str) -> Url {
        Url::parse(&format!(
            "https://bbb.example.org/bigbluebutton/api/join?fullName=Kim&meetingID=m-0123456789&guest=true{extra}&checksum={}",
            "a".repeat(40)
        ))
        .unwrap()
    }

    fn running_url(host: &str, meeting: &str) -> Url {
        Url::parse(&format!("https://{host}/bigbluebutton/api/isMeetingRunning?meetingID={meeting}&checksum={}", "b".repeat(64))).unwrap()
    }

    #[test]
    fn accepts_a_guest_invite() {
        let inv = BbbInvite::new(join_url(""), running_url("bbb.example.org", "m-0123456789")).unwrap();
        assert_eq!(inv.display_name, "Kim");
        assert_eq!(inv.join.algo, ChecksumAlgo::Sha1);
        assert_eq!(inv.running.algo, ChecksumAlgo::Sha256);
    }

    #[test]
    fn refuses_moderator_and_non_guest_joins() {
        let run = || running_url("bbb.example.org", "m-0123456789");
        let no_guest = Url::parse(&join_url("").as_str().replace("&guest=true", "")).unwrap();
        assert!(matches!(BbbInvite::new(no_guest, run()), Err(ProviderError::NotAGuestInvite)));
        assert!(matches!(BbbInvite::new(join_url("&role=MODERATOR"), run()), Err(ProviderError::NotAGuestInvite)));
        for redirect in ["&redirect=false", "&redirect=FALSE", "&Redirect=False", "&redirect=%20false"] {
            assert!(matches!(BbbInvite::new(join_url(redirect), run()), Err(ProviderError::InviteInvalid)), "{redirect}");
        }
        for password in ["&password=mp", "&PASSWORD=ap", "&Password="] {
            assert!(matches!(BbbInvite::new(join_url(password), run()), Err(ProviderError::NotAGuestInvite)), "{password}");
        }
        assert!(BbbInvite::new(join_url("&redirect=true"), run()).is_ok());
    }

    #[test]
    fn refuses_mismatched_urls() {
        assert!(BbbInvite::new(join_url(""), running_url("other.example.org", "m-0123456789")).is_err());
        assert!(BbbInvite::new(join_url(""), running_url("bbb.example.org", "m-other")).is_err());
        let wrong_call = Url::parse(&join_url("").as_str().replace("/join?", "/create?")).unwrap();
        assert!(BbbInvite::new(wrong_call, running_url("bbb.example.org", "m-0123456789")).is_err());
    }

    #[test]
    fn refuses_bad_checksums_and_duplicate_keys() {
        let bad = Url::parse(&join_url("").as_str().replace(&"a".repeat(40), &"z".repeat(40))).unwrap();
        assert!(SignedCall::parse(bad, "join").is_err());
        let short = Url::parse(&join_url("").as_str().replace(&"a".repeat(40), "abc")).unwrap();
        assert!(SignedCall::parse(short, "join").is_err());
        assert!(SignedCall::parse(join_url("&meetingID=second"), "join").is_err());
    }

    #[test]
    fn parses_responses() {
        let ok = parse_response("<response><returncode>SUCCESS</returncode><running>true</running></response>").unwrap();
        assert_eq!(running_from_response(&ok), Ok(true));
        let failed = parse_response(
            "<?xml version=\"1.0\"?><response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>You did not pass the checksum security check</message></response>",
        )
        .unwrap();
        assert_eq!(running_from_response(&failed), Err(ProviderError::InviteInvalid));
    }

    #[test]
    fn hostile_xml_is_a_bad_response() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><response><returncode>&lol2;</returncode></response>"#;
        for x in [
            bomb,
            "",
            "<html><body>502 Bad Gateway</body></html>",
            "<response><returncode>MAYBE</returncode></response>",
            "<response><returncode>SUCCESS</returncode><running>yes</running></response>",
            "<response><returncode>SUCCESS</returncode>",
        ] {
            assert_eq!(parse_response(x).and_then(|r| running_from_response(&r)), Err(ProviderError::BadResponse), "{x}");
        }
        let huge = format!("<response>{}</response>", " ".repeat(MAX_RESPONSE_BYTES));
        assert_eq!(parse_response(&huge), Err(ProviderError::BadResponse));
    }

    #[test]
    fn message_keys_map_to_clear_errors() {
        assert_eq!(failure_for(Some("mismatchCreateTimeParam")), ProviderError::InviteExpired);
        assert_eq!(failure_for(Some("guestDeniedAccess")), ProviderError::Denied);
        assert_eq!(failure_for(Some("meetingForciblyEnded")), ProviderError::MeetingEnded);
        assert_eq!(failure_for(Some("notFound")), ProviderError::MeetingNotFound);
        assert_eq!(failure_for(Some("somethingNew")), ProviderError::Unexpected);
    }

    #[test]
    fn page_loads_drive_the_stage() {
        let join = join_url("");
        let u = |s: &str| Url::parse(s).unwrap();
        let host = "https://bbb.example.org";
        assert_eq!(
            on_main_frame_load(Stage::Joining, &u(&format!("{host}/html5client/guestWait?sessionToken=x")), &join.clone(), None),
            PageEvent::Continue(Stage::GuestWait)
        );
        assert_eq!(
            on_main_frame_load(Stage::GuestWait, &u(&format!("{host}/html5client/join?sessionToken=x")), &join, None),
            PageEvent::Continue(Stage::InMeeting)
        );
        // The join URL itself finished loading: no redirect, so an XML error.
        assert_eq!(on_main_frame_load(Stage::Joining, &join, &join, None), PageEvent::JoinFailed);
        // Leaving the client path ends the meeting; before admission it is a denial.
        assert_eq!(on_main_frame_load(Stage::InMeeting, &u(&format!("{host}/")), &join, None), PageEvent::Ended);
        assert_eq!(on_main_frame_load(Stage::GuestWait, &u(&format!("{host}/logout")), &join, None), PageEvent::Denied);
        let logout = u("https://beratung.example.org/danke");
        assert_eq!(on_main_frame_load(Stage::InMeeting, &u("https://beratung.example.org/danke?x=1"), &join, Some(&logout)), PageEvent::Ended);
    }
}
