// The client flow on screen. All decisions (consent, lobby, meeting, wipe)
// are made in Rust; this module shows state and forwards what the user does.
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

function show(name) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== `screen-${name}`;
  document.body.dataset.screen = name;
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) heading.setAttribute('tabindex', '-1');
}

function toast(message) {
  const el = $('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 6000);
}

function messageOf(err) {
  return (err && err.message) || String(err);
}

function showError(err) {
  $('error-message').textContent = messageOf(err);
  $('error-message').dataset.code = (err && err.code) || '';
  show('error');
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

async function openInvite(link) {
  const previous = document.body.dataset.screen;
  show('loading');
  try {
    consentView = await invoke('open_invite', { link });
    renderConsent(consentView);
    show('consent');
  } catch (e) {
    if (e && e.code === 'session.busy') {
      toast(messageOf(e));
      show(previous);
      return;
    }
    showError(e);
  }
}

// ---- consent ----

function renderConsent(v) {
  $('consent-org').textContent = v.organisation;
  $('consent-host').textContent = t('consent.host', { host: v.summary.meeting_host });
  $('consent-name').textContent = v.displayName ? t('consent.name', { name: v.displayName }) : '';
  $('consent-time').textContent = v.summary.scheduled_at
    ? t('consent.scheduled', { time: i18n.formatTime(v.summary.scheduled_at) })
    : '';
  renderDocuments('', v, openExternal);
  $('name-field').hidden = !v.nameEditable;
  $('name-input').value = '';
  updateConsentButton();
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
    await invoke('give_consent', {
      request: {
        sessionId: v.sessionId,
        privacyAccepted: $('privacy-check').checked,
        termsAccepted: $('terms-check').checked,
        privacyDigest: v.privacy.digest,
        termsDigest: v.terms.digest,
        displayName: v.nameEditable ? $('name-input').value : null,
      },
    });
    scheduledAt = v.summary.scheduled_at;
    renderLobby({ state: 'checking' });
    show('lobby');
    await invoke('enter_lobby');
  } catch (e) {
    // No way to show the meeting here: the consent is not kept either.
    if (e && String(e.code).startsWith('browser.')) await invoke('cancel_session').catch(() => {});
    if (e && ['consent.outdated', 'consent.wrong_session', 'consent.name_required'].includes(e.code)) {
      toast(messageOf(e));
      updateConsentButton();
      return;
    }
    showError(e);
  } finally {
    consentView = v;
  }
}

// ---- lobby ----

function formatCountdown(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

function renderSchedule() {
  const el = $('lobby-schedule');
  if (!scheduledAt) {
    el.textContent = '';
    return;
  }
  const left = new Date(scheduledAt).getTime() - Date.now();
  el.textContent = left > 0
    ? `${t('lobby.starts_at', { time: i18n.formatTime(scheduledAt, false) })} ${t('lobby.starts_in', { countdown: formatCountdown(left) })}`
    : t('lobby.starts_at', { time: i18n.formatTime(scheduledAt, false) });
}

function renderLobby(view) {
  const status = $('lobby-status');
  const hint = $('lobby-hint');
  status.dataset.state = view.state;
  $('lobby-retry').hidden = view.state !== 'unreachable';
  switch (view.state) {
    case 'checking':
      status.textContent = t('lobby.checking');
      hint.textContent = '';
      break;
    case 'waiting':
      status.textContent = t('lobby.waiting');
      hint.textContent = `${t('lobby.waiting_hint')} ${t('lobby.next_check', { secs: view.next_check_secs })}`;
      break;
    case 'unreachable':
      status.textContent = t('lobby.unreachable');
      hint.textContent = `${t(`error.${view.code}`)} ${t('lobby.next_check', { secs: view.next_check_secs })}`;
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
  renderSchedule();
  clearInterval(countdownTimer);
  if (scheduledAt) countdownTimer = setInterval(renderSchedule, 1000);
}

// ---- meeting and end ----

function onMeeting(state) {
  // The counsellor's own meeting: the counsellor screen shows its state.
  if (counsellor.running) {
    counsellor.onMeetingState(state);
    return;
  }
  clearInterval(countdownTimer);
  const status = $('meeting-status');
  status.dataset.state = state;
  status.textContent = t({ opening: 'meeting.opening', knocking: 'meeting.knocking', open: 'meeting.joined' }[state] || 'meeting.opening');
  if (document.body.dataset.screen !== 'meeting') $('external-offer').hidden = true;
  show('meeting');
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
  if (e.browsingDataCleared) item(t('ended.removed.browsing'));
  const kb = (e.removed.bytes / 1024).toLocaleString(i18n.language(), { maximumFractionDigits: 1 });
  item(t('ended.removed.files', { files: e.removed.files, size: `${kb} KB` }));
  item(t('ended.removed.memory'));
  $('ended-problem').hidden = e.wipeComplete;
  show('ended');
}

async function cancel() {
  try {
    const ended = await invoke('cancel_session');
    if (!ended) backToStart();
  } catch (e) {
    showError(e);
  }
}

function backToStart() {
  $('invite-input').value = '';
  consentView = null;
  show('start');
}

// ---- wiring ----

async function main() {
  const info = await invoke('app_info');
  await i18n.load(info.lang);
  i18n.apply();
  $('open-counsellor').hidden = !info.counsellorMode;

  $('start-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const link = $('invite-input').value.trim();
    if (link) openInvite(link);
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
  $('lobby-retry').addEventListener('click', () => invoke('retry_lobby'));
  $('meeting-leave').addEventListener('click', cancel);
  $('meeting-show').addEventListener('click', () => invoke('show_meeting'));
  $('external-open').addEventListener('click', () => {
    if (offeredUrl) openExternal(offeredUrl);
    $('external-offer').hidden = true;
  });
  $('external-ignore').addEventListener('click', () => { $('external-offer').hidden = true; });
  $('ended-done').addEventListener('click', backToStart);
  $('open-settings').addEventListener('click', async () => {
    try {
      await openSettings({ onSaved: () => toast(t('settings.saved')), onError: (e) => toast(messageOf(e)) });
      show('settings');
    } catch (e) {
      showError(e);
    }
  });
  $('settings-done').addEventListener('click', () => show('start'));
  counsellor.wire({ show, toast, showError, messageOf, openExternal });
  $('error-back').addEventListener('click', backToStart);

  await listen('app://invite', pickUpInvite);
  await listen('session://lobby', (ev) => renderLobby(ev.payload));
  await listen('session://meeting-view', (ev) => onMeetingView(ev.payload));
  await listen('session://meeting', (ev) => onMeeting(ev.payload));
  await listen('session://ended', (ev) => onEnded(ev.payload));
  await listen('session://external-link', (ev) => onExternalLink(ev.payload));
  await listen('counsellor://running', (ev) => counsellor.onRunning(ev.payload));
  // The tray asks for a screen: at window creation (#hash) or later (event).
  const goTo = (screen) => {
    if (screen === 'counsellor') return counsellor.open();
    if (screen === 'settings') return $('open-settings').click();
    return show('start');
  };
  await listen('app://show', (ev) => goTo(ev.payload));

  show('start');
  if (location.hash) goTo(location.hash.slice(1));
  document.body.dataset.ready = 'true';
  await pickUpInvite();
}

main().catch(showError);
