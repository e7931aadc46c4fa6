//! Everything admins get, generated from `definition::DEFS`: Group Policy
//! templates (ADMX, ADML in German and English), the WiX fragment that
//! turns MSI properties into machine policy, the JSON schema of the Linux
//! and macOS policy files, and the settings table of the admin guide.
//!
//! `generated_files_match_the_definition` fails when a committed file
//! differs; `UPDATE_GENERATED=1 cargo test --lib policy::templates`
//! rewrites them.

use serde_json::{json, Map, Value as Json};

use super::definition::{Def, Kind, DEFS};
use super::sources::REGISTRY_KEY;

// No "--" in here: it ends up inside XML comments.
const HEADER: &str = "Generated from src-tauri/core/src/policy/definition.rs; do not edit. Regenerate: UPDATE_GENERATED=1 cargo test -p sprechzimmer-core policy::templates";
pub const SUPPORTED: &str = "SUPPORTED_SPRECHZIMMER_0_1";
pub const ADMX_PATH: &str = "docs/policy/admx/Sprechzimmer.admx";
pub const ADML_DE_PATH: &str = "docs/policy/admx/de-DE/Sprechzimmer.adml";
pub const ADML_EN_PATH: &str = "docs/policy/admx/en-US/Sprechzimmer.adml";
pub const SCHEMA_PATH: &str = "docs/policy/policy.schema.json";
pub const WIX_PATH: &str = "src-tauri/wix/policy.wxs";
pub const GUIDE_PATH: &str = "docs/administration.md";
pub const GUIDE_BEGIN: &str = "<!-- BEGIN GENERATED SETTINGS TABLE -->";
pub const GUIDE_END: &str = "<!-- END GENERATED SETTINGS TABLE -->";
/// The MSI component that writes the properties; `tauri.conf.json` refers to it.
pub const WIX_COMPONENT: &str = "SprechzimmerPolicy";
/// Fixed for ever: MSI tracks the component by it across versions.
const WIX_COMPONENT_GUID: &str = "{6B1F6A52-3C0E-4E0B-9E43-5A2B8D1C7F10}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn choices(d: &Def) -> Option<&'static [&'static str]> {
    match d.kind {
        Kind::Choice(c) => Some(c),
        _ => None,
    }
}

fn is_list(d: &Def) -> bool {
    matches!(d.kind, Kind::HostList | Kind::NameList(_))
}

pub fn admx() -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- {HEADER} -->\n\
<policyDefinitions xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n\
  <policyNamespaces>\n    <target prefix=\"sprechzimmer\" namespace=\"Sprechzimmer.Policies.Sprechzimmer\" />\n  </policyNamespaces>\n\
  <resources minRequiredRevision=\"1.0\" />\n\
  <supportedOn>\n    <definitions>\n      <definition name=\"{SUPPORTED}\" displayName=\"$(string.{SUPPORTED})\" />\n    </definitions>\n  </supportedOn>\n\
  <categories>\n    <category name=\"Sprechzimmer\" displayName=\"$(string.Sprechzimmer)\" />\n  </categories>\n  <policies>\n"
    );
    for d in DEFS {
        let k = d.key;
        s.push_str(&format!(
            "    <policy name=\"{k}\" class=\"Both\" displayName=\"$(string.{k})\" explainText=\"$(string.{k}_Explain)\" presentation=\"$(presentation.{k})\" key=\"{REGISTRY_KEY}\">\n\
      <parentCategory ref=\"Sprechzimmer\" />\n      <supportedOn ref=\"{SUPPORTED}\" />\n      <elements>\n"
        ));
        if let Some(items) = choices(d) {
            s.push_str(&format!("        <enum id=\"{k}\" valueName=\"{k}\" required=\"true\">\n"));
            for item in items {
                s.push_str(&format!("          <item displayName=\"$(string.{k}_{item})\"><value><string>{item}</string></value></item>\n"));
            }
            s.push_str("        </enum>\n");
        } else if is_list(d) {
            s.push_str(&format!("        <multiText id=\"{k}\" valueName=\"{k}\" required=\"true\" />\n"));
        } else {
            s.push_str(&format!("        <text id=\"{k}\" valueName=\"{k}\" required=\"true\" maxLength=\"2048\" />\n"));
        }
        s.push_str("      </elements>\n    </policy>\n");
    }
    s.push_str("  </policies>\n</policyDefinitions>\n");
    s
}

