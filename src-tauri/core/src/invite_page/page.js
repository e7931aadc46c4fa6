// Reads the invite from the fragment (never sent to this page's server),
// removes it from the address bar and history, and hands it to the app.
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('data').textContent);
  const $ = (id) => document.getElementById(id);
  const codes = Object.keys(data.texts);
  const rtl = ['ar', 'fa'];
  const pick = (map, lang) => map[lang] || map[lang === 'ls' ? 'de' : ''] || map.de || map.en || Object.values(map)[0] || '';
  const fromBrowser = () => {
    for (const l of navigator.languages || [navigator.language || 'de']) {
      const c = String(l).slice(0, 2).toLowerCase();
      if (codes.includes(c)) return c;
    }
    return 'de';
  };

  const fragment = location.hash.slice(1);
  if (fragment) history.replaceState(null, '', location.pathname);
  const valid = /^v=\d+&/.test(fragment) && fragment.length <= 8192;
  const invite = 'sprechzimmer://join?' + fragment;
  const page = location.origin + location.pathname + '#' + fragment;
  let tried = false;

  function render(lang) {
    const t = data.texts[lang];
    document.documentElement.lang = lang === 'ls' ? 'de' : lang;
    document.documentElement.dir = rtl.includes(lang) ? 'rtl' : 'ltr';
    document.title = t.title;
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t[el.dataset.t];
    $('status').textContent = tried ? t.opened : t.opening;
    $('org').textContent = pick(data.org, lang);
    if (data.support) {
      $('support-hours').textContent = data.support.hours ? pick(data.support.hours, lang) : '';
    }
  }

  const langSelect = $('lang');
  for (const c of codes) {
    const o = document.createElement('option');
    o.value = c;
    o.textContent = data.texts[c].language_name;
    o.lang = c === 'ls' ? 'de' : c;
    langSelect.append(o);
  }
  let lang = fromBrowser();
  langSelect.value = lang;
  langSelect.addEventListener('change', () => { lang = langSelect.value; render(lang); });

  if (data.install) $('install').href = data.install;
  else { $('install-line').hidden = true; $('install-none').hidden = false; }
  if (data.support && (data.support.phone || data.support.email)) {
    const list = $('support-list');
    const item = (href, text) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = href;
      a.textContent = text;
      li.append(a);
      list.append(li);
    };
    if (data.support.phone) item('tel:' + data.support.phone.replace(/[^+\d]/g, ''), data.support.phone);
    if (data.support.email) item('mailto:' + data.support.email, data.support.email);
    $('support').hidden = false;
  }

  if (!valid) {
    $('broken').hidden = false;
    render(lang);
    return;
  }
  $('invite').hidden = false;
  $('open').href = invite;
  $('link').value = page;
  $('copy').addEventListener('click', async () => {
    const t = data.texts[lang];
    try {
      await navigator.clipboard.writeText(page);
      $('copied').textContent = t.copied;
    } catch {
      $('link').select();
    }
  });
  // If the app opened, this page loses focus or is hidden; otherwise, after
  // a moment, it explains how to install the app.
  let left = false;
  const away = () => { left = true; };
  window.addEventListener('blur', away);
  window.addEventListener('focus', () => { if (left) $('help').hidden = false; });
  document.addEventListener('visibilitychange', () => { if (document.hidden) away(); });
  render(lang);
  tried = true;
  location.href = invite;
  setTimeout(() => {
    render(lang);
    if (!left) $('help').hidden = false;
  }, 1500);
})();
