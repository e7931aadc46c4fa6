//! Subcommands that work without a window, for scripts and support.

use std::io::Write;

use clap::{ArgGroup, Parser, Subcommand};

use crate::hosts::{UrlProblem, UrlRules};
use crate::i18n::{self, t, tf};
use crate::invite;
use crate::settings::Setup;
use crate::wipe::{self, Paths};

pub enum Outcome {
    /// Not a subcommand: start the app.
    RunApp(Launch),
    /// Start the app and do this once it is up.
    RunAppWith(AppAction),
    Exit(i32),
    /// Run the meeting view's process (`meeting_host`); only the app starts it.
    MeetingView,
}

/// How the app was asked to start.
#[derive(Debug, Clone, Copy, Default)]
pub struct Launch {
    /// `--tray`: the counsellor's tray only (the tray agent, where installed).
    pub tray: bool,
    /// `--screen`: the window opens on this screen.
    pub screen: Option<Screen>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    /// The counsellor's screen: start a session.
    Counsellor,
    Settings,
}

impl Screen {
    /// The UI's name for the screen (`index.html#…`).
    pub fn name(self) -> &'static str {
        match self {
            Screen::Counsellor => "counsellor",
            Screen::Settings => "settings",
        }
    }
}

#[derive(Debug, Clone)]
pub enum AppAction {
    StartSession { client_name: Option<String>, at: Option<String>, print_invite: bool },
}

/// Exit code when the window cannot start (no display, no WebView2).
pub const EXIT_NO_WINDOW: i32 = 3;

/// Exit codes, in one place (also printed by `--help`).
const EXIT_CODES: &str = "\
Exit codes:
  0  done; `policy`: every source read cleanly; `org check`: no findings
  1  done, with something to report: `policy` ignored a value, `wipe --check`
     could not remove everything, `session` found the app in the wrong state,
     `org check` has warnings only
  2  usage error, or input refused (a bad link, a wrong secret, a profile the
     app refuses): one translated line ending in its [code]
  3  the window cannot start: no display, or no WebView2 on Windows";

