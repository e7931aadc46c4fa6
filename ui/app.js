// The client flow on screen. All decisions (consent, lobby, meeting, wipe)
// are made in Rust; this module shows state and forwards what the user does.
import { EVENTS } from './contract.js';
import * as i18n from './i18n.js';
import { renderDocuments } from './documents.js';
import { openSettings } from './settings.js';
import * as counsellor from './counsellor.js';

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;
const { t } = i18n;
const $ = (id) => document.getElementById(id);

let consentView = null;
let countdownTimer = null;
let scheduledAt = null;

// Each screen change moves focus to the new screen's heading, so a screen
// reader reads where the user is and the keyboard starts from the top.
function show(name) {
  const changed = document.body.dataset.screen !== name;
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== `screen-${name}`;
  document.body.dataset.screen = name;
  $('lang-switch').hidden = !['start', 'consent'].includes(name) || languageLocked;
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading && changed) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

// Status changes, read out once: the same text twice is not repeated.
let lastAnnounced = '';
function announce(text) {
  if (!text || text === lastAnnounced) return;
  lastAnnounced = text;
  $('announcer').textContent = text;
}

// An error stays until dismissed: nobody should have to read against a
// timer.
function toast(message) {
  clearTimeout(toast.timer);
  $('toast').setAttribute('role', 'alert');
  $('toast').dataset.kind = 'error';
  $('toast-text').textContent = message;
  $('toast').hidden = false;
}

// A confirmation ("saved", "copied"): read out politely through the live
// region, shown for a while; it also has the dismiss button.
function notice(message) {
  clearTimeout(toast.timer);
  $('toast').removeAttribute('role');
  $('toast').dataset.kind = 'notice';
  $('toast-text').textContent = message;
  $('toast').hidden = false;
  lastAnnounced = '';
  announce(message);
  toast.timer = setTimeout(() => { $('toast').hidden = true; }, 8000);
}

function messageOf(err) {
  return (err && err.message) || String(err);
}

function showError(err) {
  $('error-message').textContent = messageOf(err);
  $('error-message').dataset.code = (err && err.code) || '';
  // Technical detail (for IT) behind a disclosure, where there is some.
  const detailsKey = `error.${err && err.code}_details`;
  const details = t(detailsKey);
  $('error-details').hidden = details === detailsKey;
  $('error-details-text').textContent = details === detailsKey ? '' : details;
  renderSupport($('error-support'), consentView && consentView.support);
  show('error');
}

// A pasted link that cannot be opened: the message sits under the field,
// which keeps the link so it can be corrected.
const FIELD_ERRORS = /^(invite|url|policy)\./;
function showInviteError(err) {
  const input = $('invite-input');
  $('invite-error').textContent = messageOf(err);
  $('invite-error').dataset.code = (err && err.code) || '';
  $('invite-error').hidden = false;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', 'invite-error');
  show('start');
  input.focus();
}

function clearInviteError() {
  const input = $('invite-input');
  $('invite-error').hidden = true;
  $('invite-error').textContent = '';
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
}

// The organisation's help contact: phone, e-mail, hours (in the language
// the organisation wrote them in).
function renderSupport(box, support) {
  box.replaceChildren();
  box.hidden = !support;
  if (!support) return;
  const h = document.createElement('h2');
  h.textContent = t('support.heading');
  box.append(h);
  // The value keeps its own direction and language inside the label.
  const value = (text, { href, lang, dir = 'ltr' } = {}) => {
    const el = document.createElement(href ? 'a' : 'span');
    el.textContent = text;
    el.dir = dir;
    if (lang) i18n.markLanguage(el, lang);
    if (href) {
      el.href = href;
      el.addEventListener('click', (ev) => {
        ev.preventDefault();
        openExternal(href);
      });
    }
    return el;
  };
  const line = (key, name, node) => {
    const p = document.createElement('p');
    p.append(...i18n.tNodes(key, { [name]: node }));
    box.append(p);
  };
  if (support.phone) line('support.phone', 'phone', value(support.phone));
  if (support.email) line('support.email', 'email', value(support.email, { href: `mailto:${support.email}` }));
  if (support.hours) line('support.hours', 'hours', value(support.hours, { lang: support.hoursLang, dir: 'auto' }));
}

