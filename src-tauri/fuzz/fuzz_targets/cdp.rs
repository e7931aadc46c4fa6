//! The DevTools conversation: whatever the browser sends, message by
//! message, through one driver.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sprechzimmer_core::browser::cdp::{Decoder, Driver};
use sprechzimmer_core::hosts::{HostPattern, UrlRules};

fuzz_target!(|data: &[u8]| {
    let mut driver = Driver::new(
        url::Url::parse("https://bbb.example.org/bigbluebutton/api/join?x=1").unwrap(),
        vec![HostPattern::parse("bbb.example.org").unwrap()],
        UrlRules { allow_loopback_http: false },
        vec!["https://bbb.example.org".into()],
    );
    let _ = driver.start();
    let mut decoder = Decoder::default();
    // The pipe delivers bytes in chunks: NUL ends a message.
    for chunk in data.chunks(97) {
        let Ok(messages) = decoder.push(chunk) else { return };
        for m in messages {
            let _ = driver.on_message(&m);
        }
    }
});
