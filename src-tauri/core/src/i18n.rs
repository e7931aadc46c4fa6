//! One message catalogue for the UI and the Rust side (`ui/i18n/*.json`), so
//! an error code is translated the same way wherever it surfaces.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use serde::Serialize;

/// The app's languages. `Ls` is German in Leichte Sprache (easy-to-read
/// German) for the client's screens; the rest of it falls back to German.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    De,
    Ls,
    En,
    Uk,
    Ar,
    Tr,
    Ru,
    Fa,
}

impl Lang {
    pub const ALL: [Lang; 8] = [Lang::De, Lang::Ls, Lang::En, Lang::Uk, Lang::Ar, Lang::Tr, Lang::Ru, Lang::Fa];

    /// The system's language where the app has it; German otherwise: the
    /// product is German first. Leichte Sprache is chosen, never guessed.
    pub fn from_locale(locale: Option<&str>) -> Lang {
        let Some(l) = locale else { return Lang::De };
        let primary: String = l.chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase();
        match Lang::from_code(&primary) {
            Some(Lang::Ls) | None => Lang::De,
            Some(lang) => lang,
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::Ls => "ls",
            Lang::En => "en",
            Lang::Uk => "uk",
            Lang::Ar => "ar",
            Lang::Tr => "tr",
            Lang::Ru => "ru",
            Lang::Fa => "fa",
        }
    }

    /// The language texts are written in, for `lang` attributes and for
    /// choosing an organisation's texts: Leichte Sprache is German.
    pub fn base(self) -> &'static str {
        match self {
            Lang::Ls => "de",
            other => other.code(),
        }
    }

    pub fn is_rtl(self) -> bool {
        matches!(self, Lang::Ar | Lang::Fa)
    }

    /// Where a text is missing in this language: the same language's base,
    /// then German (the organisations' own language), then English.
    pub fn fallbacks(self) -> [&'static str; 3] {
        [self.base(), "de", "en"]
    }
}

/// 0 = not chosen yet: the system locale decides at first use.
static CURRENT: AtomicU8 = AtomicU8::new(0);

fn index(lang: Lang) -> u8 {
    Lang::ALL.iter().position(|l| *l == lang).map_or(1, |i| i as u8 + 1)
}

/// Fixes the language before first use (the `language` setting); `None`
/// leaves it to the system locale.
pub fn init(lang: Option<Lang>) {
    if let Some(l) = lang {
        let _ = CURRENT.compare_exchange(0, index(l), Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Switches the language of this process (the language switch in the app).
pub fn set(lang: Lang) {
    CURRENT.store(index(lang), Ordering::SeqCst);
}

/// The language of this process, from the system locale at first use.
pub fn current() -> Lang {
    let i = CURRENT.load(Ordering::SeqCst);
    if i > 0 {
        return Lang::ALL[usize::from(i - 1)];
    }
    let env = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    // sys-locale covers Windows and macOS; on Linux it reads the same variables.
    let lang = Lang::from_locale(env.or_else(sys_locale::get_locale).as_deref());
    init(Some(lang));
    Lang::ALL[usize::from(CURRENT.load(Ordering::SeqCst) - 1)]
}

type Catalogue = HashMap<String, String>;

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::De => include_str!("../../../ui/i18n/de.json"),
        Lang::Ls => include_str!("../../../ui/i18n/ls.json"),
        Lang::En => include_str!("../../../ui/i18n/en.json"),
        Lang::Uk => include_str!("../../../ui/i18n/uk.json"),
        Lang::Ar => include_str!("../../../ui/i18n/ar.json"),
        Lang::Tr => include_str!("../../../ui/i18n/tr.json"),
        Lang::Ru => include_str!("../../../ui/i18n/ru.json"),
        Lang::Fa => include_str!("../../../ui/i18n/fa.json"),
    }
}

fn catalogue(lang: Lang) -> &'static Catalogue {
    static CELLS: [OnceLock<Catalogue>; 8] = [const { OnceLock::new() }; 8];
    let i = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    CELLS[i].get_or_init(|| serde_json::from_str(source(lang)).expect("ui/i18n catalogue is valid JSON"))
}

