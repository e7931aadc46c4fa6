//! The lobby: ask the server whether the counsellor opened the room, politely.
//! Pure state; the Tauri side runs the clock and the requests.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::provider::{ProviderError, ProviderKind};

/// Never faster than this, so at most 12 requests a minute reach the server.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// How long before an appointment a Jitsi room may be entered.
pub const JITSI_OPENS_BEFORE: time::Duration = time::Duration::minutes(10);

/// A Jitsi room cannot be asked whether the counsellor is there: whoever
/// comes first opens it, and the counsellor's page switches its lobby on
/// only once it is in. So for an appointment the app holds the client in
/// its own lobby until shortly before the time, instead of letting them
/// into an empty room a day early. (With token authentication the token's
/// `nbf` holds them on the server's side, too.)
pub fn holds(kind: ProviderKind, scheduled_at: Option<time::OffsetDateTime>, now: time::OffsetDateTime) -> bool {
    kind == ProviderKind::Jitsi && scheduled_at.is_some_and(|at| now < at - JITSI_OPENS_BEFORE)
}

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub factor: f64,
    pub cap: Duration,
}

/// Waiting for the room to open: quick at first, then every ~20 s.
pub const WAITING: Backoff = Backoff { base: MIN_INTERVAL, factor: 1.5, cap: Duration::from_secs(20) };
/// Server trouble: back off further, up to a minute.
pub const TROUBLE: Backoff = Backoff { base: MIN_INTERVAL, factor: 2.0, cap: Duration::from_secs(60) };