async function openExternal(url) {
  try {
    await invoke('open_external', { url });
  } catch (e) {
    toast(messageOf(e));
  }
}

// ---- invite ----

// A link that arrived from outside (a web page, a mail program) is shown
// first: the app contacts nothing until the user has seen where it leads.
let arrivedLink = null;

async function pickUpInvite() {
  const link = await invoke('take_pending_invite');
  if (!link) return;
  const previous = document.body.dataset.screen;
  let preview;
  try {
    preview = await invoke('preview_invite', { link });
  } catch (e) {
    if (e && e.code === 'session.busy') {
      toast(messageOf(e));
      show(previous);
      return;
    }
    showError(e);
    return;
  }
  if (preview.preapproved) {
    await openInvite(link);
    return;
  }
  arrivedLink = link;
  $('arrival-profile').textContent = t('arrival.profile', { host: preview.profileHost });
  $('arrival-meeting').textContent = t('arrival.meeting', { host: preview.meetingHost });
  show('arrival');
}

// `pasted`: the link came from the start screen's field, where an error
// about the link itself is shown.
async function openInvite(link, pasted = false) {
  const previous = document.body.dataset.screen;
  show('loading');
  try {
    consentView = await invoke('open_invite', { link });
    renderConsent(consentView);
    show('consent');
  } catch (e) {
    if (e && e.code === 'session.busy') {
      toast(messageOf(e));
      show(previous === 'arrival' ? 'start' : previous);
      return;
    }
    if (pasted && e && FIELD_ERRORS.test(e.code)) {
      showInviteError(e);
      return;
    }
    showError(e);
  }
}

// ---- consent ----

// `keep`: the same session again in another language; what the user
// ticked and typed stays.
function renderConsent(v, keep = false) {
  // A new consent screen: no receipt yet (the counsellor's meeting has none).
  if (!keep) showReceiptOffer(false);
  $('consent-org').textContent = v.organisation;
  i18n.markLanguage($('consent-org'), v.organisationLang);
  $('consent-host').textContent = t('consent.host', { host: v.summary.meetingHost });
  $('consent-name').textContent = v.displayName ? t('consent.name', { name: v.displayName }) : '';
  $('consent-time').textContent = v.summary.scheduledAt
    ? t('consent.scheduled', { time: i18n.formatTime(v.summary.scheduledAt) })
    : '';
  renderDocuments('', v, openExternal, keep);
  $('name-field').hidden = !v.nameEditable;
  if (!keep) $('name-input').value = '';
  renderFeedback(v);
  updateConsentButton();
}

// Where to report a barrier, if the organisation says.
function renderFeedback(v) {
  const box = $('consent-feedback');
  box.replaceChildren();
  const href = v.feedbackUrl || (v.feedbackEmail ? `mailto:${v.feedbackEmail}` : null);
  box.hidden = !href;
  if (!href) return;
  const a = document.createElement('a');
  a.href = href;
  a.textContent = v.feedbackUrl || v.feedbackEmail;
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    openExternal(href);
  });
  box.append(`${t('a11y.feedback')} `, a);
}

function updateConsentButton() {
  const both = $('privacy-check').checked && $('terms-check').checked;
  const named = !consentView || !consentView.nameEditable || $('name-input').value.trim() !== '';
  $('consent-continue').disabled = !(both && named);
  $('consent-hint').textContent = both ? t('consent.name_needed') : t('consent.both_needed');
  $('consent-hint').hidden = both && named;
}

