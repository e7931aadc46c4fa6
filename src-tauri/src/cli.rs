//! Subcommands that work without a window, for scripts and support.

use std::io::Write;

use crate::hosts::UrlRules;
use crate::i18n::{self, t};
use crate::invite;
use crate::settings::Setup;
use crate::wipe::{self, Paths};

pub enum Outcome {
    /// Not a subcommand: start the app.
    RunApp,
    Exit(i32),
}

pub fn dispatch(args: &[String], setup: &Setup) -> Outcome {
    match args.get(1).map(String::as_str) {
        Some("check-invite") => Outcome::Exit(check_invite(&args[2..], setup)),
        Some("policy") => Outcome::Exit(policy_cmd(&args[2..], setup)),
        Some("wipe") => Outcome::Exit(wipe_cmd(&args[2..])),
        Some("--version") | Some("-V") => {
            println!("sprechzimmer {}", env!("CARGO_PKG_VERSION"));
            Outcome::Exit(0)
        }
        Some("--help") | Some("-h") | Some("help") => {
            print!("{}", USAGE);
            Outcome::Exit(0)
        }
        _ => Outcome::RunApp,
    }
}

const USAGE: &str = "\
Usage:
  sprechzimmer [LINK]              start the app, optionally opening an invite link
  sprechzimmer check-invite LINK   validate an invite offline; JSON summary on stdout
  sprechzimmer wipe --check        report and remove leftovers of earlier sessions
  sprechzimmer policy [--json]     the effective settings, where each comes from, and problems
  sprechzimmer --version
";

/// The first thing IT support asks for: what is in effect, and why.
/// Exit 0 when every source read cleanly, 1 when something was ignored.
fn policy_cmd(args: &[String], setup: &Setup) -> i32 {
    match args {
        [] => print!("{}", crate::policy::report(&setup.resolved)),
        [flag] if flag == "--json" => {
            println!("{}", serde_json::to_string_pretty(&setup.resolved).expect("report serialises"))
        }
        _ => {
            eprintln!("{}", USAGE.trim_end());
            return 2;
        }
    }
    i32::from(!setup.resolved.problems.is_empty())
}

fn check_invite(args: &[String], setup: &Setup) -> i32 {
    let [link] = args else {
        eprintln!("{}", USAGE.trim_end());
        return 2;
    };
    let rules = UrlRules::from_env();
    let parsed = invite::parse_any(link, rules, time::OffsetDateTime::now_utc(), setup.settings.profile_url.as_ref())
        .map_err(crate::error::Error::from)
        .and_then(|inv| crate::controller::check_policy(&setup.settings, &inv).map(|()| inv));
    match parsed {
        Ok(inv) => {
            let json = serde_json::to_string_pretty(&inv.summary()).expect("summary serialises");
            println!("{json}");
            0
        }
        Err(e) => {
            let lang = i18n::current();
            eprintln!("{} [{}]", t(lang, &format!("error.{}", e.code())), e.code());
            2
        }
    }
}

fn wipe_cmd(args: &[String]) -> i32 {
    if args != ["--check"] {
        eprintln!("{}", USAGE.trim_end());
        return 2;
    }
    let paths = match Paths::for_current_user() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    // The UI folder belongs to a running app; only touch it when none runs.
    let lock = wipe::AppLock::acquire(&paths).ok().flatten();
    let report = wipe::sweep(&paths, lock.is_some());
    let mut out = std::io::stdout().lock();
    if report.found.is_empty() {
        let _ = writeln!(out, "clean: no leftovers found");
    }
    for l in &report.found {
        let _ = writeln!(
            out,
            "removed {} ({} files, {} bytes)",
            l.path.display(),
            l.removed.files,
            l.removed.bytes
        );
    }
    if report.live_sessions > 0 {
        let _ = writeln!(out, "left alone: {} session(s) of a running app", report.live_sessions);
    }
    if lock.is_none() {
        let _ = writeln!(out, "left alone: the window data of a running app");
    }
    for f in &report.failed {
        eprintln!("could not remove {}", f.display());
    }
    if report.is_clean() {
        0
    } else {
        1
    }
}