impl Backoff {
    /// Delay before attempt `n` (0-based), with ±20 % jitter so many clients
    /// waiting for the same server do not ask in lockstep.
    pub fn delay(&self, n: u32, jitter: f64) -> Duration {
        let raw = self.base.as_secs_f64() * self.factor.powi(n.min(32) as i32);
        let capped = raw.min(self.cap.as_secs_f64());
        let jittered = capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0));
        Duration::from_secs_f64(jittered.max(MIN_INTERVAL.as_secs_f64()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    Running,
    NotRunning,
    Failed(ProviderError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Ask again after this long.
    CheckIn(Duration),
    /// The room is open: open the meeting.
    Open,
    /// Give up: the invite cannot work.
    Stop(ProviderError),
}

/// What the lobby screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum LobbyView {
    Checking,
    Waiting { next_check_secs: u64 },
    Unreachable { code: &'static str, next_check_secs: u64 },
    Opening,
    Failed { code: &'static str },
}

pub struct Lobby {
    waits: u32,
    errors: u32,
    rng: rand::rngs::StdRng,
}

impl Lobby {
    pub fn new(seed: u64) -> Lobby {
        Lobby { waits: 0, errors: 0, rng: rand::rngs::StdRng::seed_from_u64(seed) }
    }

    pub fn on_probe(&mut self, probe: Probe) -> (Next, LobbyView) {
        match probe {
            Probe::Running => (Next::Open, LobbyView::Opening),
            Probe::NotRunning => {
                self.errors = 0;
                let d = WAITING.delay(self.waits, self.rng.gen());
                self.waits += 1;
                (Next::CheckIn(d), LobbyView::Waiting { next_check_secs: d.as_secs() })
            }
            Probe::Failed(e) if e.is_transient() => {
                let d = TROUBLE.delay(self.errors, self.rng.gen());
                self.errors += 1;
                (Next::CheckIn(d), LobbyView::Unreachable { code: e.code(), next_check_secs: d.as_secs() })
            }
            Probe::Failed(e) => (Next::Stop(e), LobbyView::Failed { code: e.code() }),
        }
    }

    /// The user pressed "try again": start the schedule over.
    pub fn reset(&mut self) {
        self.waits = 0;
        self.errors = 0;
    }
}

/// While the meeting runs, how often to ask whether it still does.
pub fn watch_interval(jitter: f64) -> Duration {
    Duration::from_secs_f64(15.0 * (0.8 + 0.4 * jitter.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_jitsi_appointment_is_held_until_shortly_before() {
        use time::macros::datetime;
        let at = Some(datetime!(2030-01-15 10:30 UTC));
        assert!(holds(ProviderKind::Jitsi, at, datetime!(2030-01-13 10:30 UTC)), "days ahead: not into the empty room");
        assert!(holds(ProviderKind::Jitsi, at, datetime!(2030-01-15 10:19:59 UTC)));
        assert!(!holds(ProviderKind::Jitsi, at, datetime!(2030-01-15 10:20 UTC)), "ten minutes before: in");
        assert!(!holds(ProviderKind::Jitsi, None, datetime!(2030-01-13 10:30 UTC)), "no appointment: at once");
        assert!(!holds(ProviderKind::Bbb, at, datetime!(2030-01-13 10:30 UTC)), "BBB: the server says when");
    }

    use super::*;
    use crate::net::NetError;

    fn max_in_any_minute(delays: &[Duration]) -> usize {
        // Request i happens at the sum of the delays before it.
        let mut t = vec![0.0];
        for d in delays {
            t.push(t.last().unwrap() + d.as_secs_f64());
        }
        (0..t.len()).map(|i| t[i..].iter().take_while(|&&x| x < t[i] + 60.0).count()).max().unwrap()
    }

    #[test]
    fn never_more_than_12_requests_a_minute() {
        for seed in 0..200 {
            let mut lobby = Lobby::new(seed);
            let mut delays = vec![];
            for i in 0..60 {
                let probe = if i % 7 == 3 { Probe::Failed(ProviderError::Net(NetError::Unreachable)) } else { Probe::NotRunning };
                match lobby.on_probe(probe).0 {
                    Next::CheckIn(d) => delays.push(d),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert!(max_in_any_minute(&delays) <= 12, "seed {seed}");
            assert!(delays.iter().all(|d| *d >= MIN_INTERVAL));
        }
    }

    #[test]
    fn waiting_backs_off_up_to_the_cap() {
        let d: Vec<_> = (0..10).map(|n| WAITING.delay(n, 0.5)).collect();
        assert_eq!(d[0], Duration::from_secs(5));
        assert!(d[1] > d[0] && d[2] > d[1]);
        assert_eq!(*d.last().unwrap(), Duration::from_secs(20));
        assert_eq!(TROUBLE.delay(20, 0.5), Duration::from_secs(60));
        // Jitter spreads around the nominal delay within ±20 %.
        assert_eq!(WAITING.delay(9, 0.0), Duration::from_secs(16));
        assert_eq!(WAITING.delay(9, 1.0), Duration::from_secs(24));
    }

    #[test]
    fn jitter_differs_between_clients() {
        let seq = |seed| {
            let mut l = Lobby::new(seed);
            (0..5).map(|_| l.on_probe(Probe::NotRunning).0).collect::<Vec<_>>()
        };
        assert_ne!(seq(1), seq(2));
    }

    #[test]
    fn outcomes() {
        let mut l = Lobby::new(7);
        assert_eq!(l.on_probe(Probe::Running), (Next::Open, LobbyView::Opening));
        let (next, view) = l.on_probe(Probe::Failed(ProviderError::InviteInvalid));
        assert_eq!(next, Next::Stop(ProviderError::InviteInvalid));
        assert_eq!(view, LobbyView::Failed { code: "invite.invalid" });
        let (next, view) = l.on_probe(Probe::Failed(ProviderError::Net(NetError::Timeout)));
        assert!(matches!(next, Next::CheckIn(_)));
        assert!(matches!(view, LobbyView::Unreachable { code: "net.unreachable", .. }));
    }

    #[test]
    fn errors_grow_and_reset_restarts() {
        let mut l = Lobby::new(3);
        let err = Probe::Failed(ProviderError::Net(NetError::Unreachable));
        let first = l.on_probe(err).0;
        for _ in 0..5 {
            l.on_probe(err);
        }
        let later = l.on_probe(err).0;
        match (first, later) {
            (Next::CheckIn(a), Next::CheckIn(b)) => assert!(b > a),
            _ => unreachable!(),
        }
        l.reset();
        match l.on_probe(err).0 {
            Next::CheckIn(d) => assert!(d <= Duration::from_secs(6)),
            _ => unreachable!(),
        }
    }
}
