//! What the counsellor sends a client: the e-mail draft and the calendar
//! file (RFC 5545). Both are built from the running session alone, in the
//! language the counsellor picks for this client. Neither names the client
//! unless the counsellor asks for it in the calendar entry (a BigBlueButton
//! invite still carries the name inside its signed link: the server shows it).

use std::path::{Path, PathBuf};

use time::{OffsetDateTime, UtcOffset};

use crate::i18n::{t, tf, tp, Lang};
use crate::profile::{Localized, OrgProfile, Support};

/// Session lengths the counsellor can choose, in minutes.
pub const LENGTHS: [u16; 6] = [30, 45, 50, 60, 90, 120];
pub const DEFAULT_LENGTH: u16 = 60;

/// The appointment, as the counsellor entered it: the time in the
/// counsellor's own offset, and the time zone's name where the UI knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub at: OffsetDateTime,
    pub minutes: u16,
    /// IANA name (`Europe/Berlin`), for the calendar's `TZID`.
    pub time_zone: Option<String>,
}

impl Appointment {
    /// `None` for a name no calendar would know, rather than a broken file.
    pub fn zone_name(name: &str) -> Option<String> {
        let ok = !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b));
        ok.then(|| name.to_string())
    }
}

/// What the invitation says about the organisation, from its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    pub organisation: Localized,
    pub install_url: Option<String>,
    pub privacy_url: Option<String>,
    pub support: Option<Support>,
}

impl Letterhead {
    pub fn of(p: &OrgProfile) -> Letterhead {
        Letterhead {
            organisation: p.name.clone(),
            install_url: p.install_url.clone(),
            privacy_url: p.privacy_notice.url.clone(),
            support: p.support.clone(),
        }
    }
}

/// Everything an invitation is made of, for one running session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub link: String,
    pub appointment: Option<Appointment>,
    pub letterhead: Letterhead,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub subject: String,
    pub body: String,
}

fn two(n: u8) -> String {
    format!("{n:02}")
}

