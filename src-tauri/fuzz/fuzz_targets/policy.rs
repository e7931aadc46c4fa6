//! Managed settings from every source: a policy JSON file, a macOS property
//! list and registry values, each resolved as the app resolves them.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sprechzimmer_core::hosts::UrlRules;
use sprechzimmer_core::policy::{self, sources, Level};

#[derive(Debug, Arbitrary)]
enum Value {
    Str(String),
    Multi(Vec<String>),
    Dword(u32),
    Other,
}

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Json(&'a [u8]),
    Plist(&'a [u8]),
    Registry(Vec<(String, Value)>),
}

fuzz_target!(|input: Input| {
    let rules = UrlRules { allow_loopback_http: false };
    let layer = match input {
        Input::Json(b) => sources::json_layer(b, "fuzz.json", Level::Managed).ok(),
        Input::Plist(b) => sources::plist_layer(b, "fuzz.plist", Level::Managed).ok(),
        Input::Registry(values) => {
            let values = values.into_iter().map(|(k, v)| {
                let v = match v {
                    Value::Str(s) => sources::RegValue::Str(s),
                    Value::Multi(m) => sources::RegValue::Multi(m),
                    Value::Dword(d) => sources::RegValue::Dword(d),
                    Value::Other => sources::RegValue::Other,
                };
                (k, v)
            });
            Some(sources::registry_layer("HKLM", Level::Managed, values).0)
        }
    };
    if let Some(layer) = layer {
        let r = policy::resolve(&[layer], rules);
        let _ = policy::report(&r);
        let _ = sprechzimmer_core::settings::Settings::from_resolved(&r);
    }
});