async function continueToLobby() {
  const v = consentView;
  if (!v) return;
  $('consent-continue').disabled = true;
  try {
    const outcome = await invoke('give_consent', {
      request: {
        sessionId: v.sessionId,
        privacyAccepted: $('privacy-check').checked,
        termsAccepted: $('terms-check').checked,
        privacyDigest: v.privacy.digest,
        termsDigest: v.terms.digest,
        displayName: v.nameEditable ? $('name-input').value : null,
      },
    });
    scheduledAt = v.summary.scheduledAt;
    // Once per lobby, not per poll: a focused link in it keeps its focus.
    renderSupport($('lobby-support'), v.support);
    // This client's consent has a receipt now, which they may save.
    showReceiptOffer(true);
    resetDevices();
    show('devices');
    // The organisation did not get its copy: said, and nothing is blocked.
    if (outcome && outcome.receipt === 'failed') notice(t('consent.receipt_failed'));
  } catch (e) {
    // No way to show the meeting here: the consent is not kept either.
    if (e && String(e.code).startsWith('browser.')) await invoke('cancel_session').catch(() => {});
    if (e && e.code === 'consent.name_required') {
      $('name-error').textContent = messageOf(e);
      $('name-error').dataset.code = e.code;
      $('name-error').hidden = false;
      $('name-input').setAttribute('aria-invalid', 'true');
      $('name-input').setAttribute('aria-describedby', 'name-error name-hint');
      $('name-input').focus();
      updateConsentButton();
      return;
    }
    if (e && ['consent.outdated', 'consent.wrong_session', 'consent.receipt_required'].includes(e.code)) {
      toast(messageOf(e));
      updateConsentButton();
      return;
    }
    // The user left meanwhile (cancelled, or the session ended): nothing
    // more to show for this one.
    if (consentView !== v) return;
    showError(e);
  }
}

// ---- device check ----

// Camera, microphone and speakers are checked in a window of the kind the
// meeting will use; this screen says what it found and keeps the choice
// to join with the camera off.
function resetDevices() {
  for (const id of ['devices-running', 'devices-camera', 'devices-microphone', 'devices-closed', 'devices-stop']) $(id).hidden = true;
  $('devices-check').hidden = false;
  $('devices-camera-off').checked = false;
}

async function startDeviceCheck() {
  $('devices-check').disabled = true;
  try {
    await invoke('start_device_check');
  } catch (e) {
    // No browser to show a meeting in either: the consent is not kept. A
    // browser that did not start is the check's own trouble, and said.
    if (e && ['browser.none', 'browser.chosen_missing'].includes(e.code)) {
      await invoke('cancel_session').catch(() => {});
      showError(e);
      return;
    }
    toast(messageOf(e));
  } finally {
    $('devices-check').disabled = false;
  }
}

function onDeviceCheck(ev) {
  const stopHadFocus = document.activeElement === $('devices-stop');
  if (ev.state === 'open') {
    $('devices-closed').hidden = true;
    $('devices-running').hidden = false;
    $('devices-check').hidden = true;
    $('devices-stop').hidden = false;
    $('devices-stop').focus();
  } else if (ev.state === 'found' && ev.found) {
    $('devices-camera').textContent = t(`check.camera_${ev.found.camera}`);
    $('devices-microphone').textContent = t(`check.microphone_${ev.found.microphone}`);
    $('devices-camera').hidden = false;
    $('devices-microphone').hidden = false;
  } else if (ev.state === 'closed') {
    $('devices-running').hidden = true;
    $('devices-stop').hidden = true;
    $('devices-check').hidden = false;
    $('devices-closed').hidden = false;
    if (stopHadFocus) $('devices-check').focus();
  }
}

async function goToLobby() {
  $('devices-continue').disabled = true;
  renderLobby({ state: 'checking' });
  show('lobby');
  try {
    await invoke('enter_lobby', { cameraOff: $('devices-camera-off').checked });
  } catch (e) {
    // No way to show the meeting here: the consent is not kept either.
    if (e && String(e.code).startsWith('browser.')) await invoke('cancel_session').catch(() => {});
    // The user left meanwhile: nothing more to show for this one.
    if (document.body.dataset.screen !== 'lobby') return;
    showError(e);
  } finally {
    $('devices-continue').disabled = false;
  }
}

// ---- lobby ----

// "Your appointment starts at 10:30. It starts in 12 minutes." — in words,
// updated every second, but not read out: the status line is.
function renderSchedule() {
  const el = $('lobby-schedule');
  if (!scheduledAt) {
    el.textContent = '';
    return;
  }
  const left = new Date(scheduledAt).getTime() - Date.now();
  // Not today: the date too, or "at 10:30" reads as today.
  const today = new Date(scheduledAt).toDateString() === new Date().toDateString();
  const at = today
    ? t('lobby.starts_at', { time: i18n.formatTime(scheduledAt, false) })
    : t('lobby.starts_on', { date: i18n.formatTime(scheduledAt, true) });
  el.textContent = left > 0 ? `${at} ${t('lobby.starts_in', { relative: i18n.relative(left / 1000) })}` : at;
}

