// The settings screen. Rust decides what may change: a setting locked by
// the organisation's policy is shown, disabled, and refused if sent anyway.
// The list is built once per visit and updated in place after a change, so
// focus stays where the user is.
import { t } from './i18n.js';

const { invoke } = window.__TAURI__.core;

function label(key, value) {
  const k = `settings.value.${key}.${value}`;
  const s = t(k);
  return s === k ? value : s;
}

function control(row) {
  let el;
  if (row.choices) {
    el = document.createElement('select');
    for (const c of row.choices) {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = label(row.key, c);
      el.append(o);
    }
  } else {
    el = document.createElement('input');
    el.type = 'text';
    el.spellcheck = false;
    el.autocomplete = 'off';
    el.placeholder = t('settings.not_set');
  }
  el.id = `setting-${row.key}`;
  return el;
}

function setValue(el, row) {
  if (row.choices) el.value = row.value ?? row.choices[0];
  else el.value = Array.isArray(row.value) ? row.value.join(', ') : (row.value ?? '');
  el.disabled = row.locked;
}

// One row's changing parts: value, lock, problem, field error.
function update(item, row) {
  const el = item.querySelector(`#setting-${row.key}`);
  setValue(el, row);
  item.dataset.locked = String(row.locked);
  item.dataset.level = row.level;
  item.querySelector('.locked').hidden = !row.locked;
  item.querySelector('.setting-problem').hidden = !row.problem;
  item.dataset.problem = String(!!row.problem);
}

function showFieldError(item, message) {
  const el = item.querySelector('select, input');
  const err = item.querySelector('.field-error');
  err.textContent = message || '';
  err.hidden = !message;
  if (message) {
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', `${err.id} ${el.id}-help`);
  } else {
    el.removeAttribute('aria-invalid');
    el.setAttribute('aria-describedby', `${el.id}-help`);
  }
}

export function renderSettings(rows, { onSaved, onError }) {
  const list = document.getElementById('settings-list');
  list.replaceChildren();
  const items = new Map();
  const save = async (key, value) => {
    const item = items.get(key);
    try {
      const fresh = await invoke('set_setting', { key, value: value || null });
      showFieldError(item, null);
      for (const row of fresh) {
        if (items.has(row.key)) update(items.get(row.key), row);
      }
      onSaved();
    } catch (e) {
      showFieldError(item, (e && e.message) || String(e));
      onError(e);
    }
  };
  for (const row of rows) {
    const item = document.createElement('div');
    item.className = 'setting';
    item.dataset.key = row.key;
    const l = document.createElement('label');
    l.htmlFor = `setting-${row.key}`;
    l.textContent = row.title;
    const el = control(row);
    el.addEventListener('change', () => save(row.key, el.value));
    const help = document.createElement('p');
    help.className = 'note';
    help.id = `setting-${row.key}-help`;
    help.textContent = row.help;
    el.setAttribute('aria-describedby', help.id);
    const err = document.createElement('p');
    err.className = 'field-error';
    err.id = `setting-${row.key}-error`;
    err.hidden = true;
    const lock = document.createElement('p');
    lock.className = 'locked';
    lock.textContent = t('settings.locked');
    const problem = document.createElement('p');
    problem.className = 'setting-problem';
    problem.textContent = t('settings.problem');
    item.append(l, el, err, help, lock, problem);
    update(item, row);
    items.set(row.key, item);
    list.append(item);
  }
}

export async function openSettings(handlers) {
  renderSettings(await invoke('get_settings'), handlers);
}