/// The command line. `--help` works on every level and exits 0; a usage
/// error exits 2 with clap's message.
#[derive(Debug, Parser)]
#[command(
    name = "sprechzimmer",
    version,
    about = "Privacy-first video counselling. Without a command, starts the app.",
    long_about = None,
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = false
)]
pub struct Cli {
    /// Start in the tray without a window (what autostart runs).
    #[arg(long, conflicts_with_all = ["screen", "link"])]
    pub tray: bool,
    /// Open the window on this screen.
    #[arg(long, value_enum, value_name = "SCREEN")]
    pub screen: Option<Screen>,
    /// An invite link to open: sprechzimmer://join?… or the organisation's https invite.
    #[arg(value_name = "LINK", value_parser = link_arg)]
    pub link: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate an invite offline; JSON summary on stdout.
    CheckInvite {
        #[arg(value_name = "LINK")]
        link: String,
    },
    /// Report and remove leftovers of earlier sessions.
    Wipe {
        /// Required: look for leftovers and remove them.
        #[arg(long, required = true)]
        check: bool,
    },
    /// The effective settings, where each comes from, and problems.
    Policy {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// The counsellor's access to the meeting server.
    #[command(subcommand)]
    Counsellor(CounsellorCommand),
    /// Counselling sessions in the running app.
    #[command(subcommand)]
    Session(SessionCommand),
    /// For the organisation's IT: write and check the organisation profile.
    #[command(subcommand)]
    Org(OrgCommand),
    /// The meeting view's own process, started by the app (internal).
    #[command(name = "meeting-view", hide = true)]
    MeetingView,
}

#[derive(Debug, Subcommand)]
pub enum CounsellorCommand {
    /// Set up the counsellor access; the secret is read from stdin.
    #[command(group(ArgGroup::new("service").required(true).args(["bbb", "jitsi"])))]
    Setup {
        /// The organisation's profile (https).
        #[arg(long, value_name = "URL")]
        profile: String,
        /// BigBlueButton: the API URL (…/bigbluebutton/api).
        #[arg(long, value_name = "API_URL")]
        bbb: Option<String>,
        /// Jitsi Meet: the server's URL.
        #[arg(long, value_name = "SERVER")]
        jitsi: Option<String>,
        /// Jitsi: the token issuer (app id), when the server wants tokens.
        #[arg(long, value_name = "ID", requires = "jitsi")]
        jwt_app_id: Option<String>,
        /// The name clients see.
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// The counsellor access (never the secret).
    Show,
    /// Delete the access and its secret.
    Remove,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Write a starter profile with every field explained (to FILE, or stdout).
    Init {
        /// A new file; an existing one is never overwritten.
        #[arg(value_name = "FILE")]
        file: Option<std::path::PathBuf>,
    },
    /// Check a profile exactly as the app reads it: every error at its field
    /// path, and warnings. Exit 0 clean, 1 warnings only, 2 refused.
    Check {
        /// A file, or the https address the profile is published at.
        #[arg(value_name = "FILE|URL")]
        source: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Write the invite page for the profile's `invite_page` to stdout:
    /// `sprechzimmer org invite-page PROFILE > join.html`.
    InvitePage {
        /// The profile (a file or its https address); it must pass `org check`.
        #[arg(value_name = "FILE|URL")]
        profile: String,
    },
    /// Write the device check's page to stdout, as clients see it before
    /// the waiting room: for review (accessibility, data protection).
    DeviceCheckPage {
        /// Its language (de, ls, en, uk, ar, tr, ru, fa); else the app's.
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start the app with a counselling session.
    Start {
        /// Print the client invite on stdout.
        #[arg(long)]
        print_invite: bool,
        /// The client's name or a pseudonym.
        #[arg(long, value_name = "NAME")]
        client: Option<String>,
        /// The appointment's start (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
    },
    /// End the running app's session for everyone.
    End,
}

/// What may stand where a link stands: anything with a scheme. Which links
/// are taken is decided later (`runtime::link_from_args`); this only
/// turns a mistyped command (`chek-invite`) into a usage error instead of
/// a start of the app.
fn link_arg(s: &str) -> Result<String, NotALink> {
    url::Url::parse(s).map(|_| s.to_string()).map_err(|_| NotALink)
}

/// A word that is neither a subcommand nor a link (clap prints it).
#[derive(Debug, thiserror::Error)]
#[error("neither a command nor a link")]
pub struct NotALink;

pub fn dispatch(args: &[String], setup: &Setup) -> Outcome {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return Outcome::Exit(e.exit_code());
        }
    };
    match cli.command {
        None => Outcome::RunApp(Launch { tray: cli.tray, screen: cli.screen }),
        Some(Command::CheckInvite { link }) => Outcome::Exit(check_invite(&link, setup)),
        Some(Command::Policy { json }) => Outcome::Exit(policy_cmd(json, setup)),
        Some(Command::Counsellor(c)) => Outcome::Exit(counsellor_cmd(c, setup)),
        Some(Command::Session(c)) => session_cmd(c),
        Some(Command::Org(c)) => Outcome::Exit(org_cmd(c, setup)),
        Some(Command::Wipe { check: _ }) => Outcome::Exit(wipe_cmd()),
        Some(Command::MeetingView) => Outcome::MeetingView,
    }
}

/// The first thing IT support asks for: what is in effect, and why.
/// Exit 0 when every source read cleanly, 1 when something was ignored.
fn policy_cmd(json: bool, setup: &Setup) -> i32 {
    if json {
        println!("{}", serde_json::to_string_pretty(&setup.resolved).expect("report serialises"))
    } else {
        print!("{}", crate::policy::report(&setup.resolved))
    }
    i32::from(!setup.resolved.problems.is_empty())
}

fn fail(e: &crate::error::Error) -> i32 {
    eprintln!("{} [{}]", t(i18n::current(), &format!("error.{}", e.code())), e.code());
    2
}

fn counsellor_cmd(cmd: CounsellorCommand, setup: &Setup) -> i32 {
    use crate::counsellor::{self, secrets, Access, Account, CounsellorError};
    let Some(file) = setup.user_file.as_ref().and_then(|f| f.parent()).map(Account::file_in) else {
        return fail(&CounsellorError::NotSetUp.into());
    };
    let rules = UrlRules::from_env();
    match cmd {
        CounsellorCommand::Setup { profile, bbb, jitsi, jwt_app_id, name } => {
            let server = |s: &str| url::Url::parse(s).map_err(|_| CounsellorError::Invalid("server"));
            // clap's group makes exactly one of them present.
            let access = match (bbb, jitsi) {
                (Some(api), _) => server(&api).map(|api| Access::Bbb { api }),
                (None, Some(s)) => server(&s).map(|server| Access::Jitsi { server, jwt_app_id }),
                (None, None) => unreachable!("clap requires --bbb or --jitsi"),
            };
            let account = match access.and_then(|a| Account::new(&profile, a, &name, rules)) {
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
            // The command line has no runtime of its own: one thread, for this call.
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return fail(&crate::provider::ProviderError::Unexpected.into());
            };
            match rt.block_on(counsellor::set_up(&http, rules, &file, account, &secret)) {
                Ok(a) => {
                    let lang = i18n::current();
                    println!("{}", tf(lang, "cli.counsellor.saved", &[("host", &crate::hosts::host_with_port(a.access.host_url()))]));
                    if a.access.needs_secret() {
                        println!("{}", tf(lang, "cli.counsellor.secret_stored", &[("service", sprechzimmer_core::APP_ID)]));
                    }
                    if a.consent.is_none() {
                        println!("{}", t(lang, "cli.counsellor.consent_first"));
                    }
                    0
                }
                Err(e) => fail(&e.into()),
            }
        }
        CounsellorCommand::Show => match Account::load(&file) {
            Ok(a) => {
                let provider = match &a.access {
                    Access::Bbb { .. } => "BigBlueButton",
                    Access::Jitsi { .. } => "Jitsi Meet",
                };
                let lang = i18n::current();
                let host = crate::hosts::host_with_port(a.access.host_url());
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
        CounsellorCommand::Remove => match counsellor::remove(&file) {
            Ok(()) => {
                println!("{}", t(i18n::current(), "cli.counsellor.removed"));
                0
            }
            Err(e) => fail(&e.into()),
        },
    }
}

/// The organisation kit (docs/organisation-profile.md). English, like
/// `policy`: its readers are the organisation's IT.
fn org_cmd(cmd: OrgCommand, setup: &Setup) -> i32 {
    use crate::profile::check;
    match cmd {
        OrgCommand::Init { file: None } => {
            print!("{}", check::STARTER);
            0
        }
        OrgCommand::Init { file: Some(path) } => {
            let written =
                std::fs::OpenOptions::new().write(true).create_new(true).open(&path).and_then(|mut f| f.write_all(check::STARTER.as_bytes()));
            match written {
                Ok(()) => {
                    println!("wrote {}; replace the examples, then run: sprechzimmer org check {}", path.display(), path.display());
                    0
                }
                Err(e) => {
                    eprintln!("cannot write {}: {e}", path.display());
                    2
                }
            }
        }
        OrgCommand::DeviceCheckPage { lang } => {
            let lang = match lang.as_deref().map(crate::i18n::Lang::from_code) {
                None => i18n::current(),
                Some(Some(l)) => l,
                Some(None) => {
                    eprintln!("unknown language; one of: de, ls, en, uk, ar, tr, ru, fa");
                    return 2;
                }
            };
            print!("{}", crate::device_check::page(lang).0);
            0
        }
        OrgCommand::InvitePage { profile } => {
            let body = match read_profile(&profile, setup) {
                Ok(b) => b,
                Err(why) => {
                    eprintln!("cannot read {profile}: {why} [{}]", why.code());
                    return 2;
                }
            };
            let p = match crate::profile::OrgProfile::from_json(&body, UrlRules::from_env()) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{profile}: {e}; run: sprechzimmer org check {profile}");
                    return 2;
                }
            };
            if p.invite_page.is_none() {
                eprintln!("note: the profile names no invite_page yet; invites link to the page only once it does");
            }
            print!("{}", crate::invite_page::render(&p));
            0
        }
        OrgCommand::Check { source, json } => {
            let body = match read_profile(&source, setup) {
                Ok(b) => b,
                Err(why) => {
                    eprintln!("cannot read {source}: {why} [{}]", why.code());
                    return 2;
                }
            };
            let report = check::check(&body, UrlRules::from_env());
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("report serialises"));
            } else {
                for f in &report.findings {
                    let level = match f.severity {
                        check::Severity::Error => "error",
                        check::Severity::Warning => "warning",
                    };
                    let at = if f.path.is_empty() { "(file)" } else { &f.path };
                    println!("{level:7}  {at}: {} [{}]", f.message, f.code);
                }
                let (e, w) = (report.errors().count(), report.warnings().count());
                let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
                let verdict = if report.is_valid() { "the app accepts this profile" } else { "the app refuses this profile" };
                println!("{}, {}: {verdict}.", plural(e, "error"), plural(w, "warning"));
            }
            let warned = report.warnings().next().is_some();
            match (report.is_valid(), warned) {
                (false, _) => 2,
                (true, true) => 1,
                (true, false) => 0,
            }
        }
    }
}

