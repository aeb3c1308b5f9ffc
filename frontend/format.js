// Formatters, in one module: dates, relative times, numbers, and the values and units the
// charts show. Pure functions (no DOM), so node's test runner covers them too.

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

export function plural(n, one, many = `${one}s`) {
  return `${fmtNumber(n)} ${n === 1 ? one : many}`;
}

const compactFmt = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });
const percentFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** A chart value: 3 significant digits, "—" for a gap. */
export function fmtCompact(n) {
  return typeof n === 'number' && Number.isFinite(n) ? compactFmt.format(n) : '—';
}

/** 0.042 → "42 ms", 2.5 → "2.5 s". */
export function fmtSeconds(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '—';
  return Math.abs(s) < 1 ? `${compactFmt.format(s * 1000)} ms` : `${compactFmt.format(s)} s`;
}

/** 0.6 → "60%". */
export function fmtPercent(x) {
  return typeof x === 'number' && Number.isFinite(x) ? percentFmt.format(x) : '—';
}
