//! The agent's menu: what the counsellor can do from the tray while no
//! window is open. Each entry but "quit" starts the full app, on the screen
//! it names; the app then takes the tray over.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use sprechzimmer_core::i18n::{t, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The counsellor screen, to start a session.
    Start,
    /// The app's window as it opens.
    Open,
    Settings,
    Quit,
}

impl Action {
    #[cfg(any(windows, test))]
    pub const MENU: [Action; 4] = [Action::Start, Action::Open, Action::Settings, Action::Quit];

    pub fn id(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Open => "open",
            Action::Settings => "settings",
            Action::Quit => "quit",
        }
    }

    #[cfg(any(windows, test))]
    pub fn from_id(id: &str) -> Option<Action> {
        Action::MENU.into_iter().find(|a| a.id() == id)
    }

    /// The full app's arguments for this entry.
    pub fn app_args(self) -> &'static [&'static str] {
        match self {
            Action::Start => &["--screen", "counsellor"],
            Action::Open => &[],
            Action::Settings => &["--screen", "settings"],
            Action::Quit => &[],
        }
    }
}

pub struct Entries {
    pub app: PathBuf,
    pub lang: Lang,
}

impl Entries {
    pub fn new(app: PathBuf, lang: Lang) -> Entries {
        Entries { app, lang }
    }

    /// The entry's label, the same words as the full app's tray.
    pub fn label(&self, a: Action) -> String {
        t(
            self.lang,
            match a {
                Action::Start => "tray.start",
                Action::Open => "tray.open",
                Action::Settings => "tray.settings",
                Action::Quit => "tray.quit",
            },
        )
    }

    /// Starts the full app for `a`. The agent stays until the app asks it
    /// to leave, so a failed start never leaves the counsellor without a tray.
    pub fn launch(&self, a: Action) {
        if a == Action::Quit {
            return;
        }
        let started = Command::new(&self.app).args(a.app_args()).stdin(Stdio::null()).stdout(Stdio::null()).spawn();
        match started {
            Ok(mut child) => {
                log::info!("tray agent: starting the app ({})", a.id());
                // An app that ends before taking the tray over (no display)
                // leaves no zombie behind.
                std::thread::spawn(move || child.wait());
            }
            Err(e) => log::warn!("tray agent: the app could not be started ({:?})", e.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_an_id_a_label_and_its_screen() {
        let e = Entries::new(PathBuf::from("/nonexistent"), Lang::De);
        for a in Action::MENU {
            assert_eq!(Action::from_id(a.id()), Some(a));
            let label = e.label(a);
            assert!(!label.is_empty() && !label.starts_with("tray."), "{a:?}: {label}");
        }
        assert_eq!(Action::Start.app_args(), ["--screen", "counsellor"]);
        assert_eq!(Action::Settings.app_args(), ["--screen", "settings"]);
        assert_eq!(e.label(Action::Open), "Sprechzimmer öffnen");
    }
}
