// The organisation's documents on a consent screen (privacy notice, terms,
// withdrawal notice), for the client's and the counsellor's screens alike.
// `prefix` picks the screen's element ids ('' or 'cc-'). Each text is marked
// with the language it is written in, which may not be the UI's.
import { t, markLanguage } from './i18n.js';
import { render, appendLinked } from './richtext.js';

const $ = (id) => document.getElementById(id);

function link(text, href, onLink) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    onLink(href);
  });
  return a;
}

// `keep`: the same documents again (another UI language); ticks stay.
export function renderDocuments(prefix, v, onLink, keep = false) {
  const { privacy, terms, withdrawalText, withdrawalLang, withdrawalEmail, withdrawalUrl } = v;
  for (const [key, doc, check] of [['privacy', privacy, 'consent.privacy_check'], ['terms', terms, prefix ? 'counsellor.consent.terms_check' : 'consent.terms_check']]) {
    const title = $(`${prefix}${key}-title`);
    title.textContent = doc.title;
    markLanguage(title, doc.lang);
    $(`${prefix}${key}-version`).textContent = t('consent.version', { version: doc.version });
    const text = $(`${prefix}${key}-text`);
    render(text, doc.text, onLink);
    markLanguage(text, doc.lang);
    if (!keep) text.scrollTop = 0;
    const web = $(`${prefix}${key}-link`);
    web.replaceChildren();
    if (doc.url) web.append(link(t('consent.doc_link'), doc.url, onLink));
    web.hidden = !doc.url;
    $(`${prefix}${key}-check-label`).textContent = t(check, { title: doc.title });
    if (!keep) $(`${prefix}${key}-check`).checked = false;
  }
  const withdrawal = $(`${prefix}withdrawal-text`);
  render(withdrawal, withdrawalText, onLink);
  markLanguage(withdrawal, withdrawalLang);
  const contact = $(`${prefix}withdrawal-contact`);
  contact.replaceChildren();
  if (withdrawalEmail) appendLinked(contact, t('consent.withdrawal_email', { email: withdrawalEmail }), onLink);
  if (withdrawalUrl) {
    if (withdrawalEmail) contact.append(document.createElement('br'));
    contact.append(link(t('consent.withdrawal_url'), withdrawalUrl, onLink));
  }
}
