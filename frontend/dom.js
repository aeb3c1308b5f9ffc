// Small DOM helpers. Everything is built with createElement/textContent:
// no innerHTML anywhere, so nothing the API returns can inject markup, and
// no inline style attributes (the CSP forbids them): styling is by class.

const SVG_NS = 'http://www.w3.org/2000/svg';

let uidCounter = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix = 'id') {
  uidCounter += 1;
  return `${prefix}-${uidCounter}`;
}

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === true) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function applyProps(el, props, isSvg) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'style') throw new Error('inline styles are forbidden by the CSP: use a class');
    if (key === 'class') {
      const cls = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      if (cls) el.setAttribute('class', cls);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = v;
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (!isSvg && (key === 'value' || key === 'checked' || key === 'selected')) {
      el[key] = value;
    } else if (key === 'text') {
      el.textContent = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

/** h('button', {class: 'btn', onclick}, 'Label') */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props, false);
  appendChildren(el, children);
  return el;
}

/** Same as h() for SVG elements. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyProps(el, props, true);
  appendChildren(el, children);
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}

// ---------------------------------------------------------------- formatting

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const numFmt = new Intl.NumberFormat();

export function parseDate(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function fmtDateTime(iso) {
  const d = parseDate(iso);
  return d ? dateTimeFmt.format(d) : '—';
}

export function fmtTime(date) {
  return timeFmt.format(date);
}

export function fmtNumber(n) {
  return typeof n === 'number' && Number.isFinite(n) ? numFmt.format(n) : '—';
}

/** "12 seconds ago", "in 3 days", "never" */
export function fmtRelative(iso, now = Date.now(), never = 'never') {
  const d = parseDate(iso);
  if (!d) return never;
  const diff = (d.getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 5) return 'just now';
  if (abs < 60) return relFmt.format(Math.round(diff), 'second');
  if (abs < 3600) return relFmt.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return relFmt.format(Math.round(diff / 3600), 'hour');
  if (abs < 86400 * 30) return relFmt.format(Math.round(diff / 86400), 'day');
  return dateTimeFmt.format(d);
}

/** <time datetime=… title=absolute>relative</time> */
export function timeEl(iso, { relative = true, never = 'never' } = {}) {
  const d = parseDate(iso);
  if (!d) return h('span', { class: 'muted' }, never);
  return h('time', { datetime: d.toISOString(), title: dateTimeFmt.format(d) },
    relative ? fmtRelative(iso, Date.now(), never) : dateTimeFmt.format(d));
}

export function plural(n, one, many = `${one}s`) {
  return `${fmtNumber(n)} ${n === 1 ? one : many}`;
}
