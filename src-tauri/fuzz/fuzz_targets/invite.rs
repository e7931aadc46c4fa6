//! Invite links, as pasted, clicked or passed on the command line; with and
//! without an organisation set up (plain Jitsi room links).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sprechzimmer_core::{hosts::UrlRules, invite};

fuzz_target!(|data: &[u8]| {
    let Ok(link) = std::str::from_utf8(data) else { return };
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let org = url::Url::parse("https://beratung.example.org/profile.json").unwrap();
    for rules in [UrlRules { allow_loopback_http: false }, UrlRules { allow_loopback_http: true }] {
        let _ = invite::parse_any(link, rules, now, None);
        let _ = invite::parse_any(link, rules, now, Some(&org));
    }
});