/// The message for `key`; falls back to German, then to the key itself.
pub fn t(lang: Lang, key: &str) -> String {
    catalogue(lang).get(key).or_else(|| catalogue(Lang::De).get(key)).cloned().unwrap_or_else(|| key.to_string())
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The CLDR plural category of `n` in `lang` (`one`, `few`, …), as the
/// UI's `Intl.PluralRules` gives it.
pub fn plural_category(lang: Lang, n: u64) -> &'static str {
    use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
    let Ok(id) = lang.base().parse::<unic_langid::LanguageIdentifier>() else { return "other" };
    let Ok(rules) = PluralRules::create(id, PluralRuleType::CARDINAL) else { return "other" };
    match rules.select(n) {
        Ok(PluralCategory::ZERO) => "zero",
        Ok(PluralCategory::ONE) => "one",
        Ok(PluralCategory::TWO) => "two",
        Ok(PluralCategory::FEW) => "few",
        Ok(PluralCategory::MANY) => "many",
        _ => "other",
    }
}

/// A message with a count: `key.<category>` with `{count}` filled in.
pub fn tp(lang: Lang, key: &str, n: u64, args: &[(&str, &str)]) -> String {
    let form = format!("{key}.{}", plural_category(lang, n));
    let key = if catalogue(lang).contains_key(&form) || catalogue(Lang::De).contains_key(&form) { form } else { format!("{key}.other") };
    let count = n.to_string();
    let mut all = vec![("count", count.as_str())];
    all.extend_from_slice(args);
    tf(lang, &key, &all)
}

/// Plural forms: a key ending in one of CLDR's categories.
pub const PLURAL_FORMS: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// The keys Leichte Sprache leaves to German: screens for counsellors and
/// IT, not for clients.
pub const LS_EXCLUDED: [&str; 6] = ["counsellor.", "error.counsellor.", "settings.", "error.settings.", "tray.", "cli."];