/// `lang`: 0 German, 1 English.
pub fn adml(lang: usize) -> String {
    let (supported, description) = if lang == 0 {
        ("Sprechzimmer 0.1 und neuer", "Richtlinien für Sprechzimmer, die App für Videoberatung.")
    } else {
        ("Sprechzimmer 0.1 and later", "Policies for Sprechzimmer, the video counselling app.")
    };
    let mut strings = vec![("Sprechzimmer".to_string(), "Sprechzimmer".to_string()), (SUPPORTED.to_string(), supported.to_string())];
    let mut presentations = String::new();
    for d in DEFS {
        let k = d.key;
        strings.push((k.to_string(), d.title[lang].to_string()));
        let mut explain = d.help[lang].to_string();
        if let Some(p) = d.msi {
            let label = if lang == 0 { "MSI-Eigenschaft" } else { "MSI property" };
            explain.push_str(&format!("\n\n{label}: {p}"));
        }
        strings.push((format!("{k}_Explain"), explain));
        let label = esc(d.title[lang]);
        if let Some(items) = choices(d) {
            for item in items {
                strings.push((format!("{k}_{item}"), item.to_string()));
            }
            presentations.push_str(&format!(
                "      <presentation id=\"{k}\">\n        <dropdownList refId=\"{k}\" noSort=\"true\" defaultItem=\"0\">{label}</dropdownList>\n      </presentation>\n"
            ));
        } else if is_list(d) {
            presentations.push_str(&format!(
                "      <presentation id=\"{k}\">\n        <multiTextBox refId=\"{k}\">{label}</multiTextBox>\n      </presentation>\n"
            ));
        } else {
            presentations.push_str(&format!(
                "      <presentation id=\"{k}\">\n        <textBox refId=\"{k}\">\n          <label>{label}</label>\n        </textBox>\n      </presentation>\n"
            ));
        }
    }
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- {HEADER} -->\n\
<policyDefinitionResources xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions\">\n\
  <displayName>Sprechzimmer</displayName>\n  <description>{}</description>\n  <resources>\n    <stringTable>\n",
        esc(description)
    );
    for (id, text) in strings {
        s.push_str(&format!("      <string id=\"{id}\">{}</string>\n", esc(&text)));
    }
    s.push_str("    </stringTable>\n    <presentationTable>\n");
    s.push_str(&presentations);
    s.push_str("    </presentationTable>\n  </resources>\n</policyDefinitionResources>\n");
    s
}

/// The MSI side: each public property lands as a string value under the
/// machine policy key. Empty properties write empty strings, which the
/// reader treats as "not set" (wixl, used to test this, has no component
/// conditions).
pub fn wix() -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- {HEADER} -->\n<Wix xmlns=\"http://schemas.microsoft.com/wix/2006/wi\">\n  <Fragment>\n"
    );
    for d in DEFS {
        if let Some(p) = d.msi {
            // Secure: a per-machine install passes it on to the elevated part.
            s.push_str(&format!("    <Property Id=\"{p}\" Secure=\"yes\" />\n"));
        }
    }
    s.push_str(&format!(
        "    <DirectoryRef Id=\"TARGETDIR\">\n      <Component Id=\"{WIX_COMPONENT}\" Guid=\"{WIX_COMPONENT_GUID}\" Win64=\"yes\">\n"
    ));
    // The key path lives outside the policy key, where the reader would
    // report it as an unknown setting.
    s.push_str("        <RegistryValue Root=\"HKLM\" Key=\"SOFTWARE\\Sprechzimmer\\Installer\" Name=\"PolicyFromMsi\" Type=\"integer\" Value=\"1\" KeyPath=\"yes\" />\n");
    s.push_str(&format!("        <RegistryKey Root=\"HKLM\" Key=\"{REGISTRY_KEY}\">\n"));
    for d in DEFS {
        if let Some(p) = d.msi {
            s.push_str(&format!("          <RegistryValue Name=\"{}\" Type=\"string\" Value=\"[{p}]\" />\n", d.key));
        }
    }
    s.push_str("        </RegistryKey>\n      </Component>\n    </DirectoryRef>\n  </Fragment>\n</Wix>\n");
    s
}

