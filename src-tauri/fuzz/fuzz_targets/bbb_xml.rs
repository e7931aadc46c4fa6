//! BigBlueButton's XML answers, as any server might send them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sprechzimmer_core::provider::bbb;

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else { return };
    if let Ok(resp) = bbb::parse_response(xml) {
        let _ = bbb::running_from_response(&resp);
    }
});
