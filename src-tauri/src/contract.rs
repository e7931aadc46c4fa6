// The contract between the Rust side and the UI, in one place: every app
// command and every event. Included by build.rs (the ACL's app manifest)
// and by commands.rs (the isolation tests walk it); ui/contract.js is
// generated from it (commands::tests, UPDATE_GENERATED=1 to rewrite).
pub const ALL: &[&str] = &[
    "app_info",
    "take_pending_invite",
    "preview_invite",
    "consent_view",
    "set_language",
    "open_invite",
    "give_consent",
    "enter_lobby",
    "retry_lobby",
    "cancel_session",
    "show_meeting",
    "open_external",
    "session_status",
    "get_settings",
    "set_setting",
    "counsellor_status",
    "counsellor_setup",
    "counsellor_consent",
    "counsellor_remove",
    "counsellor_start",
    "counsellor_end",
    "counsellor_mail_invite",
    "counsellor_copy_invite",
];

/// The events the Rust side sends to the app window.
#[allow(dead_code)]
pub mod events {
    /// An invite arrived from outside (link, command line, second start).
    pub const INVITE: &str = "app://invite";
    /// The tray asked for a screen.
    pub const SHOW: &str = "app://show";
    pub const LOBBY: &str = "session://lobby";
    pub const MEETING: &str = "session://meeting";
    pub const ENDED: &str = "session://ended";
    pub const EXTERNAL_LINK: &str = "session://external-link";
    /// Where the meeting opens: the app's window or the fallback browser.
    pub const MEETING_VIEW: &str = "session://meeting-view";
    /// The counsellor's session started (its invite) or ended (null).
    pub const RUNNING: &str = "counsellor://running";

    /// Name (as in ui/contract.js) and value of each.
    pub const ALL: &[(&str, &str)] = &[
        ("INVITE", INVITE),
        ("SHOW", SHOW),
        ("LOBBY", LOBBY),
        ("MEETING", MEETING),
        ("ENDED", ENDED),
        ("EXTERNAL_LINK", EXTERNAL_LINK),
        ("MEETING_VIEW", MEETING_VIEW),
        ("RUNNING", RUNNING),
    ];
}