pub fn schema() -> String {
    let mut props = Map::new();
    for d in DEFS {
        let mut p = match d.kind {
            Kind::Choice(c) => json!({ "type": "string", "enum": c }),
            Kind::HostList => json!({ "type": "array", "items": { "type": "string", "pattern": "^(\\*\\.)?[^/:@?#\\\\*\\s]+$" }, "maxItems": 64 }),
            Kind::NameList(n) => json!({ "type": "array", "items": { "type": "string", "enum": n }, "uniqueItems": true }),
            Kind::Url => json!({ "type": "string", "format": "uri", "pattern": "^https://", "maxLength": 2048 }),
            Kind::Proxy => json!({ "type": "string", "format": "uri", "pattern": "^(http|socks5)://", "maxLength": 2048 }),
            Kind::Browser => json!({ "type": "string", "anyOf": [{ "enum": super::definition::BROWSERS }, { "pattern": "^/" }] }),
        };
        p["title"] = json!(d.title[1]);
        p["description"] = json!(d.help[1]);
        if let Some(def) = d.default {
            p["default"] = json!(def);
        }
        p["x-user-setting"] = json!(d.user);
        if let Some(m) = d.msi {
            p["x-msi-property"] = json!(m);
        }
        props.insert(d.key.to_string(), p);
    }
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": HEADER,
        "title": "Sprechzimmer policy",
        "description": "A policy file: /etc/sprechzimmer/policies/managed/*.json (locked) or recommended/*.json (defaults users may change). macOS managed preferences and the Windows registry carry the same keys.",
        "type": "object",
        "additionalProperties": false,
        "properties": Json::Object(props),
    });
    serde_json::to_string_pretty(&schema).expect("schema serialises") + "\n"
}

