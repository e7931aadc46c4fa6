// The settings screen. Rust decides what may change: a setting locked by
// the organisation's policy is shown, disabled, and refused if sent anyway.
import { t } from './i18n.js';

const { invoke } = window.__TAURI__.core;

function label(key, value) {
  const k = `settings.value.${key}.${value}`;
  const s = t(k);
  return s === k ? value : s;
}

function control(row, onChange) {
  const id = `setting-${row.key}`;
  let el;
  if (row.choices) {
    el = document.createElement('select');
    for (const c of row.choices) {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = label(row.key, c);
      el.append(o);
    }
    el.value = row.value ?? row.choices[0];
  } else {
    el = document.createElement('input');
    el.type = 'text';
    el.spellcheck = false;
    el.autocomplete = 'off';
    el.value = Array.isArray(row.value) ? row.value.join(', ') : (row.value ?? '');
    el.placeholder = t('settings.not_set');
  }
  el.id = id;
  el.disabled = row.locked;
  el.addEventListener('change', () => onChange(row.key, el.value));
  return el;
}

export function renderSettings(rows, { onSaved, onError }) {
  const list = document.getElementById('settings-list');
  list.replaceChildren();
  const save = async (key, value) => {
    try {
      const fresh = await invoke('set_setting', { key, value: value || null });
      renderSettings(fresh, { onSaved, onError });
      onSaved();
    } catch (e) {
      onError(e);
      renderSettings(rows, { onSaved, onError });
    }
  };
  for (const row of rows) {
    const item = document.createElement('div');
    item.className = 'setting';
    item.dataset.key = row.key;
    item.dataset.locked = String(row.locked);
    item.dataset.level = row.level;
    const l = document.createElement('label');
    l.htmlFor = `setting-${row.key}`;
    l.textContent = row.title;
    const help = document.createElement('p');
    help.className = 'note';
    help.textContent = row.help;
    item.append(l, control(row, save), help);
    if (row.locked) {
      const lock = document.createElement('p');
      lock.className = 'locked';
      lock.textContent = t('settings.locked');
      item.append(lock);
    }
    if (row.problem) {
      const problem = document.createElement('p');
      problem.className = 'setting-problem';
      problem.textContent = t('settings.problem');
      item.dataset.problem = 'true';
      item.append(problem);
    }
    list.append(item);
  }
}

export async function openSettings(handlers) {
  renderSettings(await invoke('get_settings'), handlers);
}
