//! Booked appointments, on the counsellor's computer only. A counsellor
//! books ahead, and the client invite exists at once, valid for the
//! appointment ([`super::start::booked_invite`]):
//!
//! - BigBlueButton: a fixed, unguessable meetingID; the guest join is
//!   presigned without `createTime`, so it fits the meeting that is created
//!   when the counsellor starts the booked session;
//! - Jitsi Meet: the room, and with token authentication a guest token whose
//!   `nbf`/`exp` cover the appointment.
//!
//! A booking holds the minimum: time, length, pseudonym, meeting reference.
//! The list is encrypted (XChaCha20-Poly1305) in `bookings.bin` beside
//! `counsellor.json`; its key lives in the OS credential store only, and
//! both go when the last booking goes. A booking is deleted when its session
//! ends or it is cancelled, and at the latest `retention_days` after its
//! date ([`purge`], at every start and daily).

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::invitation::{Appointment, LENGTHS};
use super::{secrets, Access, CounsellorError};

pub const FILE_NAME: &str = "bookings.bin";
/// The credential store's entry for the key.
pub const KEY_NAME: &str = "bookings-key";
/// The longest a booking is kept after its date; policy can only shorten it.
pub const MAX_RETENTION_DAYS: u16 = crate::settings::MAX_BOOKING_RETENTION_DAYS;
const MAX_BOOKINGS: usize = 500;
const MAGIC: &[u8; 4] = b"SZB1";
const NONCE: usize = 24;