/// Why `org` could not read a profile (before reading it as one).
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} bytes; the app reads at most {max}", max = crate::profile::MAX_PROFILE_BYTES)]
    TooBig(u64),
    #[error("the app would not fetch it: {0}")]
    Refused(UrlProblem),
    #[error("the server answered with a redirect; the app follows none, so publish the profile at this exact address")]
    Redirected,
    #[error("{0}")]
    Fetch(crate::profile::ProfileError),
}

impl ReadError {
    fn code(&self) -> &'static str {
        match self {
            ReadError::Io(_) => "io",
            ReadError::TooBig(_) => "profile.too_big",
            ReadError::Refused(p) => p.code(),
            ReadError::Redirected => "profile.redirected",
            ReadError::Fetch(e) => e.code(),
        }
    }
}

/// The profile's text: from a file, or fetched as the app fetches it (same
/// client, same proxy, no redirects).
fn read_profile(source: &str, setup: &Setup) -> Result<String, ReadError> {
    let lower = source.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        let len = std::fs::metadata(source)?.len();
        if len > crate::profile::MAX_PROFILE_BYTES {
            return Err(ReadError::TooBig(len));
        }
        return Ok(std::fs::read_to_string(source)?);
    }
    let url = crate::hosts::check_remote_url(source, UrlRules::from_env()).map_err(ReadError::Refused)?;
    let http = crate::net::Http::with_proxy(setup.settings.proxy.as_ref());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(crate::profile::fetch_body(&http, &url)).map_err(|e| match e {
        crate::profile::ProfileError::Redirected => ReadError::Redirected,
        other => ReadError::Fetch(other),
    })
}

