// Small reusable widgets: the status toast, buttons and copy buttons, code blocks, badges,
// empty / loading / error states, page headers, <time> elements, and loadInto, the
// load / draw / error pattern every view uses.

import { h, replace } from './dom.js';
import { fmtDateTime, fmtRelative, parseDate } from './format.js';

// ------------------------------------------------------------------ status

let toastTimer = null;
/** Polite announcement, also shown briefly as a toast (fixed position: no layout shift). */
export function announce(message, kind = 'ok') {
  const region = document.getElementById('toast');
  if (!region) return;
  clearTimeout(toastTimer);
  replace(region, h('div', { class: ['toast', `toast-${kind}`] }, message));
  toastTimer = setTimeout(() => region.replaceChildren(), 5000);
}

// ------------------------------------------------------------------ buttons

export function button(label, props = {}) {
  const { kind = 'secondary', small = false, class: extra, ...rest } = props;
  return h('button', { type: 'button', ...rest, class: ['btn', `btn-${kind}`, small && 'btn-small', extra] }, label);
}

export function linkButton(label, href, props = {}) {
  const { kind = 'secondary', small = false, class: extra, ...rest } = props;
  return h('a', { href, ...rest, class: ['btn', `btn-${kind}`, small && 'btn-small', extra] }, label);
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* fall back below */
    }
  }
  const ta = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

function selectContents(el) {
  if (!el) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

/**
 * A "Copy" button for the text of `source` (an element, or a function returning
 * the text). `what` names the thing for screen readers: "Copy secret".
 */
export function copyButton(source, what, props = {}) {
  const label = props.label || 'Copy';
  const btn = button(label, {
    small: true,
    class: 'btn-copy',
    'aria-label': what ? `Copy ${what}` : undefined,
    'data-copy': what || '',
    ...props.attrs,
  });
  let timer = null;
  btn.addEventListener('click', async () => {
    const text = typeof source === 'function' ? source() : source.textContent;
    const ok = await writeClipboard(text);
    clearTimeout(timer);
    if (ok) {
      btn.textContent = 'Copied';
      btn.classList.add('is-copied');
      announce(`${what ? what[0].toUpperCase() + what.slice(1) : 'Text'} copied to the clipboard.`);
      timer = setTimeout(() => {
        btn.textContent = label;
        btn.classList.remove('is-copied');
      }, 2000);
    } else {
      if (typeof source !== 'function') selectContents(source);
      announce('Could not copy automatically: the text is selected, press Ctrl+C (⌘C) to copy it.', 'error');
    }
  });
  return btn;
}

/** A code block with a copy button. */
export function codeBlock(text, what, { id } = {}) {
  const code = h('code', { id }, text);
  const pre = h('pre', { class: 'code', tabindex: '0', 'aria-label': what }, code);
  return h('div', { class: 'code-wrap' }, pre, h('div', { class: 'code-actions' }, copyButton(code, what)));
}

// ------------------------------------------------------------------ states

export function badge(text, kind = 'neutral', title) {
  return h('span', { class: ['badge', `badge-${kind}`], title }, text);
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), text ? h('p', {}, text) : null, action || null);
}

/** Placeholder blocks with the approximate size of what is loading. */
export function skeleton(lines = 3, label = 'Loading…') {
  return h(
    'div',
    { class: 'skeleton-wrap', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'visually-hidden' }, label),
    Array.from({ length: lines }, () => h('div', { class: 'skeleton', 'aria-hidden': 'true' })),
  );
}

export function errorBox(err, retry) {
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    h('p', {}, err?.message ? err.message : String(err)),
    retry ? button('Try again', { small: true, onclick: retry }) : null,
  );
}

/** The page heading that receives focus on navigation. */
export function pageHeader(title, intro, actions) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', { tabindex: '-1', class: 'page-title' }, title), intro ? h('p', { class: 'lead' }, intro) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

/** <time datetime=… title=absolute>relative</time> */
export function timeEl(iso, { relative = true, never = 'never' } = {}) {
  const d = parseDate(iso);
  if (!d) return h('span', { class: 'muted' }, never);
  return h(
    'time',
    { datetime: d.toISOString(), title: fmtDateTime(d.toISOString()) },
    relative ? fmtRelative(iso, Date.now(), never) : fmtDateTime(d.toISOString()),
  );
}

/**
 * The load / draw / error pattern of every view: shows a skeleton (aria-busy) in `element`,
 * awaits `fetch()`, then `draw(element, data)`; on failure an error box with "Try again"
 * (nothing when the session was lost: the sign-in page takes over). Returns `reload()`, which
 * runs it again; `quiet: true` reloads keep what is shown until the new data arrives.
 */
export function loadInto(element, fetch, draw, { lines = 3, label = 'Loading…' } = {}) {
  let generation = 0;
  const run = async ({ quiet = false } = {}) => {
    generation += 1;
    const mine = generation;
    element.setAttribute('aria-busy', 'true');
    if (!quiet) replace(element, skeleton(lines, label));
    try {
      const data = await fetch();
      if (mine !== generation) return undefined;
      element.removeAttribute('aria-busy');
      draw(element, data);
      return data;
    } catch (err) {
      if (mine !== generation) return undefined;
      element.removeAttribute('aria-busy');
      if (err && err.code === 'unauthorized') return undefined;
      replace(
        element,
        errorBox(err, () => run()),
      );
      return undefined;
    }
  };
  run();
  return run;
}
