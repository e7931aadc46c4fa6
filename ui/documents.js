// The organisation's documents on a consent screen (privacy notice, terms,
// withdrawal notice), for the client's and the counsellor's screens alike.
// `prefix` picks the screen's element ids ('' or 'cc-').
import { t } from './i18n.js';
import { render, appendLinked } from './richtext.js';

const $ = (id) => document.getElementById(id);

export function renderDocuments(prefix, { privacy, terms, withdrawalText, withdrawalEmail }, onLink) {
  for (const [key, doc] of [['privacy', privacy], ['terms', terms]]) {
    $(`${prefix}${key}-title`).textContent = doc.title;
    $(`${prefix}${key}-version`).textContent = t('consent.version', { version: doc.version });
    render($(`${prefix}${key}-text`), doc.text, onLink);
    $(`${prefix}${key}-text`).scrollTop = 0;
    $(`${prefix}${key}-check`).checked = false;
  }
  render($(`${prefix}withdrawal-text`), withdrawalText, onLink);
  const contact = $(`${prefix}withdrawal-contact`);
  contact.replaceChildren();
  if (withdrawalEmail) appendLinked(contact, t('consent.withdrawal_email', { email: withdrawalEmail }), onLink);
}
