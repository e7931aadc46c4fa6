//! Subcommands that work without a window, for scripts and support.

use std::io::Write;

use crate::hosts::UrlRules;
use crate::i18n::{self, t, tf};
use crate::invite;
use crate::settings::Setup;
use crate::wipe::{self, Paths};

pub enum Outcome {
    /// Not a subcommand: start the app.
    RunApp,
    /// Start the app and do this once it is up.
    RunAppWith(AppAction),
    Exit(i32),
}

#[derive(Debug, Clone)]
pub enum AppAction {
    StartSession { client_name: Option<String>, at: Option<String>, print_invite: bool },
}

pub fn dispatch(args: &[String], setup: &Setup) -> Outcome {
    match args.get(1).map(String::as_str) {
        Some("check-invite") => Outcome::Exit(check_invite(&args[2..], setup)),
        Some("policy") => Outcome::Exit(policy_cmd(&args[2..], setup)),
        Some("counsellor") => Outcome::Exit(counsellor_cmd(&args[2..], setup)),
        Some("session") => session_cmd(&args[2..]),
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
  sprechzimmer counsellor setup --profile URL (--bbb API_URL | --jitsi SERVER [--jwt-app-id ID]) --name NAME
                                   set up the counsellor access; the secret is read from stdin
  sprechzimmer counsellor show     the counsellor access (never the secret)
  sprechzimmer counsellor remove   delete the access and its secret
  sprechzimmer session start [--print-invite] [--client NAME] [--at RFC3339]
                                   start the app with a counselling session; print the client invite
  sprechzimmer session end         end the running app's session for everyone
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

fn fail(e: &crate::error::Error) -> i32 {
    eprintln!("{} [{}]", t(i18n::current(), &format!("error.{}", e.code())), e.code());
    2
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn counsellor_cmd(args: &[String], setup: &Setup) -> i32 {
    use crate::counsellor::{self, secrets, Access, Account, CounsellorError};
    let Some(file) = setup.user_file.as_ref().and_then(|f| f.parent()).map(Account::file_in) else {
        return fail(&CounsellorError::NotSetUp.into());
    };
    let rules = UrlRules::from_env();
    match args.first().map(String::as_str) {
        Some("setup") => {
            let server = |s: &str| url::Url::parse(s).map_err(|_| CounsellorError::Invalid("server"));
            let access = match (flag(args, "--bbb"), flag(args, "--jitsi")) {
                (Some(api), None) => server(api).map(|api| Access::Bbb { api }),
                (None, Some(s)) => server(s).map(|server| Access::Jitsi { server, jwt_app_id: flag(args, "--jwt-app-id").map(str::to_string) }),
                _ => {
                    eprintln!("{}", USAGE.trim_end());
                    return 2;
                }
            };
            let (Some(profile), Some(name)) = (flag(args, "--profile"), flag(args, "--name")) else {
                eprintln!("{}", USAGE.trim_end());
                return 2;
            };
            let account = match access.and_then(|a| Account::new(profile, a, name, rules)) {
                Ok(a) => a,
                Err(e) => return fail(&e.into()),
            };
            // The secret never goes on the command line, where every local
            // user can read it: stdin only.
            let mut secret = zeroize::Zeroizing::new(String::new());
            if account.access.needs_secret() {
                use std::io::Read;
                let mut buf = Vec::new();
                let _ = std::io::stdin().take(4096).read_to_end(&mut buf);
                *secret = String::from_utf8_lossy(&buf).trim().to_string();
                zeroize::Zeroize::zeroize(&mut buf);
            }
            let http = crate::net::Http::with_proxy(setup.settings.proxy.as_ref());
            match counsellor::set_up(&http, rules, &file, account, &secret) {
                Ok(a) => {
                    let lang = i18n::current();
                    println!("{}", tf(lang, "cli.counsellor.saved", &[("host", &crate::invite::host_with_port(a.access.host_url()))]));
                    if a.access.needs_secret() {
                        println!("{}", tf(lang, "cli.counsellor.secret_stored", &[("service", secrets::SERVICE)]));
                    }
                    if a.consent.is_none() {
                        println!("{}", t(lang, "cli.counsellor.consent_first"));
                    }
                    0
                }
                Err(e) => fail(&e.into()),
            }
        }
        Some("show") => match Account::load(&file) {
            Ok(a) => {
                let provider = match &a.access {
                    Access::Bbb { .. } => "BigBlueButton",
                    Access::Jitsi { .. } => "Jitsi Meet",
                };
                let lang = i18n::current();
                let host = crate::invite::host_with_port(a.access.host_url());
                println!("{}", tf(lang, "cli.show.profile", &[("url", a.profile.as_str())]));
                println!("{}", tf(lang, "cli.show.service", &[("provider", provider), ("host", &host)]));
                println!("{}", tf(lang, "cli.show.name", &[("name", &a.display_name)]));
                match &a.consent {
                    Some(c) => println!("{}", tf(lang, "cli.show.consent", &[("privacy", &c.privacy_version), ("terms", &c.terms_version)])),
                    None => println!("{}", t(lang, "cli.show.no_consent")),
                }
                if a.access.needs_secret() {
                    let stored = secrets::entry(&a.access.secret_name()).and_then(|e| secrets::fetch(&e)).is_ok();
                    println!("{}", t(lang, if stored { "cli.show.secret_stored" } else { "cli.show.secret_missing" }));
                }
                0
            }
            Err(e) => fail(&e.into()),
        },
        Some("remove") => match counsellor::remove(&file) {
            Ok(()) => {
                println!("{}", t(i18n::current(), "cli.counsellor.removed"));
                0
            }
            Err(e) => fail(&e.into()),
        },
        _ => {
            eprintln!("{}", USAGE.trim_end());
            2
        }
    }
}

/// Sessions live in the running app's memory only. `start` runs the app
/// with a session; `end` hands over to the running app.
fn session_cmd(args: &[String]) -> Outcome {
    let app_runs = Paths::for_current_user()
        .ok()
        .and_then(|p| wipe::AppLock::acquire(&p).ok())
        .is_some_and(|lock| lock.is_none());
    match args.first().map(String::as_str) {
        Some("start") => {
            if app_runs {
                eprintln!("{}", t(i18n::current(), "cli.session.already_running"));
                return Outcome::Exit(1);
            }
            Outcome::RunAppWith(AppAction::StartSession {
                client_name: flag(args, "--client").map(str::to_string),
                at: flag(args, "--at").map(str::to_string),
                print_invite: args.iter().any(|a| a == "--print-invite"),
            })
        }
        Some("end") if args.len() == 1 => {
            if !app_runs {
                eprintln!("{} [counsellor.no_session]", t(i18n::current(), "error.counsellor.no_session"));
                return Outcome::Exit(1);
            }
            // The single-instance check forwards these arguments.
            Outcome::RunApp
        }
        _ => {
            eprintln!("{}", USAGE.trim_end());
            Outcome::Exit(2)
        }
    }
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
    let lang = i18n::current();
    // Checking must not itself leave a trace: no app folder, nothing to do.
    if std::fs::symlink_metadata(&paths.root).is_err() {
        println!("{}", t(lang, "cli.wipe.clean"));
        return 0;
    }
    // The UI folder belongs to a running app; only touch it when none runs.
    let lock = wipe::AppLock::acquire(&paths).ok().flatten();
    let report = wipe::sweep(&paths, lock.is_some());
    let mut out = std::io::stdout().lock();
    if report.found.is_empty() {
        let _ = writeln!(out, "{}", t(lang, "cli.wipe.clean"));
    }
    for l in &report.found {
        let path = l.path.display().to_string();
        let bytes = l.removed.bytes.to_string();
        let _ = writeln!(out, "{}", i18n::tp(lang, "cli.wipe.removed", l.removed.files, &[("path", &path), ("bytes", &bytes)]));
    }
    if report.live_sessions > 0 {
        let _ = writeln!(out, "{}", i18n::tp(lang, "cli.wipe.live_sessions", report.live_sessions as u64, &[]));
    }
    if lock.is_none() {
        let _ = writeln!(out, "{}", t(lang, "cli.wipe.running_app"));
    }
    for f in &report.failed {
        eprintln!("{}", tf(lang, "cli.wipe.failed", &[("path", &f.display().to_string())]));
    }
    for (dir, why) in &report.refused {
        let why = t(
            lang,
            match why {
                wipe::Refusal::Symlink => "cli.wipe.why.symlink",
                wipe::Refusal::NotAFolder => "cli.wipe.why.not_a_folder",
                wipe::Refusal::ForeignOwner => "cli.wipe.why.foreign_owner",
            },
        );
        eprintln!("{}", tf(lang, "cli.wipe.refused", &[("path", &dir.display().to_string()), ("why", &why)]));
    }
    if report.is_clean() {
        0
    } else {
        1
    }
}