/// `UTC+01:00`: what the reader's clock may differ by.
fn zone(offset: UtcOffset) -> String {
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

impl Invitation {
    fn org(&self, lang: Lang) -> &str {
        self.letterhead.organisation.get(lang)
    }

    /// The appointment in words: date, time, offset, length.
    fn when(&self, lang: Lang) -> Option<String> {
        let a = self.appointment.as_ref()?;
        let date = tf(lang, "mail.date", &[("day", &two(a.at.day())), ("month", &two(a.at.month() as u8)), ("year", &a.at.year().to_string())]);
        let time = format!("{}:{}", two(a.at.hour()), two(a.at.minute()));
        let length = tp(lang, "mail.minutes", u64::from(a.minutes), &[]);
        Some(tf(lang, "mail.when", &[("date", &date), ("time", &time), ("zone", &zone(a.at.offset())), ("length", &length)]))
    }

    fn support(&self, lang: Lang) -> Option<String> {
        let s = self.letterhead.support.as_ref()?;
        let mut contact: Vec<&str> = [s.phone.as_deref(), s.email.as_deref()].into_iter().flatten().collect();
        if contact.is_empty() {
            return None;
        }
        let hours = s.hours.as_ref().map(|h| format!("({})", h.get(lang)));
        if let Some(h) = &hours {
            contact.push(h);
        }
        Some(tf(lang, "mail.support", &[("contact", &contact.join(", ").replace(", (", " ("))]))
    }

    /// The e-mail draft: when, how to install, the link, what happens, the
    /// privacy note and whom to ask.
    pub fn mail(&self, lang: Lang) -> Draft {
        let org = self.org(lang);
        let mut parts: Vec<String> = vec![t(lang, "mail.greeting"), tf(lang, "mail.intro", &[("org", org)])];
        if let Some(when) = self.when(lang) {
            parts.push(when);
        }
        let install = match &self.letterhead.install_url {
            Some(url) => tf(lang, "mail.install", &[("url", url)]),
            None => t(lang, "mail.install_ask"),
        };
        let open = t(lang, if self.appointment.is_some() { "mail.open_at" } else { "mail.open_now" });
        parts.push(format!("{}\n{install}\n{open}\n{}\n{}", t(lang, "mail.how"), self.link, t(lang, "mail.consent")));
        let mut privacy = t(lang, "mail.privacy");
        if let Some(url) = &self.letterhead.privacy_url {
            privacy = format!("{privacy}\n{}", tf(lang, "mail.privacy_url", &[("url", url)]));
        }
        parts.push(privacy);
        if let Some(s) = self.support(lang) {
            parts.push(s);
        }
        parts.push(t(lang, "mail.closing"));
        Draft { subject: tf(lang, "mail.subject", &[("org", org)]), body: parts.join("\n\n") }
    }

    /// The `mailto:` URL of the draft, with no recipient: the counsellor adds it.
    pub fn mailto(&self, lang: Lang) -> String {
        let d = self.mail(lang);
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
        format!("mailto:?subject={}&body={}", enc(&d.subject), enc(&d.body.replace('\n', "\r\n")))
    }

    /// The calendar file: one event with the join link, a reminder 15
    /// minutes before, and the time zone the counsellor entered it in.
    /// `client` is the name, only where the counsellor chose to add it.
    pub fn calendar(&self, lang: Lang, client: Option<&str>, now: OffsetDateTime, uid: &str) -> Option<String> {
        let a = self.appointment.as_ref()?;
        let org = self.org(lang);
        let summary = match client {
            Some(name) => tf(lang, "calendar.summary_name", &[("name", name), ("org", org)]),
            None => tf(lang, "calendar.summary", &[("org", org)]),
        };
        let offset = a.at.offset();
        let tzid = a.time_zone.clone().unwrap_or_else(|| zone(offset));
        let (h, m, _) = offset.as_hms();
        let utc_offset = format!("{}{:02}{:02}", if offset.is_negative() { '-' } else { '+' }, h.unsigned_abs(), m.unsigned_abs());
        let end = a.at + time::Duration::minutes(i64::from(a.minutes));
        let local = |d: OffsetDateTime| format!("{:04}{}{}T{}{}00", d.year(), two(d.month() as u8), two(d.day()), two(d.hour()), two(d.minute()));
        let utc = now.to_offset(UtcOffset::UTC);
        let stamp = format!("{}{}Z", &local(utc)[..13], two(utc.second()));
        let lines = [
            "BEGIN:VCALENDAR".to_string(),
            "VERSION:2.0".to_string(),
            format!("PRODID:-//Sprechzimmer//Sprechzimmer {}//{}", env!("CARGO_PKG_VERSION"), lang.base().to_uppercase()),
            "CALSCALE:GREGORIAN".to_string(),
            "METHOD:PUBLISH".to_string(),
            // One fixed offset: right for this one event, whatever the rules.
            "BEGIN:VTIMEZONE".to_string(),
            format!("TZID:{tzid}"),
            "BEGIN:STANDARD".to_string(),
            "DTSTART:19700101T000000".to_string(),
            format!("TZOFFSETFROM:{utc_offset}"),
            format!("TZOFFSETTO:{utc_offset}"),
            format!("TZNAME:{}", zone(offset)),
            "END:STANDARD".to_string(),
            "END:VTIMEZONE".to_string(),
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}"),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;TZID={tzid}:{}", local(a.at)),
            format!("DTEND;TZID={tzid}:{}", local(end)),
            format!("SUMMARY:{}", text(&summary)),
            format!("DESCRIPTION:{}", text(&self.mail(lang).body)),
            format!("URL:{}", self.link),
            "TRANSP:OPAQUE".to_string(),
            "CLASS:PRIVATE".to_string(),
            "BEGIN:VALARM".to_string(),
            "ACTION:DISPLAY".to_string(),
            "TRIGGER:-PT15M".to_string(),
            format!("DESCRIPTION:{}", text(&t(lang, "calendar.alarm"))),
            "END:VALARM".to_string(),
            "END:VEVENT".to_string(),
            "END:VCALENDAR".to_string(),
        ];
        Some(lines.iter().map(|l| fold(l)).collect())
    }
}

