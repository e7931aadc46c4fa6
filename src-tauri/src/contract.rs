// Every app command, in one place. Included by build.rs (the ACL's app
// manifest) and by commands.rs (the isolation tests walk it). The events
// and their payloads are the core's (`ipc`); ui/contract.js is generated
// from both (commands::tests, UPDATE_GENERATED=1 to rewrite).
pub const ALL: &[&str] = &[
    "app_info",
    "take_pending_invite",
    "take_ended",
    "preview_invite",
    "consent_view",
    "set_language",
    "open_invite",
    "give_consent",
    "save_consent_receipt",
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
    "counsellor_save_calendar",
    "start_over",
    "set_zoom",
];