/// Sessions live in the running app's memory only. `start` runs the app
/// with a session; `end` hands over to the running app.
fn session_cmd(cmd: SessionCommand) -> Outcome {
    let app_runs = Paths::for_current_user().ok().and_then(|p| wipe::AppLock::acquire(&p).ok()).is_some_and(|lock| lock.is_none());
    match cmd {
        SessionCommand::Start { print_invite, client, at } => {
            if app_runs {
                eprintln!("{}", t(i18n::current(), "cli.session.already_running"));
                return Outcome::Exit(1);
            }
            Outcome::RunAppWith(AppAction::StartSession { client_name: client, at, print_invite })
        }
        SessionCommand::End => {
            if !app_runs {
                eprintln!("{} [counsellor.no_session]", t(i18n::current(), "error.counsellor.no_session"));
                return Outcome::Exit(1);
            }
            // The single-instance check forwards these arguments.
            Outcome::RunApp(Launch::default())
        }
    }
}

fn check_invite(link: &str, setup: &Setup) -> i32 {
    let rules = UrlRules::from_env();
    let parsed = invite::parse_any(link, rules, time::OffsetDateTime::now_utc(), setup.settings.profile_url.as_ref())
        .map_err(crate::error::Error::from)
        .and_then(|inv| setup.settings.admits(&inv).map(|()| inv).map_err(crate::error::Error::from));
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

fn wipe_cmd() -> i32 {
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