/// `(base, form)` for a plural key, `None` for any other.
pub fn plural_parts(key: &str) -> Option<(&str, &str)> {
    let (base, form) = key.rsplit_once('.')?;
    PLURAL_FORMS.contains(&form).then_some((base, form))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn locale_selection() {
        assert_eq!(Lang::from_locale(Some("de_DE.UTF-8")), Lang::De);
        assert_eq!(Lang::from_locale(Some("en_GB.UTF-8")), Lang::En);
        assert_eq!(Lang::from_locale(Some("en-US")), Lang::En);
        assert_eq!(Lang::from_locale(Some("uk_UA.UTF-8")), Lang::Uk);
        assert_eq!(Lang::from_locale(Some("ar_SY")), Lang::Ar);
        assert_eq!(Lang::from_locale(Some("tr-TR")), Lang::Tr);
        assert_eq!(Lang::from_locale(Some("ru_RU.UTF-8")), Lang::Ru);
        assert_eq!(Lang::from_locale(Some("fa_IR")), Lang::Fa);
        assert_eq!(Lang::from_locale(Some("fr_FR")), Lang::De);
        assert_eq!(Lang::from_locale(Some("ls")), Lang::De, "Leichte Sprache is chosen, never guessed");
        assert_eq!(Lang::from_locale(Some("C")), Lang::De);
        assert_eq!(Lang::from_locale(None), Lang::De);
        assert!(Lang::Ar.is_rtl() && Lang::Fa.is_rtl() && !Lang::Uk.is_rtl());
        assert_eq!(Lang::Ls.base(), "de");
    }

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            let Some(j) = rest[i..].find('}') else { break };
            out.insert(rest[i + 1..i + j].to_string());
            rest = &rest[i + j + 1..];
        }
        out
    }

    /// The categories CLDR uses for whole numbers in `lang`, and `other`
    /// (fractions) — what a plural message must provide.
    fn categories(lang: Lang) -> BTreeSet<&'static str> {
        let mut c: BTreeSet<_> = (0..=1000).map(|n| plural_category(lang, n)).collect();
        c.insert("other");
        c
    }

    /// Every language has every message, with the same placeholders, none
    /// empty, and exactly the plural forms its CLDR rules use.
    #[test]
    fn every_catalogue_is_complete() {
        let de = catalogue(Lang::De);
        let singular: BTreeSet<&str> = de.keys().map(String::as_str).filter(|k| plural_parts(k).is_none()).collect();
        let plural_bases: BTreeSet<&str> = de.keys().filter_map(|k| plural_parts(k).map(|(b, _)| b)).collect();
        assert!(!plural_bases.is_empty());
        for lang in Lang::ALL {
            let cat = catalogue(lang);
            let wanted = |k: &str| lang != Lang::Ls || !LS_EXCLUDED.iter().any(|p| k.starts_with(p));
            for key in singular.iter().filter(|k| wanted(k)) {
                let Some(text) = cat.get(*key) else { panic!("{}: missing {key}", lang.code()) };
                assert!(!text.trim().is_empty(), "{}: empty {key}", lang.code());
                assert_eq!(placeholders(text), placeholders(&de[*key]), "{}: placeholders of {key}", lang.code());
            }
            for base in plural_bases.iter().filter(|k| wanted(k)) {
                let forms: BTreeSet<&str> = cat.keys().filter_map(|k| plural_parts(k).filter(|(b, _)| b == base).map(|(_, f)| f)).collect();
                assert_eq!(forms, categories(lang), "{}: plural forms of {base}", lang.code());
                let reference = placeholders(&de[&format!("{base}.other")]);
                for f in forms {
                    let text = &cat[&format!("{base}.{f}")];
                    assert!(!text.trim().is_empty());
                    assert_eq!(placeholders(text), reference, "{}: placeholders of {base}.{f}", lang.code());
                }
            }
            for key in cat.keys() {
                let known = match plural_parts(key) {
                    Some((base, _)) => plural_bases.contains(base),
                    None => singular.contains(key.as_str()),
                };
                assert!(known, "{}: {key} is not in de.json", lang.code());
            }
        }
    }

    #[test]
    fn plural_categories_follow_cldr() {
        let pick = |lang, n| plural_category(lang, n);
        assert_eq!((pick(Lang::De, 1), pick(Lang::De, 2)), ("one", "other"));
        assert_eq!([1, 3, 5, 11, 21, 22].map(|n| pick(Lang::Uk, n)), ["one", "few", "many", "many", "one", "few"]);
        assert_eq!([1, 4, 7, 101].map(|n| pick(Lang::Ru, n)), ["one", "few", "many", "one"]);
        assert_eq!([0, 1, 2, 3, 11, 100].map(|n| pick(Lang::Ar, n)), ["zero", "one", "two", "few", "many", "other"]);
        assert_eq!([1, 2].map(|n| pick(Lang::Tr, n)), ["one", "other"]);
        assert_eq!([0, 1, 2].map(|n| pick(Lang::Fa, n)), ["one", "one", "other"]);
        assert_eq!(tp(Lang::De, "ended.removed.files", 1, &[("size", "3 KB")]), "Vorübergehende Dateien der Beratung (1 Datei, 3 KB)");
        assert_eq!(tp(Lang::De, "ended.removed.files", 4, &[("size", "3 KB")]), "Vorübergehende Dateien der Beratung (4 Dateien, 3 KB)");
    }

    #[test]
    fn the_language_can_be_switched() {
        let before = current();
        set(Lang::Uk);
        assert_eq!(current(), Lang::Uk);
        set(before);
        assert_eq!(current(), before);
    }

    #[test]
    fn placeholders_are_filled() {
        let s = tf(Lang::En, "lobby.starts_at", &[("time", "10:30")]);
        assert!(s.contains("10:30"), "{s}");
    }

    #[test]
    fn one_gender_inclusive_system_in_german() {
        // Neutral forms (Ratsuchende, Beratungsperson, Beratende) only: no
        // binnen-I, no slashes, no pair forms.
        for lang in [Lang::De, Lang::Ls] {
            for (k, v) in catalogue(lang) {
                for mixed in ["KlientInnen", "BeraterInnen", "Beraterin", "Klientin", "Berater /", "Beraterinnen und", "Klientinnen und"] {
                    assert!(!v.contains(mixed), "{}: {k} says {mixed}", lang.code());
                }
            }
        }
    }
}
