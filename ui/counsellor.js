// The counsellor's screens: setup, consent, start / running session. Rust
// checks everything (secret against the server, consent against the
// current texts, the running session); this module shows and forwards.
import * as i18n from './i18n.js';
import { renderDocuments } from './documents.js';

const { invoke } = window.__TAURI__.core;
const { t } = i18n;
const $ = (id) => document.getElementById(id);

let ui = null; // { show, toast, notice, showError, messageOf, openExternal }
let status = null;
let running = false;

/** Whether the counsellor's own session runs (read-only for other modules). */
export function isRunning() {
  return running;
}

// `forget`: no session (any more); its invite and the client's name go. A
// failed start keeps what was typed, to be corrected.
function setRunning(view, forget = true) {
  running = !!view;
  $('cn-idle').hidden = running;
  $('cn-running').hidden = !running;
  if (view) {
    $('cn-invite').value = view.invite;
    $('cn-calendar-box').hidden = !view.appointment;
    $('cn-calendar-name').checked = false;
    $('cn-letter-lang').value = i18n.language();
    $('cn-companion-list').replaceChildren();
    $('cn-companion').open = false;
    $('cn-status').dataset.state = 'opening';
    $('cn-status').textContent = t('meeting.opening');
  } else if (forget) {
    for (const id of ['cn-invite', 'cn-client-name', 'cn-at']) $(id).value = '';
  }
}

export function onMeetingState(state) {
  const el = $('cn-status');
  el.dataset.state = state;
  el.textContent = t(state === 'open' ? 'counsellor.in_room' : 'meeting.opening');
}

export function onRunning(view) {
  setRunning(view);
}

function route(v) {
  status = v;
  if (!v.setUp) {
    $('cs-form').reset();
    for (const input of $('cs-form').querySelectorAll('input, select')) clearFieldError(input);
    updateProvider();
    ui.show('counsellor-setup');
    return;
  }
  if (v.consent) {
    renderConsent(v);
    ui.show('counsellor-consent');
    return;
  }
  $('cn-org').textContent = v.organisation;
  loadBookings();
  $('cn-account').textContent = t('counsellor.account', {
    name: v.displayName, server: v.server, provider: v.provider === 'bbb' ? 'BigBlueButton' : 'Jitsi Meet',
  });
  setRunning(v.running);
  ui.show('counsellor');
}

export async function open() {
  ui.show('loading');
  try {
    route(await invoke('counsellor_status'));
  } catch (e) {
    ui.showError(e);
  }
}

function renderConsent(v) {
  $('cc-org').textContent = v.organisation;
  renderDocuments('cc-', v.consent, ui.openExternal);
  updateConsent();
}

function updateConsent() {
  $('cc-continue').disabled = !($('cc-privacy-check').checked && $('cc-terms-check').checked);
}

function updateProvider() {
  const jitsi = $('cs-provider').value === 'jitsi';
  $('cs-appid-field').hidden = !jitsi;
  $('cs-server-label').textContent = t(jitsi ? 'counsellor.setup.server_jitsi' : 'counsellor.setup.server_bbb');
  $('cs-secret-label').textContent = t(jitsi ? 'counsellor.setup.secret_jitsi' : 'counsellor.setup.secret_bbb');
}

// The Rust side names the field an error is about; the message then sits
// by that field (aria-describedby, aria-invalid) until it is edited.
const FIELDS = {
  profile: 'cs-profile', provider: 'cs-provider', bbb: 'cs-server', jitsi: 'cs-server', server: 'cs-server',
  secret: 'cs-secret', jwt_app_id: 'cs-appid', display_name: 'cs-name',
  client_name: 'cn-client-name', at: 'cn-at', minutes: 'cn-length', companion_name: 'cn-companion-name',
};

function clearFieldError(input) {
  const err = document.getElementById(`${input.id}-error`);
  if (err) err.hidden = true;
  input.removeAttribute('aria-invalid');
  const rest = (input.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && id !== `${input.id}-error`);
  if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
  else input.removeAttribute('aria-describedby');
}

function showError(e) {
  const input = e && FIELDS[e.field] && $(FIELDS[e.field]);
  if (!input) {
    ui.toast(ui.messageOf(e));
    return;
  }
  let err = document.getElementById(`${input.id}-error`);
  if (!err) {
    err = document.createElement('p');
    err.id = `${input.id}-error`;
    err.className = 'field-error';
    input.after(err);
    input.addEventListener('input', () => clearFieldError(input));
  }
  err.textContent = ui.messageOf(e);
  err.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  ids.add(err.id);
  input.setAttribute('aria-describedby', [...ids].join(' '));
  input.focus();
}