function renderLobby(view) {
  const status = $('lobby-status');
  const hint = $('lobby-hint');
  status.dataset.state = view.state;
  $('lobby-retry').hidden = view.state !== 'unreachable';
  const next = () => t('lobby.next_check', { relative: i18n.relative(view.nextCheckSecs) });
  switch (view.state) {
    case 'checking':
      status.textContent = t('lobby.checking');
      hint.textContent = '';
      break;
    case 'waiting':
      status.textContent = t('lobby.waiting');
      hint.textContent = `${t('lobby.waiting_hint')} ${next()}`;
      break;
    case 'unreachable':
      status.textContent = t('lobby.unreachable');
      hint.textContent = `${t(`error.${view.code}`)} ${next()}`;
      break;
    case 'opening':
      status.textContent = t('lobby.opening');
      hint.textContent = '';
      break;
    case 'failed':
      status.textContent = t(`error.${view.code}`);
      hint.textContent = '';
      break;
  }
  // Polls repeat the state; only a change is read out.
  if (document.body.dataset.screen === 'lobby') announce(status.textContent);
  renderSchedule();
  clearInterval(countdownTimer);
  if (scheduledAt) countdownTimer = setInterval(renderSchedule, 1000);
}

// ---- meeting and end ----

function onMeeting(state) {
  // The counsellor's own meeting: the counsellor screen shows its state.
  if (counsellor.isRunning()) {
    counsellor.onMeetingState(state);
    return;
  }
  clearInterval(countdownTimer);
  const status = $('meeting-status');
  status.dataset.state = state;
  status.textContent = t({ opening: 'meeting.opening', knocking: 'meeting.knocking', open: 'meeting.joined' }[state] || 'meeting.opening');
  if (document.body.dataset.screen !== 'meeting') $('external-offer').hidden = true;
  show('meeting');
  announce(status.textContent);
}

// Where the meeting runs: the app's own window, or the fallback browser
// when the system webview has no WebRTC.
function onMeetingView({ view, browser }) {
  const box = $('meeting-browser');
  box.dataset.view = view;
  box.hidden = view !== 'browser';
  $('meeting-hint').hidden = view === 'browser';
  if (view === 'browser') $('meeting-browser-text').textContent = t('meeting.browser', { browser });
}

let offeredUrl = null;
function onExternalLink({ url, host }) {
  offeredUrl = url;
  $('external-url').textContent = `${host} — ${url}`;
  $('external-offer').hidden = false;
}

function onEnded(e) {
  clearInterval(countdownTimer);
  consentView = null;
  scheduledAt = null;
  $('ended-reason').textContent = t(`ended.reason.${e.reason}`);
  $('ended-reason').dataset.reason = e.reason;
  $('ended-detail').textContent = e.message || '';
  $('ended-detail').dataset.code = e.code || '';
  const list = $('ended-list');
  list.replaceChildren();
  const item = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    list.append(li);
  };
  if (e.browsingDataCleared) {
    item(t('ended.removed.browsing'));
    const details = document.createElement('span');
    details.className = 'hint';
    details.textContent = ` (${t('ended.removed.browsing_details')})`;
    list.lastChild.append(details);
  }
  const size = new Intl.NumberFormat(i18n.locale(), { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }).format(e.removed.bytes / 1024);
  item(i18n.tp('ended.removed.files', e.removed.files, { size }));
  item(t('ended.removed.memory'));
  $('ended-problem').hidden = e.wipeComplete;
  show('ended');
  // The heading takes focus and is read with the reason
  // (aria-describedby): the end is announced once.
}

async function cancel() {
  try {
    const ended = await invoke('cancel_session');
    if (!ended) backToStart();
  } catch (e) {
    showError(e);
  }
}

// Where "done" on the ended screen leads: the counsellor's own session
// ends back on their screen.
let endedFrom = 'start';
let startingOver = false;

function backToStart(keepLink = false) {
  if (!keepLink) $('invite-input').value = '';
  clearInviteError();
  consentView = null;
  show('start');
}

// ---- language ----

let languageLocked = false;

