// Live view: what arrived per metric in the last minutes, refreshed every 5 s
// (paused while the tab is hidden), updated in place so nothing jumps.
// Over 300 lines: its sections are updated in place by one refresh loop.

import { api } from './api.js';
import { h, replace, s, uid } from './dom.js';
import { fmtDateTime, fmtNumber, fmtRelative, fmtTime, parseDate } from './format.js';
import { badge, button, emptyState, linkButton, pageHeader, skeleton } from './widgets.js';

const REFRESH_MS = 5000;

/** Inline SVG bar sparkline of per-minute counts (oldest first). */
export function sparkline(values, { width = 150, height = 36 } = {}) {
  const data = Array.isArray(values) ? values.map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0)) : [];
  const n = Math.max(data.length, 1);
  const max = Math.max(1, ...data);
  const gap = 2;
  const bw = (width - gap * (n - 1)) / n;
  const total = data.reduce((a, b) => a + b, 0);
  const label = data.length
    ? `Samples per minute over the last ${data.length} minutes, oldest first: ${data.join(', ')}. Peak ${fmtNumber(Math.max(0, ...data))}.`
    : 'No data';
  const bars = data.map((v, i) => {
    const bh = v > 0 ? Math.max(2, (v / max) * (height - 2)) : 1;
    return s('rect', {
      x: (i * (bw + gap)).toFixed(2),
      y: (height - bh).toFixed(2),
      width: bw.toFixed(2),
      height: bh.toFixed(2),
      rx: 1,
      class: [v > 0 ? 'spark-bar' : 'spark-zero', i === data.length - 1 && 'spark-current'],
    });
  });
  return s(
    'svg',
    {
      class: ['sparkline', total === 0 && 'is-flat'],
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': label,
      preserveAspectRatio: 'none',
      focusable: 'false',
    },
    s('title', {}, label),
    bars,
  );
}

function stat(label, cls) {
  const dd = h('dd', { class: cls });
  return { el: h('div', {}, h('dt', {}, label), dd), dd };
}

function metricCard(m) {
  const titleId = uid('live');
  const samples = stat('Samples', 'num');
  const series = stat('Series', 'num');
  const lastSeen = stat('Last seen');
  const rejected = stat('Rejected', 'num');
  const badges = h('span', { class: 'badges' });
  const spark = h('div', { class: 'spark-wrap' });
  const el = h(
    'li',
    { class: 'card live-card', 'aria-labelledby': titleId, dataset: { metric: m.metric_name } },
    h('div', { class: 'card-head' }, h('h3', { id: titleId, class: 'mono break' }, m.metric_name), badges),
    spark,
    h('dl', { class: 'stats' }, samples.el, series.el, lastSeen.el, rejected.el),
  );
  return {
    el,
    update(metric, now) {
      replace(
        badges,
        badge(metric.metric_type, `type-${metric.metric_type}`),
        metric.declared ? null : badge('undeclared', 'muted', 'Pushed from a server without a metric config'),
      );
      replace(spark, sparkline(metric.per_minute));
      samples.dd.textContent = fmtNumber(metric.samples);
      series.dd.textContent = fmtNumber(metric.series);
      const seen = parseDate(metric.last_seen);
      replace(
        lastSeen.dd,
        seen
          ? h('time', { datetime: seen.toISOString(), title: fmtDateTime(metric.last_seen) }, fmtRelative(metric.last_seen, now))
          : h('span', { class: 'muted', title: 'Nothing arrived in the window' }, 'none yet'),
      );
      rejected.dd.textContent = fmtNumber(metric.rejected || 0);
      rejected.el.classList.toggle('is-bad', (metric.rejected || 0) > 0);
      el.classList.toggle('has-rejections', (metric.rejected || 0) > 0);
    },
  };
}

/** `job="nightly", instance="db1"`: a group's grouping key, `exported_` dropped for reading. */
export function groupingKeyText(labels) {
  return Object.entries(labels || {})
    .map(([name, value]) => `${name.replace(/^exported_(job|instance|tenant)$/, '$1')}="${value}"`)
    .join(', ');
}