/// Which meeting a booking opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case", deny_unknown_fields)]
pub enum MeetingRef {
    Bbb { meeting_id: String },
    Jitsi { room: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Booking {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub minutes: u16,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The client's name or a pseudonym: what the meeting shows.
    pub pseudonym: String,
    pub meeting: MeetingRef,
}

fn random_hex(bytes: usize) -> String {
    hex::encode((0..bytes).map(|_| rand::random::<u8>()).collect::<Vec<u8>>())
}

impl Booking {
    /// A new booking for `access`'s service, with a fresh meeting reference.
    pub fn new(appointment: Appointment, pseudonym: &str, access: &Access) -> Result<Booking, CounsellorError> {
        let pseudonym = pseudonym.trim();
        if pseudonym.is_empty() || pseudonym.chars().count() > 64 || pseudonym.chars().any(char::is_control) {
            return Err(CounsellorError::Invalid("client_name"));
        }
        if !LENGTHS.contains(&appointment.minutes) {
            return Err(CounsellorError::Invalid("minutes"));
        }
        let meeting = match access {
            Access::Bbb { .. } => MeetingRef::Bbb { meeting_id: format!("sz-{}", random_hex(16)) },
            Access::Jitsi { .. } => MeetingRef::Jitsi { room: format!("Beratung-{}", random_hex(12)) },
        };
        Ok(Booking {
            id: random_hex(12),
            at: appointment.at,
            minutes: appointment.minutes,
            time_zone: appointment.time_zone,
            pseudonym: pseudonym.to_string(),
            meeting,
        })
    }

    pub fn appointment(&self) -> Appointment {
        Appointment { at: self.at, minutes: self.minutes, time_zone: self.time_zone.clone() }
    }

    /// Deleted at the latest then.
    pub fn deadline(&self, retention_days: u16) -> OffsetDateTime {
        self.at + Duration::days(i64::from(retention_days.clamp(1, MAX_RETENTION_DAYS)))
    }
}

/// The purge's clock: the system's; in debug and benchmark builds,
/// `SPRECHZIMMER_NOW` (RFC 3339) when set, so the end-to-end suite can let
/// months pass. Shipped builds ignore it.
pub fn clock() -> OffsetDateTime {
    clock_in(cfg!(any(debug_assertions, feature = "loopback-http")), std::env::var("SPRECHZIMMER_NOW").ok())
}

fn clock_in(build_allows: bool, set: Option<String>) -> OffsetDateTime {
    set.filter(|_| build_allows)
        .and_then(|s| OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(OffsetDateTime::now_utc)
}

/// The purge of this user's bookings (the app and the tray agent run it at
/// start and daily), by [`clock`].
pub fn purge_for_user(retention_days: u16) -> Result<usize, CounsellorError> {
    let dir = crate::folders::config().ok_or(CounsellorError::NotSetUp)?;
    Bookings::in_dir(&dir, &CredentialStore).purge(clock(), retention_days)
}

/// Removes the bookings past their deadline; returns how many.
pub fn purge(list: &mut Vec<Booking>, now: OffsetDateTime, retention_days: u16) -> usize {
    let before = list.len();
    list.retain(|b| now < b.deadline(retention_days));
    before - list.len()
}

/// Where the key is kept: the credential store, or memory in tests.
pub trait KeyStore {
    /// `Ok(None)`: there is no key (never made, or removed).
    fn get(&self) -> Result<Option<Zeroizing<String>>, CounsellorError>;
    fn set(&self, key: &str) -> Result<(), CounsellorError>;
    fn delete(&self) -> Result<(), CounsellorError>;
}

/// The OS credential store (`secrets`).
pub struct CredentialStore;

impl KeyStore for CredentialStore {
    fn get(&self) -> Result<Option<Zeroizing<String>>, CounsellorError> {
        match secrets::fetch(&secrets::entry(KEY_NAME)?) {
            Ok(k) => Ok(Some(k)),
            Err(CounsellorError::SecretMissing) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn set(&self, key: &str) -> Result<(), CounsellorError> {
        secrets::store(&secrets::entry(KEY_NAME)?, key)
    }

    fn delete(&self) -> Result<(), CounsellorError> {
        secrets::delete(&secrets::entry(KEY_NAME)?)
    }
}

/// The encrypted list in its folder.
pub struct Bookings<'k> {
    file: PathBuf,
    keys: &'k dyn KeyStore,
}

impl<'k> Bookings<'k> {
    pub fn in_dir(dir: &Path, keys: &'k dyn KeyStore) -> Bookings<'k> {
        Bookings { file: dir.join(FILE_NAME), keys }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Whether there is anything stored (without asking the credential store).
    pub fn exists(&self) -> bool {
        std::fs::symlink_metadata(&self.file).is_ok()
    }

    pub fn load(&self) -> Result<Vec<Booking>, CounsellorError> {
        let bytes = match std::fs::read(&self.file) {
            Ok(b) => Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CounsellorError::Io(e)),
        };
        let Some(key) = self.keys.get()? else {
            // Without its key the file can never be read again: it goes.
            log::warn!("the bookings key is gone; the unreadable bookings file is removed");
            let _ = std::fs::remove_file(&self.file);
            return Ok(Vec::new());
        };
        let plain = decrypt(&key, &bytes).ok_or(CounsellorError::BookingsDamaged)?;
        serde_json::from_slice(&plain).map_err(|_| CounsellorError::BookingsDamaged)
    }

    /// Writes the list; an empty list leaves neither file nor key.
    pub fn save(&self, list: &[Booking]) -> Result<(), CounsellorError> {
        if list.is_empty() {
            match std::fs::remove_file(&self.file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CounsellorError::Io(e)),
            }
            return self.keys.delete();
        }
        if list.len() > MAX_BOOKINGS {
            return Err(CounsellorError::Invalid("bookings"));
        }
        let key = match self.keys.get()? {
            Some(k) => k,
            None => {
                let k = Zeroizing::new(hex::encode(rand::random::<[u8; 32]>()));
                self.keys.set(&k)?;
                k
            }
        };
        let plain = Zeroizing::new(serde_json::to_vec(list).expect("bookings serialise"));
        let sealed = encrypt(&key, &plain).ok_or(CounsellorError::BookingsDamaged)?;
        crate::private_file::write(&self.file, &sealed).map_err(CounsellorError::Io)
    }

    /// Load, change, save: one step.
    pub fn update<T>(&self, change: impl FnOnce(&mut Vec<Booking>) -> T) -> Result<T, CounsellorError> {
        let mut list = self.load()?;
        let out = change(&mut list);
        self.save(&list)?;
        Ok(out)
    }

    /// The purge at start and daily. Nothing stored: nothing is asked of the
    /// credential store.
    pub fn purge(&self, now: OffsetDateTime, retention_days: u16) -> Result<usize, CounsellorError> {
        if !self.exists() {
            return Ok(0);
        }
        self.update(|list| purge(list, now, retention_days))
    }

    /// Everything, file and key: when the counsellor's access is removed.
    pub fn remove_all(&self) -> Result<(), CounsellorError> {
        self.save(&[])
    }
}

fn cipher(key_hex: &str) -> Option<XChaCha20Poly1305> {
    let key = Zeroizing::new(hex::decode(key_hex).ok()?);
    XChaCha20Poly1305::new_from_slice(&key).ok()
}

fn encrypt(key_hex: &str, plain: &[u8]) -> Option<Vec<u8>> {
    let nonce: [u8; NONCE] = rand::random();
    let sealed = cipher(key_hex)?.encrypt(XNonce::from_slice(&nonce), plain).ok()?;
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Some(out)
}

fn decrypt(key_hex: &str, bytes: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    if rest.len() < NONCE {
        return None;
    }
    let (nonce, sealed) = rest.split_at(NONCE);
    cipher(key_hex)?.decrypt(XNonce::from_slice(nonce), sealed).ok().map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use time::macros::datetime;
    use url::Url;

    #[derive(Default)]
    struct MemoryKeys(RefCell<Option<String>>);

    impl KeyStore for MemoryKeys {
        fn get(&self) -> Result<Option<Zeroizing<String>>, CounsellorError> {
            Ok(self.0.borrow().clone().map(Zeroizing::new))
        }
        fn set(&self, key: &str) -> Result<(), CounsellorError> {
            *self.0.borrow_mut() = Some(key.to_string());
            Ok(())
        }
        fn delete(&self) -> Result<(), CounsellorError> {
            *self.0.borrow_mut() = None;
            Ok(())
        }
    }

    fn bbb() -> Access {
        Access::Bbb { api: Url::parse("https://bbb.example.org/bigbluebutton/api/").unwrap() }
    }

    fn booking(at: OffsetDateTime, name: &str) -> Booking {
        Booking::new(Appointment { at, minutes: 50, time_zone: Some("Europe/Berlin".into()) }, name, &bbb()).unwrap()
    }

    #[test]
    fn stored_encrypted_with_the_key_elsewhere_and_gone_with_the_last_booking() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeys::default();
        let store = Bookings::in_dir(dir.path(), &keys);
        let b = booking(datetime!(2026-12-10 10:30 +01:00), "Kim Klientin");
        let MeetingRef::Bbb { meeting_id } = &b.meeting else { panic!("a BBB booking") };
        store.update(|l| l.push(b.clone())).unwrap();
        let raw = std::fs::read(store.file()).unwrap();
        assert!(raw.starts_with(MAGIC));
        for plain in ["Kim", meeting_id.as_str(), "2026-12-10", "minutes"] {
            assert!(!raw.windows(plain.len()).any(|w| w == plain.as_bytes()), "{plain} in the file");
        }
        assert_eq!(keys.0.borrow().as_ref().map(String::len), Some(64), "a 256-bit key, in the key store only");
        assert_eq!(store.load().unwrap(), vec![b.clone()]);
        // Another key cannot read it, and a changed byte is caught.
        let other = MemoryKeys(RefCell::new(Some(hex::encode([7u8; 32]))));
        assert!(matches!(Bookings::in_dir(dir.path(), &other).load(), Err(CounsellorError::BookingsDamaged)));
        let mut bad = raw.clone();
        *bad.last_mut().unwrap() ^= 1;
        std::fs::write(store.file(), &bad).unwrap();
        assert!(matches!(store.load(), Err(CounsellorError::BookingsDamaged)));
        std::fs::write(store.file(), &raw).unwrap();
        // The last booking goes: no file, no key.
        store.update(|l| l.retain(|x| x.id != b.id)).unwrap();
        assert!(!store.exists());
        assert!(keys.0.borrow().is_none());
    }

    #[test]
    fn a_file_whose_key_is_gone_is_removed_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeys::default();
        let store = Bookings::in_dir(dir.path(), &keys);
        store.update(|l| l.push(booking(datetime!(2026-12-10 10:30 UTC), "A"))).unwrap();
        keys.delete().unwrap();
        assert_eq!(store.load().unwrap(), vec![]);
        assert!(!store.exists());
    }

    #[test]
    fn the_purge_keeps_each_booking_until_its_deadline_by_the_injected_clock() {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeys::default();
        let store = Bookings::in_dir(dir.path(), &keys);
        let old = booking(datetime!(2026-01-10 10:00 UTC), "Alt");
        let recent = booking(datetime!(2026-06-01 10:00 UTC), "Neu");
        store.update(|l| l.extend([old.clone(), recent.clone()])).unwrap();
        // 180 days by default: the January booking is due on 9 July.
        assert_eq!(store.purge(datetime!(2026-07-09 09:59 UTC), 180).unwrap(), 0);
        assert_eq!(store.purge(datetime!(2026-07-09 10:00 UTC), 180).unwrap(), 1);
        assert_eq!(store.load().unwrap(), vec![recent.clone()]);
        // Policy shortens it: 30 days after 1 June.
        assert_eq!(store.purge(datetime!(2026-07-01 10:00 UTC), 30).unwrap(), 1);
        assert!(!store.exists() && keys.0.borrow().is_none(), "nothing left: no file, no key");
        // Never longer than 180 days, whatever is asked.
        assert_eq!(recent.deadline(9999), recent.at + Duration::days(180));
        assert_eq!(recent.deadline(0), recent.at + Duration::days(1));
        // Nothing stored: the key store is not even asked.
        struct Refusing;
        impl KeyStore for Refusing {
            fn get(&self) -> Result<Option<Zeroizing<String>>, CounsellorError> {
                Err(CounsellorError::Keyring)
            }
            fn set(&self, _: &str) -> Result<(), CounsellorError> {
                Err(CounsellorError::Keyring)
            }
            fn delete(&self) -> Result<(), CounsellorError> {
                Err(CounsellorError::Keyring)
            }
        }
        assert_eq!(Bookings::in_dir(dir.path(), &Refusing).purge(datetime!(2030-01-01 0:00 UTC), 180).unwrap(), 0);
    }

    #[test]
    fn only_test_builds_let_the_clock_be_set() {
        let later = Some("2031-01-01T00:00:00Z".to_string());
        assert_eq!(clock_in(true, later.clone()), datetime!(2031-01-01 0:00 UTC));
        assert!(clock_in(false, later) < datetime!(2031-01-01 0:00 UTC), "a shipped build keeps the real time");
        assert!(clock_in(true, Some("soon".into())) < datetime!(2031-01-01 0:00 UTC));
    }

    #[test]
    fn a_booking_takes_only_a_sane_pseudonym_and_length() {
        let at = datetime!(2026-12-10 10:30 UTC);
        let a = |minutes, name: &str| Booking::new(Appointment { at, minutes, time_zone: None }, name, &bbb());
        assert!(matches!(a(50, "  "), Err(CounsellorError::Invalid("client_name"))));
        assert!(matches!(a(50, &"x".repeat(65)), Err(CounsellorError::Invalid("client_name"))));
        assert!(matches!(a(50, "a\nb"), Err(CounsellorError::Invalid("client_name"))));
        assert!(matches!(a(51, "Kim"), Err(CounsellorError::Invalid("minutes"))));
        let j = Booking::new(
            Appointment { at, minutes: 60, time_zone: None },
            "Kim",
            &Access::Jitsi { server: Url::parse("https://meet.example.org/").unwrap(), jwt_app_id: None },
        )
        .unwrap();
        assert!(matches!(&j.meeting, MeetingRef::Jitsi { room } if room.starts_with("Beratung-") && room.len() == 33));
        let (x, y) = (a(50, "Kim").unwrap(), a(50, "Kim").unwrap());
        assert_ne!((x.id, x.meeting), (y.id, y.meeting), "each booking its own meeting");
    }
}
