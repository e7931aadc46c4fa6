//! The organisation profile, as any server might answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sprechzimmer_core::{hosts::UrlRules, profile::OrgProfile};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    if let Ok(p) = OrgProfile::from_json(body, UrlRules { allow_loopback_http: false }) {
        // What the app does next with a profile it took.
        let u = url::Url::parse("https://bbb.example.org/bigbluebutton/api/join").unwrap();
        let _ = p.meeting_hosts.iter().any(|h| h.matches(&u));
    }
});
