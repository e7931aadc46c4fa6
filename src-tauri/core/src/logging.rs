//! A minimal stderr logger. Log lines carry codes and counts, never URLs,
//! names or meeting IDs; the `logLevel` setting makes it talkative.

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, m: &Metadata) -> bool {
        m.target().starts_with("sprechzimmer")
    }

    fn log(&self, r: &Record) {
        if self.enabled(r.metadata()) {
            eprintln!("sprechzimmer [{}] {}", r.level(), r.args());
        }
    }

    fn flush(&self) {}
}

/// `level` comes from the `logLevel` setting (`SPRECHZIMMER_LOG`, policy).
pub fn init(level: LevelFilter) {
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(level);
    }
}
