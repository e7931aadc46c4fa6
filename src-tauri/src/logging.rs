//! A minimal stderr logger. Log lines carry codes and counts, never URLs,
//! names or meeting IDs; `SPRECHZIMMER_LOG=info|debug` makes it talkative.

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

pub fn init() {
    let level = match std::env::var("SPRECHZIMMER_LOG").as_deref() {
        Ok("debug") => LevelFilter::Debug,
        Ok("info") => LevelFilter::Info,
        Ok("error") => LevelFilter::Error,
        Ok("off") => LevelFilter::Off,
        _ => LevelFilter::Warn,
    };
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(level);
    }
}
