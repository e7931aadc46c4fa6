// Every app command, in one place: included by build.rs (the ACL's app
// manifest) and by commands.rs (the isolation tests walk it).
pub const ALL: &[&str] = &[
    "app_info",
    "take_pending_invite",
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
