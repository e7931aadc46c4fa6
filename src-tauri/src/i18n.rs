//! One message catalogue for the UI and the Rust side (`ui/i18n/*.json`), so
//! an error code is translated the same way wherever it surfaces.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    De,
    En,
}

impl Lang {
    /// German unless the system asks for English: the product is German first.
    pub fn from_locale(locale: Option<&str>) -> Lang {
        match locale {
            Some(l) if l.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::De,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

static CURRENT: OnceLock<Lang> = OnceLock::new();

/// Fixes the language before first use (the `language` setting); `None`
/// leaves it to the system locale.
pub fn init(lang: Option<Lang>) {
    if let Some(l) = lang {
        let _ = CURRENT.set(l);
    }
}

/// The language of this process, fixed at first use from the system locale.
pub fn current() -> Lang {
    *CURRENT.get_or_init(|| {
        let env = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        // sys-locale covers Windows and macOS; on Linux it reads the same variables.
        Lang::from_locale(env.or_else(sys_locale::get_locale).as_deref())
    })
}

type Catalogue = HashMap<String, String>;

fn catalogue(lang: Lang) -> &'static Catalogue {
    static DE: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::De => (&DE, include_str!("../../ui/i18n/de.json")),
        Lang::En => (&EN, include_str!("../../ui/i18n/en.json")),
    };
    cell.get_or_init(|| serde_json::from_str(src).expect("ui/i18n catalogue is valid JSON"))
}

/// The message for `key`; falls back to German, then to the key itself.
pub fn t(lang: Lang, key: &str) -> String {
    catalogue(lang)
        .get(key)
        .or_else(|| catalogue(Lang::De).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_selection() {
        assert_eq!(Lang::from_locale(Some("de_DE.UTF-8")), Lang::De);
        assert_eq!(Lang::from_locale(Some("en_GB.UTF-8")), Lang::En);
        assert_eq!(Lang::from_locale(Some("en-US")), Lang::En);
        assert_eq!(Lang::from_locale(Some("fr_FR")), Lang::De);
        assert_eq!(Lang::from_locale(None), Lang::De);
    }

    #[test]
    fn catalogues_have_the_same_keys() {
        let de: Vec<_> = {
            let mut k: Vec<_> = catalogue(Lang::De).keys().collect();
            k.sort();
            k
        };
        let en: Vec<_> = {
            let mut k: Vec<_> = catalogue(Lang::En).keys().collect();
            k.sort();
            k
        };
        assert_eq!(de, en, "de.json and en.json must define the same keys");
    }

    #[test]
    fn placeholders_are_filled() {
        let s = tf(Lang::En, "lobby.starts_at", &[("time", "10:30")]);
        assert!(s.contains("10:30"), "{s}");
    }
}