/** The tenant's Pushgateway API groups (jobs pushing with a client library), newest push first. */
function groupsList(groups, now) {
  if (!groups.length) {
    return h(
      'p',
      { class: 'muted empty-inline' },
      'No groups: jobs that push with a Prometheus client library (PUT/POST /metrics/job/…) appear here.',
    );
  }
  const sorted = [...groups].sort((a, b) => String(b.last_push).localeCompare(String(a.last_push)));
  return h(
    'ul',
    { class: 'cards cards-grid', 'data-testid': 'groups' },
    sorted.map((g) => {
      const pushed = parseDate(g.last_push);
      return h(
        'li',
        { class: 'card group-card' },
        h('h3', { class: 'mono break' }, groupingKeyText(g.labels)),
        h(
          'dl',
          { class: 'stats' },
          h('div', {}, h('dt', {}, 'Series'), h('dd', { class: 'num' }, fmtNumber(g.series))),
          h(
            'div',
            {},
            h('dt', {}, 'Last push'),
            h(
              'dd',
              {},
              pushed
                ? h('time', { datetime: pushed.toISOString(), title: fmtDateTime(g.last_push) }, fmtRelative(g.last_push, now))
                : h('span', { class: 'muted' }, 'never'),
            ),
          ),
        ),
      );
    }),
  );
}