function fillLanguages(info) {
  const select = $('lang-select');
  select.replaceChildren();
  for (const l of i18n.LANGUAGES) {
    const o = document.createElement('option');
    o.value = l.code;
    o.textContent = l.name;
    o.lang = l.lang;
    select.append(o);
  }
  select.value = info.lang;
  $('lang-remember').checked = info.languageRemembered;
}

// Arrowing through the list fires a change per key: only the last choice
// is applied.
let languageSaves = Promise.resolve();
let languageRequest = 0;
async function switchLanguage() {
  const lang = $('lang-select').value;
  const remember = $('lang-remember').checked;
  const mine = ++languageRequest;
  // One after the other: a quick change of language then of "remember"
  // must reach the app in that order, or the earlier one could undo it.
  const saved = languageSaves.then(() => invoke('set_language', { lang, remember }));
  languageSaves = saved.catch(() => {});
  try {
    await saved;
  } catch (e) {
    toast(messageOf(e));
    return;
  }
  if (mine !== languageRequest) return;
  await i18n.load(lang);
  if (mine !== languageRequest) return;
  i18n.apply();
  counsellor.renderChoices();
  // Messages shown by a field, again in the new language.
  for (const id of ['invite-error', 'name-error']) {
    const el = $(id);
    if (!el.hidden && el.dataset.code) el.textContent = t(`error.${el.dataset.code}`);
  }
  if (document.body.dataset.screen === 'consent' && consentView) {
    try {
      consentView = await invoke('consent_view');
      renderConsent(consentView, true);
    } catch (e) {
      showError(e);
    }
  }
  updateConsentButton();
}

// The client's copy of their consent's receipt, only on their choice: a
// page without their name, in their download folder, to keep or print.
function showReceiptOffer(on) {
  for (const el of document.querySelectorAll('.receipt-line')) el.hidden = !on;
}

async function saveReceipt() {
  try {
    const path = await invoke('save_consent_receipt', { offsetMinutes: -new Date().getTimezoneOffset() });
    notice(t('lobby.receipt_saved', { path }));
  } catch (e) {
    toast(messageOf(e));
  }
}

// Ctrl/Cmd with +, - and 0 zoom the app's window, as in a browser.
let zoom = 1;
function onZoomKey(ev) {
  if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
  const steps = { '+': 0.1, '=': 0.1, '-': -0.1, '0': 0 };
  if (!(ev.key in steps)) return;
  ev.preventDefault();
  setZoom(ev.key === '0' ? 1 : Math.min(2, Math.max(0.7, zoom + steps[ev.key])));
  // Kept by the app (in memory) for the window after this one.
  invoke('set_zoom', { value: zoom }).catch(() => {});
}

function setZoom(value) {
  zoom = value;
  document.documentElement.style.zoom = String(zoom);
}

// ---- wiring ----

