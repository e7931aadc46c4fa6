//! Jitsi Meet: room links, room-bound guest JWTs, the host page that runs
//! the IFrame API, and the one-way signals that page may send back.

use base64::Engine;
use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

use super::ProviderError;
use crate::hosts;

/// The scheme our host page is served from. It is not the app's origin, so
/// no capability covers it: the page is as untrusted as the meeting.
pub const HOST_SCHEME: &str = "sprechzimmer-meeting";

#[derive(Debug, Clone)]
pub struct JitsiInvite {
    /// `https://server/RoomName`
    pub room_url: Url,
    pub room: String,
    pub jwt: Option<String>,
}

impl Drop for JitsiInvite {
    fn drop(&mut self) {
        crate::scrub::url(&mut self.room_url);
        crate::scrub::text(&mut self.room);
        if let Some(jwt) = self.jwt.as_mut() {
            crate::scrub::text(jwt);
        }
    }
}

const MAX_JWT_LEN: usize = 4096;

impl JitsiInvite {
    pub fn new(room_url: Url, jwt: Option<String>, now: OffsetDateTime) -> Result<JitsiInvite, ProviderError> {
        let segments: Vec<_> = room_url.path_segments().map(|s| s.collect()).unwrap_or_default();
        let room = match segments.as_slice() {
            [room] => percent_decode(room),
            _ => return Err(ProviderError::InviteInvalid),
        };
        if !is_valid_room(&room) || room_url.fragment().is_some() {
            return Err(ProviderError::InviteInvalid);
        }
        if let Some(jwt) = &jwt {
            check_jwt(jwt, &room, now)?;
        }
        let mut room_url = room_url;
        room_url.set_query(None);
        Ok(JitsiInvite { room_url, room, jwt })
    }

    /// What the IFrame API calls the domain: host and, if any, port.
    pub fn domain(&self) -> String {
        crate::hosts::host_with_port(&self.room_url)
    }

