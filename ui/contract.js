// Generated from src-tauri/src/contract.rs; do not edit.
// Regenerate: UPDATE_GENERATED=1 cargo test -p sprechzimmer contract

/** Every app command the window may invoke. */
export const COMMANDS = Object.freeze([
  'app_info',
  'take_pending_invite',
  'take_ended',
  'preview_invite',
  'consent_view',
  'set_language',
  'open_invite',
  'give_consent',
  'save_consent_receipt',
  'enter_lobby',
  'retry_lobby',
  'cancel_session',
  'show_meeting',
  'open_external',
  'session_status',
  'get_settings',
  'set_setting',
  'counsellor_status',
  'counsellor_setup',
  'counsellor_consent',
  'counsellor_remove',
  'counsellor_start',
  'counsellor_end',
  'counsellor_mail_invite',
  'counsellor_copy_invite',
  'counsellor_save_calendar',
  'counsellor_companion_invite',
  'counsellor_copy_companion_invite',
  'counsellor_book',
  'counsellor_bookings',
  'counsellor_cancel_booking',
  'counsellor_copy_booking_invite',
  'start_over',
  'set_zoom',
]);

/** Every event the Rust side sends to the window. */
export const EVENTS = Object.freeze({
  INVITE: 'app://invite',
  SHOW: 'app://show',
  LOBBY: 'session://lobby',
  MEETING: 'session://meeting',
  ENDED: 'session://ended',
  EXTERNAL_LINK: 'session://external-link',
  MEETING_VIEW: 'session://meeting-view',
  RUNNING: 'counsellor://running',
});