async function main() {
  const info = await invoke('app_info');
  if (info.zoom !== 1) setZoom(info.zoom);
  await i18n.load(info.lang);
  i18n.apply();
  languageLocked = info.languageLocked;
  fillLanguages(info);
  $('open-counsellor').hidden = !info.counsellorMode;

  $('lang-select').addEventListener('change', switchLanguage);
  $('lang-remember').addEventListener('change', switchLanguage);
  document.addEventListener('keydown', onZoomKey);
  // Dismissed: focus goes back to the screen, not to the page's body.
  $('toast-dismiss').addEventListener('click', () => {
    $('toast').hidden = true;
    const heading = document.querySelector(`#screen-${document.body.dataset.screen} h1`);
    if (heading) heading.focus();
  });
  $('invite-input').addEventListener('input', clearInviteError);
  $('name-input').addEventListener('input', () => {
    $('name-error').hidden = true;
    $('name-input').removeAttribute('aria-invalid');
    $('name-input').setAttribute('aria-describedby', 'name-hint');
  });
  $('start-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const link = $('invite-input').value.trim();
    if (link) openInvite(link, true);
  });
  $('arrival-continue').addEventListener('click', () => {
    const link = arrivedLink;
    arrivedLink = null;
    if (link) openInvite(link);
  });
  $('arrival-cancel').addEventListener('click', () => {
    arrivedLink = null;
    backToStart();
  });
  $('privacy-check').addEventListener('change', updateConsentButton);
  $('terms-check').addEventListener('change', updateConsentButton);
  $('name-input').addEventListener('input', updateConsentButton);
  $('consent-continue').addEventListener('click', continueToLobby);
  $('consent-cancel').addEventListener('click', async () => {
    await invoke('cancel_session');
    backToStart();
  });
  $('lobby-cancel').addEventListener('click', cancel);
  $('devices-check').addEventListener('click', startDeviceCheck);
  $('devices-stop').addEventListener('click', () => invoke('stop_device_check'));
  $('devices-continue').addEventListener('click', goToLobby);
  $('devices-cancel').addEventListener('click', cancel);
  $('lobby-receipt').addEventListener('click', saveReceipt);
  $('meeting-receipt').addEventListener('click', saveReceipt);
  $('lobby-retry').addEventListener('click', () => invoke('retry_lobby'));
  $('meeting-leave').addEventListener('click', cancel);
  $('meeting-show').addEventListener('click', () => invoke('show_meeting'));
  // The offer's buttons hide their own box: focus goes to "show the window".
  $('external-open').addEventListener('click', () => {
    if (offeredUrl) openExternal(offeredUrl);
    $('external-offer').hidden = true;
    $('meeting-show').focus();
  });
  $('external-ignore').addEventListener('click', () => {
    $('external-offer').hidden = true;
    $('meeting-show').focus();
  });
  // A fresh window (and web process) for the next session: nothing the
  // finished one's page held stays in memory. Where that is refused (a new
  // session started meanwhile), just the start screen.
  $('ended-done').addEventListener('click', () => {
    // Once: a second click would start over on the start screen.
    if (startingOver) return;
    startingOver = true;
    const page = endedFrom;
    endedFrom = 'start';
    invoke('start_over', { page }).then(
      (rebuilt) => {
        if (rebuilt) return;
        // Where the app keeps its window: the page loads anew instead.
        history.replaceState(null, '', page === 'counsellor' ? '#counsellor' : location.pathname);
        location.reload();
      },
      () => {
        startingOver = false;
        if (page === 'counsellor') counsellor.open();
        else backToStart();
      },
    );
  });
  $('open-settings').addEventListener('click', async () => {
    try {
      await openSettings({ onSaved: () => notice(t('settings.saved')), onError: (e) => toast(messageOf(e)) });
      show('settings');
    } catch (e) {
      showError(e);
    }
  });
  $('settings-done').addEventListener('click', () => show('start'));
  counsellor.wire({ show, toast, notice, showError, messageOf, openExternal });
  // Back to the start with the link still there, to be corrected.
  $('error-back').addEventListener('click', () => backToStart(true));

  await listen(EVENTS.INVITE, pickUpInvite);
  await listen(EVENTS.LOBBY, (ev) => renderLobby(ev.payload));
  await listen(EVENTS.DEVICE_CHECK, (ev) => onDeviceCheck(ev.payload));
  await listen(EVENTS.MEETING_VIEW, (ev) => onMeetingView(ev.payload));
  await listen(EVENTS.MEETING, (ev) => onMeeting(ev.payload));
  await listen(EVENTS.ENDED, (ev) => onEnded(ev.payload));
  await listen(EVENTS.EXTERNAL_LINK, (ev) => onExternalLink(ev.payload));
  await listen(EVENTS.RUNNING, (ev) => {
    // The counsellor's session ends: "done" leads back to their screen.
    if (!ev.payload && counsellor.isRunning()) endedFrom = 'counsellor';
    counsellor.onRunning(ev.payload);
  });
  // The tray asks for a screen: at window creation (#hash) or later (event).
  const goTo = (screen) => {
    if (screen === 'counsellor') return counsellor.open();
    if (screen === 'settings') return $('open-settings').click();
    return show('start');
  };
  await listen(EVENTS.SHOW, (ev) => goTo(ev.payload));

  show('start');
  if (location.hash) goTo(location.hash.slice(1));
  // A meeting in the fallback browser ran without this window: it was
  // built again for the session's end.
  const ended = await invoke('take_ended');
  if (ended) onEnded(ended);
  document.body.dataset.ready = 'true';
  await pickUpInvite();
}

main().catch(showError);