export function renderLive(view) {
  const statusText = h('span', { class: 'live-status-text' }, 'Loading…');
  const dot = h('span', { class: 'live-dot', 'aria-hidden': 'true' });
  const pauseBtn = button('Pause', { small: true, 'aria-pressed': 'false' });
  const grafanaSlot = h('span', { class: 'grafana-slot' });
  const errorSlot = h('div', { class: 'live-error', role: 'alert' });
  const windowTitle = h('h2', { id: 'live-metrics-title' }, 'Metrics');
  const metricsBody = h('div', { class: 'list' }, skeleton(3, 'Loading live data…'));
  const cardList = h('ul', { class: 'cards cards-grid live-grid', 'data-testid': 'live-list' });
  const rejBody = h('div', { class: 'list' });
  const groupsBody = h('div', { class: 'list' });
  const cards = new Map();

  let timer = null;
  let stopped = false;
  let paused = false;
  let inFlight = false;
  let lastOk = null;
  let lastData = null;

  view.append(
    pageHeader(
      'Live',
      'What arrived in the last minutes, per metric. Refreshed every 5 seconds.',
      h('div', { class: 'live-controls' }, h('p', { class: 'live-status' }, dot, statusText), pauseBtn, grafanaSlot),
    ),
    errorSlot,
    h('section', { class: 'section', 'aria-labelledby': 'live-metrics-title' }, windowTitle, metricsBody),
    h(
      'section',
      { class: 'section', 'aria-labelledby': 'live-groups-title' },
      h('h2', { id: 'live-groups-title' }, 'Pushgateway groups'),
      h(
        'p',
        { class: 'hint' },
        'Each job and grouping key pushed through the Pushgateway API, with its last push. A group leaves when it has not been pushed for the series TTL.',
      ),
      groupsBody,
    ),
    h(
      'section',
      { class: 'section', 'aria-labelledby': 'live-rej-title' },
      h('h2', { id: 'live-rej-title' }, 'Recent rejections'),
      h(
        'p',
        { class: 'hint' },
        'Refused items, one row per metric and reason with how many and the latest message; most recently seen first.',
      ),
      rejBody,
    ),
  );

  function setStatus() {
    const hidden = document.hidden;
    dot.classList.toggle('is-paused', paused || hidden);
    const when = lastOk ? `Updated ${fmtTime(lastOk)}` : 'Not loaded yet';
    statusText.textContent = paused ? `Paused · ${when}` : hidden ? `Paused while the tab is hidden · ${when}` : `Live · ${when}`;
  }

  function draw(data) {
    const now = Date.now();
    const minutes = Math.round((data.window_seconds || 900) / 60);
    windowTitle.textContent = `Metrics · last ${minutes} minutes`;

    if (data.grafana_url) {
      if (!grafanaSlot.firstChild || grafanaSlot.firstChild.getAttribute('href') !== data.grafana_url) {
        replace(
          grafanaSlot,
          linkButton('Open Grafana', data.grafana_url, {
            small: true,
            target: '_blank',
            rel: 'noopener noreferrer',
            'aria-label': 'Open Grafana (opens in a new tab)',
          }),
        );
      }
    } else {
      grafanaSlot.replaceChildren();
    }

    const metrics = [...(data.metrics || [])].sort((a, b) => String(a.metric_name).localeCompare(String(b.metric_name)));
    if (!metrics.length) {
      cards.clear();
      cardList.replaceChildren();
      replace(
        metricsBody,
        emptyState(
          `Nothing arrived in the last ${minutes} minutes`,
          'Paste the tracking snippet into your site, or push a sample with the curl example.',
          linkButton('Get the code', '#/code', { kind: 'primary' }),
        ),
      );
    } else {
      if (cardList.parentNode !== metricsBody) replace(metricsBody, cardList);
      const seen = new Set();
      let prev = null;
      for (const m of metrics) {
        seen.add(m.metric_name);
        let card = cards.get(m.metric_name);
        if (!card) {
          card = metricCard(m);
          cards.set(m.metric_name, card);
        }
        card.update(m, now);
        // Keep DOM order = sorted order, moving only what is out of place.
        const expected = prev ? prev.nextSibling : cardList.firstChild;
        if (expected !== card.el) cardList.insertBefore(card.el, expected);
        prev = card.el;
      }
      for (const [name, card] of cards) {
        if (!seen.has(name)) {
          card.el.remove();
          cards.delete(name);
        }
      }
    }

    replace(groupsBody, groupsList(data.groups || [], now));

    // One row per (metric name, code) group, most recently seen first (the server's order).
    const rej = data.recent_rejections || [];
    if (!rej.length) {
      replace(rejBody, h('p', { class: 'muted empty-inline' }, 'No rejected items in the window.'));
    } else {
      replace(
        rejBody,
        h(
          'ol',
          { class: 'rejections', 'data-testid': 'rejections' },
          rej.map((r) =>
            h(
              'li',
              { class: 'rejection' },
              h(
                'div',
                { class: 'rejection-head' },
                h('code', { class: 'mono break' }, r.metric_name || '(no name)'),
                badge(r.code || 'rejected', 'bad'),
                h(
                  'span',
                  {
                    class: 'rejection-count',
                    'data-testid': 'rejection-count',
                    title: `${fmtNumber(r.count || 1)} refused`,
                    'aria-label': `${fmtNumber(r.count || 1)} refused`,
                  },
                  `×${fmtNumber(r.count || 1)}`,
                ),
                r.last_seen
                  ? h(
                      'time',
                      { datetime: r.last_seen, title: `last ${fmtDateTime(r.last_seen)}`, class: 'muted' },
                      fmtRelative(r.last_seen, now),
                    )
                  : null,
              ),
              h('p', { class: 'rejection-msg' }, r.message || ''),
              (r.count || 1) > 1 && r.first_seen
                ? h('p', { class: 'muted rejection-since' }, `first seen ${fmtRelative(r.first_seen, now)}`)
                : null,
            ),
          ),
        ),
      );
    }
  }

  async function tick() {
    timer = null;
    if (stopped || paused || document.hidden || inFlight) return;
    inFlight = true;
    try {
      const data = await api.get('/live');
      if (stopped) return;
      lastData = data;
      lastOk = new Date();
      errorSlot.replaceChildren();
      draw(data);
    } catch (err) {
      if (stopped || err.code === 'unauthorized') return;
      replace(
        errorSlot,
        h(
          'p',
          { class: 'alert alert-error' },
          `Could not refresh: ${err.message}`,
          lastData ? ' Showing the last data; retrying.' : ' Retrying.',
        ),
      );
      if (!lastData) metricsBody.replaceChildren(); // drop the skeleton
    } finally {
      inFlight = false;
      setStatus();
      schedule();
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && !paused && !document.hidden) timer = setTimeout(tick, REFRESH_MS);
  }

  function onVisibility() {
    setStatus();
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!paused) {
      tick(); // catch up at once when the tab comes back
    }
  }

  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    pauseBtn.setAttribute('aria-pressed', String(paused));
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    setStatus();
    if (paused) {
      clearTimeout(timer);
      timer = null;
    } else {
      tick();
    }
  });

  document.addEventListener('visibilitychange', onVisibility);
  setStatus();
  tick();

  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
