//! Hostile and broken server replies get a clear error code, never a hang,
//! a crash or raw XML.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use sprechzimmer_lib::hosts::UrlRules;
use sprechzimmer_lib::net::Http;
use sprechzimmer_lib::profile;
use sprechzimmer_lib::provider::{bbb::BbbInvite, Meeting, ProviderError};
use url::Url;

const LOOPBACK: UrlRules = UrlRules { allow_loopback_http: true };

/// A one-route-per-path server on 127.0.0.1 that answers with canned bytes.
fn serve(routes: Vec<(&'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = routes.clone();
            std::thread::spawn(move || answer(stream, &routes));
        }
    });
    base
}

fn answer(mut stream: TcpStream, routes: &[(&'static str, Vec<u8>)]) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
            break;
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap().to_string();
    match routes.iter().find(|(p, _)| *p == path) {
        Some((_, bytes)) if bytes.as_slice() == b"HANG" => std::thread::sleep(Duration::from_secs(30)),
        Some((_, bytes)) => {
            let _ = stream.write_all(bytes);
        }
        None => {
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}

fn http(status: &str, ctype: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!("HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    v
}

/// The app runs these on Tauri's runtime; a test has its own.
fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn client() -> Http {
    Http::with_timeouts(Duration::from_secs(2), Duration::from_secs(2))
}

fn profile_code(base: &str, path: &str) -> &'static str {
    let url = Url::parse(&format!("{base}{path}")).unwrap();
    block(profile::fetch(&client(), &url, LOOPBACK)).map(|_| "ok").unwrap_or_else(|e| e.code())
}

const VALID_PROFILE: &str = r#"{"schema":1,"id":"x","name":{"de":"X"},
 "privacy_notice":{"version":"1","title":{"de":"D"},"text":{"de":"T"}},
 "client_terms":{"version":"1","title":{"de":"A"},"text":{"de":"T"}},
 "withdrawal":{"text":{"de":"W"}},"meeting_hosts":["127.0.0.1"],"providers":["bbb"]}"#;

#[test]
fn profile_replies() {
    let huge = vec![b' '; 2 * 1024 * 1024];
    let base = serve(vec![
        ("/ok", http("200 OK", "application/json", VALID_PROFILE.as_bytes())),
        ("/redirect", b"HTTP/1.1 302 Found\r\nLocation: https://evil.example/p.json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()),
        ("/huge", http("200 OK", "application/json", &huge)),
        ("/html", http("200 OK", "text/html", b"<html>Wartungsarbeiten</html>")),
        ("/500", http("500 Internal Server Error", "text/plain", b"oops")),
        ("/garbage", b"\x00\x01 not http at all\r\n\r\n".to_vec()),
        ("/hang", b"HANG".to_vec()),
        ("/deep", http("200 OK", "application/json", "[".repeat(100_000).as_bytes())),
    ]);
    assert_eq!(profile_code(&base, "/ok"), "ok");
    assert_eq!(profile_code(&base, "/redirect"), "profile.invalid", "redirects are not followed");
    assert_eq!(profile_code(&base, "/huge"), "net.bad_response");
    assert_eq!(profile_code(&base, "/html"), "profile.invalid");
    assert_eq!(profile_code(&base, "/500"), "net.bad_response");
    assert_eq!(profile_code(&base, "/missing"), "net.bad_response");
    assert!(["net.unreachable", "net.bad_response"].contains(&profile_code(&base, "/garbage")));
    assert_eq!(profile_code(&base, "/hang"), "net.unreachable", "a silent server times out");
    assert_eq!(profile_code(&base, "/deep"), "profile.invalid");
}

#[test]
fn unreachable_server() {
    // Bind and drop: nothing listens on that port any more.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert_eq!(profile_code(&format!("http://127.0.0.1:{port}"), "/p.json"), "net.unreachable");
}

fn meeting(base: &str) -> Meeting {
    let cs = "0".repeat(40);
    let api = format!("{base}/bigbluebutton/api");
    let join = Url::parse(&format!("{api}/join?fullName=K&meetingID=m-1&guest=true&checksum={cs}")).unwrap();
    let running = Url::parse(&format!("{api}/isMeetingRunning?meetingID=m-1&checksum={cs}")).unwrap();
    Meeting::Bbb(BbbInvite::new(join, running).unwrap())
}

fn running_with(reply: Vec<u8>) -> Result<bool, ProviderError> {
    let base = serve(vec![("/bigbluebutton/api/isMeetingRunning", reply)]);
    block(meeting(&base).is_running(&client()))
}

#[test]
fn is_meeting_running_replies() {
    let xml = |s: &str| http("200 OK", "text/xml", s.as_bytes());
    assert_eq!(running_with(xml("<response><returncode>SUCCESS</returncode><running>true</running></response>")), Ok(true));
    assert_eq!(running_with(xml("<response><returncode>SUCCESS</returncode><running>false</running></response>")), Ok(false));
    assert_eq!(
        running_with(xml("<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>x</message></response>")),
        Err(ProviderError::InviteInvalid)
    );
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><response><returncode>&c;</returncode></response>"#;
    assert_eq!(running_with(xml(bomb)), Err(ProviderError::BadResponse));
    assert_eq!(running_with(http("502 Bad Gateway", "text/html", b"<html>502</html>")).map_err(|e| e.code()), Err("net.bad_response"));
    assert_eq!(running_with(http("200 OK", "text/html", b"<html><body>login</body></html>")), Err(ProviderError::BadResponse));
    let big = format!("<response><returncode>SUCCESS</returncode><x>{}</x></response>", "a".repeat(400 * 1024));
    assert_eq!(running_with(xml(&big)).map_err(|e| e.code()), Err("net.bad_response"));
    assert_eq!(running_with(b"HANG".to_vec()).map_err(|e| e.code()), Err("net.unreachable"));
}

#[test]
fn join_failures_are_explained_by_message_key() {
    let fail = |key: &str| {
        http(
            "200 OK",
            "text/xml",
            format!("<response><returncode>FAILED</returncode><messageKey>{key}</messageKey><message>raw text</message></response>").as_bytes(),
        )
    };
    for (key, code) in [
        ("mismatchCreateTimeParam", "invite.expired"),
        ("meetingForciblyEnded", "meeting.ended"),
        ("guestDeniedAccess", "meeting.denied"),
        ("invalidMeetingIdentifier", "invite.invalid"),
        ("maxParticipantsReached", "meeting.full"),
    ] {
        let base = serve(vec![("/bigbluebutton/api/join", fail(key))]);
        assert_eq!(block(meeting(&base).explain_join_failure(&client())).code(), code, "{key}");
    }
}