async function save(ev) {
  ev.preventDefault();
  $('cs-save').disabled = true;
  try {
    const v = await invoke('counsellor_setup', {
      request: {
        profile: $('cs-profile').value,
        provider: $('cs-provider').value,
        server: $('cs-server').value,
        secret: $('cs-secret').value || null,
        jwtAppId: $('cs-appid').value || null,
        displayName: $('cs-name').value,
      },
    });
    // The secret is in the credential store now, not in this page.
    $('cs-secret').value = '';
    route(v);
  } catch (e) {
    $('cs-secret').value = '';
    showError(e);
  } finally {
    $('cs-save').disabled = false;
  }
}

async function consent() {
  try {
    route(await invoke('counsellor_consent', {
      privacyDigest: status.consent.privacy.digest,
      termsDigest: status.consent.terms.digest,
    }));
  } catch (e) {
    ui.toast(ui.messageOf(e));
  }
}

async function start() {
  $('cn-start').disabled = true;
  // The meeting's first events can arrive before the answer does.
  running = true;
  const at = $('cn-at').value ? localTime(new Date($('cn-at').value)) : null;
  const request = {
    clientName: $('cn-client-name').value || null,
    at,
    minutes: Number($('cn-length').value),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || null,
  };
  try {
    setRunning(await invoke('counsellor_start', { request }));
    // The start button is gone: focus moves to the invite to hand out.
    $('cn-invite').focus();
  } catch (e) {
    setRunning(null, false);
    showError(e);
  } finally {
    $('cn-start').disabled = false;
  }
}

