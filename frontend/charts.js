// Time-series charts drawn with uPlot (vendored in frontend/vendor/uplot, the library Grafana
// uses). Each chart keeps the data it draws on its element (`chartData`, read by the e2e
// test), has a legend of buttons that hide and show series (keyboard: Tab, Enter/Space), and
// a data table for screen readers and keyboard users.

import { h, uid } from './dom.js';
import { fmtCompact } from './format.js';
import uPlot from './vendor/uplot/uPlot.esm.js';

// Distinguishable in light and dark themes, and for the common colour-vision deficiencies.
const PALETTE = ['#2f6fdf', '#e8710a', '#1a9e5f', '#c5338a', '#7b5cd6', '#a0700b', '#0f8f9e', '#d33d3d', '#5f7a1d', '#8a5a44', '#7d7d7d'];

const timeLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/**
 * timeChart({title, data: {times, series: [{name, values}]}, format, testid}) → <figure>.
 * The plot is created when the figure is laid out, and follows its width.
 */
export function timeChart({ title, data, format = fmtCompact, testid, height = 220 }) {
  const titleId = uid('chart');
  const plotBox = h('div', { class: 'chart-plot', 'aria-hidden': 'true' });
  const legend = h('ul', { class: 'chart-legend', 'aria-label': `${title}: series` });
  const figure = h(
    'figure',
    { class: 'chart', 'aria-labelledby': titleId, 'data-testid': testid || null },
    h('figcaption', { id: titleId, class: 'chart-title' }, title),
    plotBox,
    legend,
    dataTable(title, data, format),
  );
  figure.chartData = data;

  let plot = null;
  const visible = data.series.map(() => true);
  data.series.forEach((s, i) => {
    const btn = h(
      'button',
      { type: 'button', class: 'chart-key', 'aria-pressed': 'true', title: `Hide or show ${s.name}` },
      h('span', { class: `chart-swatch swatch-${i % PALETTE.length}`, 'aria-hidden': 'true' }),
      s.name || '(no labels)',
    );
    btn.addEventListener('click', () => {
      visible[i] = !visible[i];
      btn.setAttribute('aria-pressed', String(visible[i]));
      if (plot) plot.setSeries(i + 1, { show: visible[i] });
    });
    legend.append(h('li', {}, btn));
  });

  const observer = new ResizeObserver(() => {
    const width = Math.max(200, Math.floor(plotBox.clientWidth));
    if (!plotBox.isConnected || width === 0) return;
    if (plot) {
      plot.setSize({ width, height });
      return;
    }
    plot = new uPlot(options(width, height, data, format), [data.times, ...data.series.map((s) => s.values)], plotBox);
    figure.plot = plot;
  });
  observer.observe(plotBox);
  figure.destroy = () => {
    observer.disconnect();
    if (plot) plot.destroy();
  };
  return figure;
}

function options(width, height, data, format) {
  const axis = { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.18)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
  return {
    width,
    height,
    legend: { show: false },
    cursor: { focus: { prox: 16 } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 60, values: (_, ticks) => ticks.map(format) }],
    series: [
      {},
      ...data.series.map((s, i) => ({
        label: s.name,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        // sparse series (a metric that began a minute ago) would be invisible as a line
        points: { show: s.values.filter((v) => v !== null).length < 60, size: 6 },
        value: (_, v) => format(v),
      })),
    ],
  };
}

/** The same data as a table, collapsed by default. */
function dataTable(title, data, format) {
  const rows = data.times
    .map((t, i) => ({ t, values: data.series.map((s) => s.values[i]) }))
    .filter((r) => r.values.some((v) => v !== null));
  const table = h(
    'table',
    { class: 'data-table' },
    h('caption', { class: 'visually-hidden' }, `${title}, as a table`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Time'),
        data.series.map((s) => h('th', { scope: 'col' }, s.name || '(no labels)')),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, timeLabel.format(new Date(r.t * 1000))),
          r.values.map((v) => h('td', { class: 'num' }, format(v))),
        ),
      ),
    ),
  );
  return h(
    'details',
    { class: 'chart-table' },
    h('summary', {}, 'Show the data as a table'),
    rows.length ? table : h('p', { class: 'muted' }, 'No points in this range.'),
  );
}

/** Destroys the charts inside `el` (their observers and canvases). */
export function destroyCharts(el) {
  for (const f of el.querySelectorAll('figure.chart')) if (f.destroy) f.destroy();
}

/** A horizontal stacked bar of good / needs improvement / poor shares. */
export function shareBar(shares, label) {
  const seg = (cls, value, name) => {
    const el = h('span', { class: ['share', cls], title: `${name}: ${Math.round(value * 1000) / 10}%` });
    // CSSOM, not a style attribute in markup: the CSP (style-src 'self') allows it, as for uPlot.
    el.style.flexGrow = String(value);
    return el;
  };
  return h(
    'div',
    { class: 'share-bar', role: 'img', 'aria-label': label },
    seg('share-good', shares.good, 'good'),
    seg('share-ni', shares.needsImprovement, 'needs improvement'),
    seg('share-poor', shares.poor, 'poor'),
  );
}
