// Renders an organisation's plain-text document: blank lines separate
// paragraphs, "# " starts a heading, web and e-mail addresses become links.
// Only text nodes and elements we create: the profile cannot inject markup.

const LINK = /(https:\/\/[^\s<>"']+|http:\/\/(?:127\.0\.0\.1|localhost)[^\s<>"']*|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

export function render(container, text, onLink) {
  container.replaceChildren();
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const trimmed = block.trim();
    if (!trimmed) continue;
    const heading = /^#{1,3}\s+(.*)$/s.exec(trimmed);
    const el = document.createElement(heading ? 'h4' : 'p');
    appendLinked(el, heading ? heading[1] : trimmed, onLink);
    container.append(el);
  }
}

export function appendLinked(el, text, onLink) {
  let last = 0;
  for (const m of text.matchAll(LINK)) {
    let target = m[0].replace(/[.,;:!?)\]]+$/, '');
    el.append(text.slice(last, m.index));
    const a = document.createElement('a');
    a.textContent = target;
    const href = target.includes('@') && !target.includes('://') ? `mailto:${target}` : target;
    a.href = '#';
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      onLink(href);
    });
    el.append(a);
    last = m.index + target.length;
  }
  el.append(text.slice(last));
}