// RFC 3339 in the counsellor's own offset: the invitation states the time
// as the counsellor entered it ("10:30 (UTC+01:00)").
function localTime(d) {
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:00${zone}`;
}

// Session lengths the Rust side accepts (`invitation::LENGTHS`).
const LENGTHS = [30, 45, 50, 60, 90, 120];

/** The option lists, in the UI's language (again after a change of language). */
export function renderChoices() {
  const length = $('cn-length');
  const chosen = length.value || '60';
  length.replaceChildren(...LENGTHS.map((n) => new Option(i18n.tp('mail.minutes', n, { count: i18n.formatNumber(n) }), String(n))));
  length.value = chosen;
  const letter = $('cn-letter-lang');
  const lang = letter.value || i18n.language();
  letter.replaceChildren(...i18n.LANGUAGES.map((l) => {
    const o = new Option(l.name, l.code);
    o.lang = l.lang;
    return o;
  }));
  letter.value = lang;
}

// ---- a further guest: interpreter, sign-language interpreter, relative ----

async function makeCompanion() {
  try {
    const c = await invoke('counsellor_companion_invite', { name: $('cn-companion-name').value });
    const li = document.createElement('li');
    const text = document.createElement('p');
    text.id = `companion-${c.index}`;
    text.textContent = $('cn-companion-name').value.trim();
    const link = document.createElement('textarea');
    link.rows = 3;
    link.readOnly = true;
    link.value = c.invite;
    link.setAttribute('aria-labelledby', text.id);
    link.className = 'companion-invite';
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'companion-copy';
    copy.textContent = t('counsellor.copy');
    copy.setAttribute('aria-describedby', text.id);
    copy.addEventListener('click', async () => {
      try {
        await invoke('counsellor_copy_companion_invite', { index: c.index });
        ui.notice(t('counsellor.copied'));
      } catch (e) {
        link.select();
      }
    });
    li.append(text, link, copy);
    $('cn-companion-list').append(li);
    $('cn-companion-name').value = '';
    copy.focus();
  } catch (e) {
    showError(e);
  }
}

// ---- booked appointments ----

async function book() {
  $('cn-book').disabled = true;
  try {
    const at = $('cn-at').value ? localTime(new Date($('cn-at').value)) : '';
    const b = await invoke('counsellor_book', {
      request: {
        clientName: $('cn-client-name').value,
        at,
        minutes: Number($('cn-length').value),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || null,
      },
    });
    for (const id of ['cn-client-name', 'cn-at']) $(id).value = '';
    await loadBookings();
    ui.notice(t('counsellor.booked'));
    // Next: hand out its invite.
    document.querySelector(`[data-booking="${b.id}"] .booking-copy`)?.focus();
  } catch (e) {
    showError(e);
  } finally {
    $('cn-book').disabled = false;
  }
}

export async function loadBookings() {
  try {
    renderBookings(await invoke('counsellor_bookings'));
  } catch (e) {
    renderBookings([]);
    ui.toast(ui.messageOf(e));
  }
}

function renderBookings(list) {
  $('cn-bookings-none').hidden = list.length > 0;
  $('cn-booking-name').parentElement.hidden = list.length === 0;
  const letterLang = () => $('cn-letter-lang').value || i18n.language();
  const items = list.map((b) => {
    const li = document.createElement('li');
    li.dataset.booking = b.id;
    const text = document.createElement('p');
    text.id = `booking-${b.id}`;
    text.textContent = t('counsellor.booking_line', {
      when: i18n.formatTime(b.at),
      length: i18n.tp('mail.minutes', b.minutes, { count: b.minutes }),
      name: b.pseudonym,
    });
    const actions = document.createElement('div');
    actions.className = 'actions';
    const button = (key, cls, run) => {
      const el = document.createElement('button');
      el.type = 'button';
      el.className = cls;
      el.textContent = t(key);
      // Which booking: the line above is read with each of its buttons.
      el.setAttribute('aria-describedby', text.id);
      el.addEventListener('click', async () => {
        el.disabled = true;
        try {
          await run();
        } catch (e) {
          ui.toast(ui.messageOf(e));
        } finally {
          el.disabled = false;
        }
      });
      return el;
    };
    actions.append(
      button('counsellor.copy', 'booking-copy', async () => {
        await invoke('counsellor_copy_booking_invite', { booking: b.id });
        ui.notice(t('counsellor.copied'));
      }),
      button('counsellor.mail', 'booking-mail', () => invoke('counsellor_mail_invite', { lang: letterLang(), booking: b.id })),
      button('counsellor.calendar', 'booking-calendar', async () => {
        const path = await invoke('counsellor_save_calendar', { lang: letterLang(), withName: $('cn-booking-name').checked, booking: b.id });
        ui.notice(t('counsellor.calendar_saved', { path }));
      }),
      button('counsellor.booking_cancel', 'booking-cancel danger', async () => {
        await invoke('counsellor_cancel_booking', { booking: b.id });
        ui.notice(t('counsellor.booking_cancelled'));
        await loadBookings();
        $('cn-client-name').focus();
      }),
      button('counsellor.booking_start', 'booking-start primary', () => startBooked(b.id)),
    );
    li.append(text, actions);
    return li;
  });
  $('cn-bookings-list').replaceChildren(...items);
}

async function startBooked(id) {
  running = true;
  try {
    setRunning(await invoke('counsellor_start', { request: { booking: id } }));
    $('cn-invite').focus();
  } catch (e) {
    setRunning(null, false);
    throw e;
  }
}

async function saveCalendar() {
  try {
    const path = await invoke('counsellor_save_calendar', { lang: $('cn-letter-lang').value, withName: $('cn-calendar-name').checked });
    ui.notice(t('counsellor.calendar_saved', { path }));
  } catch (e) {
    ui.toast(ui.messageOf(e));
  }
}

async function copyInvite() {
  try {
    // Rust copies the running invite, kept out of clipboard history.
    await invoke('counsellor_copy_invite');
    ui.notice(t('counsellor.copied'));
  } catch (e) {
    // Without clipboard access: select it, so Ctrl+C works.
    $('cn-invite').select();
  }
}

export function wire(handlers) {
  ui = handlers;
  $('open-counsellor').addEventListener('click', open);
  $('cs-form').addEventListener('submit', save);
  $('cs-provider').addEventListener('change', updateProvider);
  $('cs-cancel').addEventListener('click', () => ui.show('start'));
  $('cc-privacy-check').addEventListener('change', updateConsent);
  $('cc-terms-check').addEventListener('change', updateConsent);
  $('cc-continue').addEventListener('click', consent);
  $('cc-back').addEventListener('click', () => ui.show('start'));
  $('cn-back').addEventListener('click', () => ui.show('start'));
  $('cn-start').addEventListener('click', start);
  $('cn-copy').addEventListener('click', copyInvite);
  $('cn-mail').addEventListener('click', () => invoke('counsellor_mail_invite', { lang: $('cn-letter-lang').value }).catch((e) => ui.toast(ui.messageOf(e))));
  $('cn-calendar').addEventListener('click', saveCalendar);
  $('cn-book').addEventListener('click', book);
  $('cn-companion-make').addEventListener('click', makeCompanion);
  renderChoices();
  $('cn-show').addEventListener('click', () => invoke('show_meeting'));
  $('cn-end').addEventListener('click', () => invoke('counsellor_end').catch((e) => ui.toast(ui.messageOf(e))));
  $('cn-remove').addEventListener('click', async () => {
    try {
      await invoke('counsellor_remove');
      ui.notice(t('counsellor.removed'));
      ui.show('start');
    } catch (e) {
      ui.toast(ui.messageOf(e));
    }
  });
}