    pub fn origin(&self) -> String {
        self.room_url.origin().ascii_serialization()
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("r={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Letters (any script is fine inside a room name), digits, `-`, `_`, `.`.
fn is_valid_room(room: &str) -> bool {
    let n = room.chars().count();
    (1..=200).contains(&n) && !room.starts_with('.') && room.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A guest token must be for this room and not expired. Its signature is
/// the server's business: the app never holds the secret that makes one.
fn check_jwt(jwt: &str, room: &str, now: OffsetDateTime) -> Result<(), ProviderError> {
    if jwt.len() > MAX_JWT_LEN {
        return Err(ProviderError::InviteInvalid);
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    let [_, payload, _] = parts.as_slice() else { return Err(ProviderError::InviteInvalid) };
    if parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        return Err(ProviderError::InviteInvalid);
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| ProviderError::InviteInvalid)?;
    let Claims(claims) = serde_json::from_slice(&bytes).map_err(|_| ProviderError::InviteInvalid)?;
    match claims.get("room").and_then(|r| r.as_str()) {
        Some(r) if r.eq_ignore_ascii_case(room) => {}
        _ => return Err(ProviderError::InviteInvalid),
    }
    // NumericDate: whole seconds. A string or a fraction is no expiry the
    // app can hold the token to.
    match claims.get("exp") {
        None => {}
        Some(e) => match e.as_i64() {
            Some(exp) if now.unix_timestamp() >= exp => return Err(ProviderError::InviteExpired),
            Some(_) => {}
            None => return Err(ProviderError::InviteInvalid),
        },
    }
    Ok(())
}

/// A token's claims, refused when one appears twice: readers disagree on
/// which copy counts, and the server's choice may not be the app's.
struct Claims(serde_json::Map<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for Claims {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Claims, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Claims;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of claims")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    if out.insert(k, v).is_some() {
                        return Err(serde::de::Error::custom("duplicate claim"));
                    }
                }
                Ok(Claims(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The documented overrides: no prejoin screen, no app promotion, nothing
/// to third parties, nothing remembered, the chosen name fixed.
/// `camera_off`: the client chose, before the lobby, to join with the
/// camera off (`startWithVideoMuted`); they can switch it on in the call.
pub fn config_overwrite(lang: &str, camera_off: bool) -> serde_json::Value {
    let mut c = serde_json::json!({
        "prejoinConfig": { "enabled": false },
        "prejoinPageEnabled": false,
        "disableDeepLinking": true,
        "disableThirdPartyRequests": true,
        "analytics": { "disabled": true },
        "gravatar": { "disabled": true },
        "doNotStoreRoom": true,
        "disableInviteFunctions": true,
        "requireDisplayName": true,
        "readOnlyName": true,
        "enableClosePage": false,
        "lobby": { "autoKnock": true },
        "defaultLanguage": lang,
    });
    if camera_off {
        c["startWithVideoMuted"] = serde_json::json!(true);
    }
    c
}

pub fn interface_config_overwrite() -> serde_json::Value {
    serde_json::json!({
        "SHOW_JITSI_WATERMARK": false,
        "SHOW_WATERMARK_FOR_GUESTS": false,
        "SHOW_PROMOTIONAL_CLOSE_PAGE": false,
        "MOBILE_APP_PROMO": false,
    })
}

/// What the host page may say, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The room's lobby is on: the client knocked and waits.
    Knocking,
    /// In the conference.
    Joined,
    /// Hung up, or the conference ended.
    Left,
    /// Removed by a moderator.
    Kicked,
    /// The lobby said no.
    Denied,
    /// A fatal error in the conference.
    Failed,
    /// The counsellor's view: a client knocks at the lobby.
    ClientKnocking,
}

impl Signal {
    fn from_name(s: &str) -> Option<Signal> {
        Some(match s {
            "knocking" => Signal::Knocking,
            "joined" => Signal::Joined,
            "left" => Signal::Left,
            "kicked" => Signal::Kicked,
            "denied" => Signal::Denied,
            "failed" => Signal::Failed,
            "client_knocking" => Signal::ClientKnocking,
            _ => return None,
        })
    }
}

/// Where the host page lives, per platform (WebView2 maps custom schemes
/// onto `http://<scheme>.localhost`).
pub fn host_base() -> String {
    if cfg!(windows) {
        format!("http://{HOST_SCHEME}.localhost")
    } else {
        format!("{HOST_SCHEME}://localhost")
    }
}

pub fn is_host_url(url: &Url) -> bool {
    url.as_str().starts_with(&format!("{}/", host_base()))
}

pub fn host_page_url(nonce: &str) -> Url {
    Url::parse(&format!("{}/jitsi?n={nonce}", host_base())).expect("static URL")
}

/// `…/signal/<name>`: a closed set of names; any extra part, query or
/// unknown name is not a signal.
pub fn parse_signal(url: &Url) -> Option<Signal> {
    if !is_host_url(url) || url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    let name = url.path().strip_prefix("/signal/")?;
    Signal::from_name(name)
}

/// Everything the host page needs, as data inside a non-executable
/// `application/json` script block.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostConfig<'a> {
    pub domain: String,
    pub room_name: &'a str,
    pub jwt: Option<&'a str>,
    pub display_name: &'a str,
    pub lang: &'a str,
    #[serde(rename = "noSSL")]
    pub no_ssl: bool,
    pub config_overwrite: serde_json::Value,
    pub interface_config_overwrite: serde_json::Value,
    pub signal_base: String,
    /// The counsellor's view: switch the lobby on, report knocking clients.
    pub moderator: bool,
}

const HOST_PAGE: &str = include_str!("jitsi_host.html");

/// The host page and its Content-Security-Policy: scripts only from the
/// meeting origin and this page's nonce, frames only from the meeting origin,
/// no network access of its own.
pub fn host_page(invite: &JitsiInvite, display_name: &str, lang: &str, nonce: &str, moderator: bool, camera_off: bool) -> (String, String) {
    let cfg = HostConfig {
        domain: invite.domain(),
        room_name: &invite.room,
        jwt: invite.jwt.as_deref(),
        display_name,
        lang,
        no_ssl: invite.room_url.scheme() == "http" && hosts::is_loopback(&invite.room_url),
        config_overwrite: config_overwrite(lang, camera_off),
        interface_config_overwrite: interface_config_overwrite(),
        signal_base: format!("{}/signal/", host_base()),
        moderator,
    };
    // `<` escaped so no value can close the script block.
    let json = serde_json::to_string(&cfg).expect("config serialises").replace('<', "\\u003c");
    let origin = invite.origin();
    // The page's own language, for screen readers; `lang` is a code of
    // the app's (`i18n::Lang::base`), never outside input.
    let lang_attr: String = lang.chars().filter(|c| c.is_ascii_alphabetic()).take(8).collect();
    let dir = if matches!(lang_attr.as_str(), "ar" | "fa") { "rtl" } else { "ltr" };
    let html = HOST_PAGE
        .replace("{{LANG}}", &lang_attr)
        .replace("{{DIR}}", dir)
        .replace("{{NONCE}}", nonce)
        .replace("{{API_URL}}", &format!("{origin}/external_api.js"))
        .replace("{{CONFIG}}", &json);
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}' {origin}; style-src 'nonce-{nonce}'; \
         frame-src {origin}; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
    );
    (html, csp)
}

/// The room page opened directly (the fallback browser has no host page):
/// the same overrides, in the URL hash as the IFrame API would send them,
/// the token as `?jwt=`.
pub fn direct_room_url(invite: &JitsiInvite, display_name: &str, lang: &str, camera_off: bool) -> Url {
    let mut hash = Vec::new();
    flatten("config", &config_overwrite(lang, camera_off), &mut hash);
    flatten("interfaceConfig", &interface_config_overwrite(), &mut hash);
    hash.push(format!("userInfo.displayName={}", encode_value(&serde_json::json!(display_name))));
    let mut url = invite.room_url.clone();
    if let Some(jwt) = &invite.jwt {
        url.query_pairs_mut().append_pair("jwt", jwt);
    }
    url.set_fragment(Some(&hash.join("&")));
    url
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        leaf => out.push(format!("{prefix}={}", encode_value(leaf))),
    }
}

fn encode_value(v: &serde_json::Value) -> String {
    url::form_urlencoded::byte_serialize(v.to_string().as_bytes()).collect::<String>().replace('+', "%20")
}

/// What a committed address of the directly opened room page means: still
/// the room, or gone from it (hung up, removed, the conference ended —
/// Jitsi then shows its welcome or close page).
pub fn in_room(invite: &JitsiInvite, url: &Url) -> bool {
    hosts::same_origin(url, &invite.room_url) && url.path() == invite.room_url.path()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    fn jwt(claims: serde_json::Value) -> String {
        let e = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!("{}.{}.{}", e(br#"{"alg":"HS256","typ":"JWT"}"#), e(claims.to_string().as_bytes()), e(b"signature"))
    }

    fn room(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn room_links() {
        let inv = JitsiInvite::new(room("https://meet.example.org/Beratung-7f3a9c"), None, NOW).unwrap();
        assert_eq!(inv.room, "Beratung-7f3a9c");
        assert_eq!(inv.domain(), "meet.example.org");
        assert_eq!(inv.origin(), "https://meet.example.org");
        let umlaut = JitsiInvite::new(room("https://meet.example.org/Gespr%C3%A4ch"), None, NOW).unwrap();
        assert_eq!(umlaut.room, "Gespräch");
        for bad in [
            "https://meet.example.org/",
            "https://meet.example.org/a/b",
            "https://meet.example.org/room#config.x=1",
            "https://meet.example.org/%3Cscript%3E",
            "https://meet.example.org/..",
        ] {
            assert!(JitsiInvite::new(room(bad), None, NOW).is_err(), "{bad}");
        }
    }

    #[test]
    fn jwt_is_bound_to_the_room() {
        let u = room("https://meet.example.org/Beratung-1");
        let good = jwt(serde_json::json!({"room": "beratung-1", "exp": 1_900_000_000, "context": {"user": {"name": "x"}}}));
        assert!(JitsiInvite::new(u.clone(), Some(good), NOW).is_ok());
        let other = jwt(serde_json::json!({"room": "other"}));
        assert_eq!(JitsiInvite::new(u.clone(), Some(other), NOW).unwrap_err(), ProviderError::InviteInvalid);
        let wildcard = jwt(serde_json::json!({"room": "*"}));
        assert_eq!(JitsiInvite::new(u.clone(), Some(wildcard), NOW).unwrap_err(), ProviderError::InviteInvalid);
        let expired = jwt(serde_json::json!({"room": "Beratung-1", "exp": 1_700_000_000}));
        assert_eq!(JitsiInvite::new(u.clone(), Some(expired), NOW).unwrap_err(), ProviderError::InviteExpired);
        for claims in [
            serde_json::json!({"room": "Beratung-1", "exp": "1900000000"}),
            serde_json::json!({"room": "Beratung-1", "exp": 1.9e9}),
            serde_json::json!({"room": "Beratung-1", "exp": null}),
        ] {
            assert_eq!(JitsiInvite::new(u.clone(), Some(jwt(claims.clone())), NOW).unwrap_err(), ProviderError::InviteInvalid, "{claims}");
        }
        // The same claim twice: one reader takes the first, another the last.
        let e = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let twice = format!("{}.{}.{}", e(br#"{"alg":"HS256"}"#), e(br#"{"room":"Other","room":"Beratung-1"}"#), e(b"s"));
        assert_eq!(JitsiInvite::new(u.clone(), Some(twice), NOW).unwrap_err(), ProviderError::InviteInvalid);
        for junk in ["a.b", "a.b.c.d", "x.%%%.y", &"a".repeat(MAX_JWT_LEN + 1)] {
            assert!(JitsiInvite::new(u.clone(), Some(junk.to_string()), NOW).is_err(), "{junk}");
        }
    }

    #[test]
    fn direct_room_url_carries_the_overrides_in_the_hash() {
        let token = jwt(serde_json::json!({"room": "R1"}));
        let inv = JitsiInvite::new(room("https://meet.example.org/R1"), Some(token.clone()), NOW).unwrap();
        let u = direct_room_url(&inv, "Kim & \"Co\"", "en", false);
        assert_eq!(u.path(), "/R1");
        assert_eq!(u.query_pairs().find(|(k, _)| k == "jwt").unwrap().1, token);
        let hash = u.fragment().unwrap();
        let pairs: std::collections::HashMap<String, String> = hash
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_string(), url::form_urlencoded::parse(format!("v={v}").as_bytes()).next().unwrap().1.into_owned())
            })
            .collect();
        assert_eq!(pairs["config.prejoinConfig.enabled"], "false");
        assert_eq!(pairs["config.disableThirdPartyRequests"], "true");
        assert_eq!(pairs["config.defaultLanguage"], "\"en\"");
        assert_eq!(pairs["interfaceConfig.MOBILE_APP_PROMO"], "false");
        assert_eq!(pairs["userInfo.displayName"], "\"Kim & \\\"Co\\\"\"");
        assert!(!hash.contains(' ') && !hash.contains('&') || hash.matches('&').count() + 1 == pairs.len(), "a name cannot add keys");
        assert!(in_room(&inv, &u));
        assert!(!in_room(&inv, &room("https://meet.example.org/")));
        assert!(!in_room(&inv, &room("https://meet.example.org/static/close.html")));
        assert!(!in_room(&inv, &room("https://other.example.org/R1")));
        assert!(!hash.contains("startWithVideoMuted"), "the camera is Jitsi's to start unless the client chose otherwise");
        let off = direct_room_url(&inv, "Kim", "en", true);
        assert!(off.fragment().unwrap().contains("config.startWithVideoMuted=true"));
    }

    #[test]
    fn signals_are_a_closed_set() {
        let base = host_base();
        let s = |p: &str| parse_signal(&Url::parse(&format!("{base}{p}")).unwrap());
        assert_eq!(s("/signal/left"), Some(Signal::Left));
        assert_eq!(s("/signal/knocking"), Some(Signal::Knocking));
        assert_eq!(s("/signal/open_external"), None);
        assert_eq!(s("/signal/left?url=https://evil.example"), None);
        assert_eq!(s("/signal/left/more"), None);
        assert_eq!(s("/jitsi"), None);
        assert_eq!(parse_signal(&Url::parse("https://meet.example.org/signal/left").unwrap()), None);
    }

    #[test]
    fn host_page_allows_only_the_meeting_origin() {
        let inv = JitsiInvite::new(room("https://meet.example.org/R1"), None, NOW).unwrap();
        let (html, csp) = host_page(&inv, "Kim </script><script>alert(1)</script>", "de", "abc123", false, false);
        assert!(csp.contains("script-src 'nonce-abc123' https://meet.example.org;"));
        assert!(csp.contains("frame-src https://meet.example.org;"));
        assert!(csp.contains("connect-src 'none'"));
        assert!(html.contains(r#"src="https://meet.example.org/external_api.js""#));
        assert!(!html.contains("</script><script>alert(1)"), "a name cannot break out of the config block");
        assert!(html.contains("\"prejoinPageEnabled\":false"));
        assert!(html.contains("\"disableThirdPartyRequests\":true"));
        assert!(!html.contains("{{"), "every placeholder filled");
        assert!(html.contains("\"noSSL\":false"), "the IFrame API's option name");
        let local = JitsiInvite::new(room("http://127.0.0.1:8080/R1"), None, NOW).unwrap();
        assert!(host_page(&local, "K", "de", "n", false, false).0.contains("\"noSSL\":true"));
        assert!(host_page(&local, "K", "de", "n", false, false).0.contains("<html lang=\"de\" dir=\"ltr\">"), "the page says its language");
        assert!(host_page(&local, "K", "fa", "n", false, false).0.contains("<html lang=\"fa\" dir=\"rtl\">"));
        assert!(host_page(&local, "K", "de", "n", true, false).0.contains("\"moderator\":true"));
        assert!(!host_page(&local, "K", "de", "n", false, false).0.contains("startWithVideoMuted"));
        assert!(
            host_page(&local, "K", "de", "n", false, true).0.contains("\"startWithVideoMuted\":true"),
            "the client's camera-off choice reaches Jitsi"
        );
    }
}