pub fn guide_table() -> String {
    let mut s = format!(
        "{GUIDE_BEGIN}\n<!-- {HEADER} -->\n\n| key | values | default | users may set | MSI property | what it does |\n|---|---|---|---|---|---|\n"
    );
    for d in DEFS {
        let values = match d.kind {
            Kind::Choice(c) => c.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
            Kind::NameList(n) => format!("list of {}", n.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")),
            Kind::HostList => "list of host names or `*.domain`".into(),
            Kind::Url => "https URL".into(),
            Kind::Proxy => "`http://` or `socks5://` host:port".into(),
            Kind::Browser => "`auto`, `chromium`, `chrome`, `edge` or an absolute path".into(),
        };
        s.push_str(&format!(
            "| `{}` | {values} | {} | {} | {} | {} |\n",
            d.key,
            d.default.map(|v| format!("`{v}`")).unwrap_or_else(|| "not set".into()),
            if d.user { "yes" } else { "no" },
            d.msi.map(|p| format!("`{p}`")).unwrap_or_else(|| "—".into()),
            d.help[1].replace('|', "\\|"),
        ));
    }
    s.push('\n');
    s.push_str(GUIDE_END);
    s
}

/// (path, content) of every generated file; the guide only in part.
pub fn all() -> Vec<(&'static str, String)> {
    vec![(ADMX_PATH, admx()), (ADML_DE_PATH, adml(0)), (ADML_EN_PATH, adml(1)), (SCHEMA_PATH, schema()), (WIX_PATH, wix())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    #[test]
    fn generated_files_match_the_definition() {
        let update = std::env::var_os("UPDATE_GENERATED").is_some();
        let mut stale = Vec::new();
        for (path, content) in all() {
            let p = root().join(path);
            if update {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, &content).unwrap();
            } else if std::fs::read_to_string(&p).ok().as_deref() != Some(content.as_str()) {
                stale.push(path);
            }
        }
        let guide_path = root().join(GUIDE_PATH);
        let guide = std::fs::read_to_string(&guide_path).unwrap_or_default();
        match (guide.find(GUIDE_BEGIN), guide.find(GUIDE_END)) {
            (Some(b), Some(e)) if b < e => {
                let fresh = format!("{}{}{}", &guide[..b], guide_table(), &guide[e + GUIDE_END.len()..]);
                if update {
                    std::fs::write(&guide_path, fresh).unwrap();
                } else if fresh != guide {
                    stale.push(GUIDE_PATH);
                }
            }
            _ => stale.push(GUIDE_PATH),
        }
        assert!(stale.is_empty(), "out of date: {stale:?}; run UPDATE_GENERATED=1 cargo test --lib policy::templates");
    }

    #[test]
    fn admx_and_adml_agree() {
        let admx = admx();
        let doc = roxmltree::Document::parse(&admx).unwrap();
        let refs: Vec<String> = admx.match_indices("$(string.").map(|(i, _)| admx[i + 9..].split(')').next().unwrap().to_string()).collect();
        let pres: Vec<String> = admx.match_indices("$(presentation.").map(|(i, _)| admx[i + 15..].split(')').next().unwrap().to_string()).collect();
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("policy")).count(), DEFS.len());
        for lang in [0, 1] {
            let text = adml(lang);
            let adml = roxmltree::Document::parse(&text).unwrap();
            let ids: Vec<&str> = adml.descendants().filter(|n| n.has_tag_name("string")).filter_map(|n| n.attribute("id")).collect();
            for r in &refs {
                assert!(ids.contains(&r.as_str()), "ADML {lang} lacks string {r}");
            }
            let pids: Vec<&str> = adml.descendants().filter(|n| n.has_tag_name("presentation")).filter_map(|n| n.attribute("id")).collect();
            for p in &pres {
                assert!(pids.contains(&p.as_str()), "ADML {lang} lacks presentation {p}");
            }
            // Every element an ADMX policy names has its control.
            for id in doc.descendants().filter(|n| matches!(n.tag_name().name(), "text" | "enum" | "multiText")).filter_map(|n| n.attribute("id")) {
                assert!(text.contains(&format!("refId=\"{id}\"")), "no control for {id}");
            }
        }
    }

    #[test]
    fn wix_writes_every_msi_property_to_the_policy_key() {
        let wxs = wix();
        let doc = roxmltree::Document::parse(&wxs).unwrap();
        for d in DEFS.iter().filter(|d| d.msi.is_some()) {
            let p = d.msi.unwrap();
            assert!(doc.descendants().any(|n| n.has_tag_name("Property") && n.attribute("Id") == Some(p) && n.attribute("Secure") == Some("yes")));
            let v = doc
                .descendants()
                .find(|n| n.has_tag_name("RegistryValue") && n.attribute("Name") == Some(d.key))
                .unwrap_or_else(|| panic!("no registry value for {}", d.key));
            assert_eq!(v.attribute("Value"), Some(format!("[{p}]").as_str()));
            assert_eq!(v.parent().unwrap().attribute("Key"), Some(REGISTRY_KEY));
            assert_eq!(v.parent().unwrap().attribute("Root"), Some("HKLM"));
        }
        let conf = include_str!("../../../../tauri.conf.json");
        assert!(conf.contains(WIX_PATH) && conf.contains(WIX_COMPONENT), "tauri.conf.json bundles the fragment");
    }

    #[test]
    fn schema_lists_every_key_and_nothing_else() {
        let v: Json = serde_json::from_str(&schema()).unwrap();
        let props = v["properties"].as_object().unwrap();
        assert_eq!(props.len(), DEFS.len());
        assert_eq!(v["additionalProperties"], false);
        for d in DEFS {
            assert_eq!(props[d.key]["x-user-setting"], d.user);
        }
    }
}