/// Writes the calendar file into `dir` as `Sprechzimmer-<date>-<time>.ics`
/// (`folders::write_new`); no client name in the file name.
pub fn write_calendar(dir: &Path, at: OffsetDateTime, ics: &str) -> std::io::Result<PathBuf> {
    let stem = format!("Sprechzimmer-{:04}-{}-{}-{}{}", at.year(), two(at.month() as u8), two(at.day()), two(at.hour()), two(at.minute()));
    crate::folders::write_new(dir, &stem, "ics", ics.as_bytes())
}

/// A TEXT value (RFC 5545 3.3.11): backslash, `;`, `,` and newlines escaped.
fn text(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace("\r\n", "\\n").replace('\n', "\\n")
}

/// One content line, folded at 75 octets (RFC 5545 3.1) without splitting a
/// character, ending in CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        // Continuation lines start with a space, which counts.
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hosts::UrlRules;
    use time::macros::datetime;

    fn invitation(edit: impl Fn(&mut serde_json::Value)) -> Invitation {
        let mut v = crate::profile::tests::sample();
        v["install_url"] = serde_json::json!("https://beratung.example.org/app");
        edit(&mut v);
        let p = OrgProfile::from_json(&v.to_string(), UrlRules::default()).unwrap();
        Invitation {
            link: "https://beratung.example.org/join.html#v=1&provider=jitsi&profile=x".into(),
            appointment: Some(Appointment { at: datetime!(2026-12-03 10:30 +01:00), minutes: 50, time_zone: Some("Europe/Berlin".into()) }),
            letterhead: Letterhead::of(&p),
        }
    }

    #[test]
    fn the_mail_says_when_how_and_whom_to_ask() {
        let d = invitation(|_| {}).mail(Lang::De);
        assert_eq!(d.subject, "Einladung zur Videoberatung – Beratungsstelle Beispiel");
        for want in [
            "Termin: 03.12.2026 um 10:30 Uhr (UTC+01:00), etwa 50 Minuten.",
            "Sprechzimmer: https://beratung.example.org/app",
            "kurz vor dem Termin diesen Link:\nhttps://beratung.example.org/join.html#v=1",
            "Der Link ist nur für Sie",
            "Unsere Datenschutzerklärung: https://beratung.example.org/datenschutz",
            "+49 30 1234-567, hilfe@example.org (Mo–Fr 9–16 Uhr)",
        ] {
            assert!(d.body.contains(want), "{want}\n---\n{}", d.body);
        }
        let en = invitation(|_| {}).mail(Lang::En);
        assert!(en.body.contains("Appointment: 2026-12-03 at 10:30 (UTC+01:00), about 50 minutes."), "{}", en.body);
        assert!(en.body.contains("(Mon–Fri 9am–4pm)"), "the organisation's hours in English");
        assert!(en.subject.ends_with("Example Counselling"));
    }

    #[test]
    fn without_appointment_install_address_or_support_the_mail_still_reads_well() {
        let mut inv = invitation(|v| {
            v.as_object_mut().unwrap().remove("install_url");
            v.as_object_mut().unwrap().remove("support");
        });
        inv.appointment = None;
        let d = inv.mail(Lang::De);
        assert!(!d.body.contains("Termin:") && d.body.contains("2. Öffnen Sie diesen Link:"), "{}", d.body);
        assert!(d.body.contains("fragen Sie uns gern"), "{}", d.body);
        assert!(!d.body.contains("Hilfe bei technischen Fragen"));
        assert!(!d.body.contains('{'), "no placeholder left: {}", d.body);
    }

    #[test]
    fn every_language_writes_a_whole_mail() {
        for lang in Lang::ALL {
            let d = invitation(|_| {}).mail(lang);
            assert!(!d.subject.contains('{') && !d.body.contains('{'), "{lang:?}: {}", d.body);
            assert!(!d.body.contains("mail."), "{lang:?}: a key instead of a text");
            assert!(d.body.contains("https://beratung.example.org/join.html#v=1"), "{lang:?}");
            assert!(d.body.contains("50"), "{lang:?}: the length");
        }
    }

    #[test]
    fn the_mailto_link_keeps_every_character() {
        let inv = invitation(|_| {});
        let m = inv.mailto(Lang::De);
        assert!(m.starts_with("mailto:?subject=Einladung%20zur%20Videoberatung"), "{m}");
        let body = m.split("&body=").nth(1).unwrap();
        let decoded: String = url::form_urlencoded::parse(format!("b={body}").as_bytes()).next().unwrap().1.into_owned();
        assert_eq!(decoded, inv.mail(Lang::De).body.replace('\n', "\r\n"), "the link's # and & survive");
    }

    #[test]
    fn the_calendar_file_is_folded_escaped_and_in_the_counsellors_zone() {
        let inv = invitation(|v| v["name"]["de"] = serde_json::json!("Beratung; Süd, Nord"));
        let ics = inv.calendar(Lang::De, None, datetime!(2026-12-02 09:15:07 UTC), "abc@sprechzimmer").unwrap();
        assert!(ics.lines().all(|l| l.len() <= 76), "folded at 75 octets");
        assert!(ics.split("\r\n").all(|l| l.len() <= 75), "every line, CRLF-separated");
        let unfolded = ics.replace("\r\n ", "");
        for want in [
            "DTSTART;TZID=Europe/Berlin:20261203T103000\r\n",
            "DTEND;TZID=Europe/Berlin:20261203T112000\r\n",
            "DTSTAMP:20261202T091507Z\r\n",
            "TZOFFSETTO:+0100\r\n",
            "SUMMARY:Videoberatung – Beratung\\; Süd\\, Nord\r\n",
            "URL:https://beratung.example.org/join.html#v=1&provider=jitsi&profile=x\r\n",
            "TRIGGER:-PT15M\r\n",
        ] {
            assert!(unfolded.contains(want), "{want}\n{unfolded}");
        }
        assert!(!unfolded.contains("Kim"), "no name unless asked");
        let named = inv.calendar(Lang::De, Some("Kim"), datetime!(2026-12-02 09:15 UTC), "u").unwrap().replace("\r\n ", "");
        assert!(named.contains("SUMMARY:Videoberatung mit Kim – "), "{named}");
        let mut none = inv.clone();
        none.appointment = None;
        assert_eq!(none.calendar(Lang::De, None, datetime!(2026-12-02 09:15 UTC), "u"), None, "no appointment, no calendar file");
    }

    #[test]
    fn a_zone_without_a_name_is_named_by_its_offset() {
        let mut inv = invitation(|_| {});
        inv.appointment = Some(Appointment { at: datetime!(2026-07-01 09:00 -05:30), minutes: 30, time_zone: None });
        let ics = inv.calendar(Lang::En, None, datetime!(2026-06-01 0:00 UTC), "u").unwrap();
        assert!(ics.contains("DTSTART;TZID=UTC-05:30:20260701T090000"), "{ics}");
        assert!(ics.contains("TZOFFSETFROM:-0530"));
        assert_eq!(Appointment::zone_name("Europe/Berlin"), Some("Europe/Berlin".into()));
        assert_eq!(Appointment::zone_name("Evil\r\nX-INJECT:1"), None);
        assert_eq!(Appointment::zone_name(""), None);
    }

    #[test]
    fn the_calendar_file_is_named_by_its_time_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_calendar(dir.path(), datetime!(2026-12-03 10:30 +01:00), "A").unwrap();
        assert_eq!(a.file_name().unwrap(), "Sprechzimmer-2026-12-03-1030.ics");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let line = format!("DESCRIPTION:{}", "ü€".repeat(40));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75);
            assert!(std::str::from_utf8(part.as_bytes()).is_ok());
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}
