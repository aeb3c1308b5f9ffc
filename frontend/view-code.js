// Code generation: the loader snippet, per-config code, a curl example.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { checkbox, clearErrors, field, formMessage, onSubmit, showApiError } from './forms.js';
import { codeBlock, emptyState, linkButton, loadInto, pageHeader } from './widgets.js';

const SECRET_PLACEHOLDER = 'YOUR_API_SECRET';

const SAMPLE_VALUE = { counter: 1, gauge: 42, histogram: 0.42, summary: 0.42 };

/** The curl command for a server-side push (the secret stays a placeholder). */
export function curlExample(origin, apiKey, metricName, metricType) {
  const item = { name: metricName, type: metricType, value: SAMPLE_VALUE[metricType] ?? 1 };
  const payload = JSON.stringify({ metrics: [item] });
  return [
    `curl -X POST ${origin}/api/v1/metrics \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -H 'X-API-Key: ${apiKey}' \\`,
    `  -H 'X-API-Secret: ${SECRET_PLACEHOLDER}' \\`,
    `  -d '${payload}'`,
  ].join('\n');
}

function jsApiExample(cfg) {
  const n = JSON.stringify(cfg.metric_name).replace(/"/g, "'");
  const labelNames = Object.keys(cfg.labels || {});
  const labels = labelNames.length
    ? `, { ${labelNames.map((l) => `${/^[A-Za-z_$][\w$]*$/.test(l) ? l : `'${l}'`}: '…'`).join(', ')} }`
    : '';
  switch (cfg.metric_type) {
    case 'counter':
      return `window.MetricsTracker.track(${n}, 1${labels});\n// or: window.MetricsTracker.increment(${n});`;
    case 'gauge':
      return `window.MetricsTracker.track(${n}, 42${labels});\n// or: .increment(${n}, 1) / .decrement(${n}, 1)`;
    default:
      return `window.MetricsTracker.observe(${n}, 0.42);\n// with labels: window.MetricsTracker.track(${n}, 0.42${labels || ', { … }'});`;
  }
}

export function renderCode(view, ctx) {
  const body = h('div', {});
  view.append(pageHeader('Code', 'Paste a snippet into your site, or push from your servers with curl.'), body);

  function build(keys, configs) {
    if (!keys.length) {
      replace(
        body,
        emptyState(
          'You need an API key first',
          'Generated code carries a key’s public part.',
          linkButton('Create a key', '#/keys', { kind: 'primary' }),
        ),
      );
      return;
    }
    const usable = keys.filter((k) => k.is_active);
    const wantedKey = ctx.query.get('key');
    const initialKey = keys.find((k) => k.id === wantedKey) || usable[0] || keys[0];

    // ---------------------------------------------------------- key choice
    const keySel = field({
      label: 'API key',
      name: 'api_key_id',
      type: 'select',
      value: initialKey.id,
      options: keys.map((k) => ({ value: k.id, label: `${k.key_name} (${k.api_key})${k.is_active ? '' : ' · inactive'}` })),
      hint: 'The key whose public part goes into the code.',
    });
    const keyNote = h('div', { class: 'key-note', 'aria-live': 'polite' });
    const selectedKey = () => keys.find((k) => k.id === keySel.control.value) || initialKey;
    const drawKeyNote = () => {
      const key = selectedKey();
      const notes = [];
      if (!key.is_active)
        notes.push(
          h(
            'p',
            { class: 'alert alert-warn' },
            'This key is inactive: pushes with it are refused until you reactivate it on the API keys page.',
          ),
        );
      if (!key.allowed_origins?.length) {
        notes.push(
          h(
            'p',
            { class: 'hint' },
            'This key accepts browser data from any site. ',
            h('a', { href: '#/keys' }, 'Limit it to your origins'),
            ' so nobody else can send data with it.',
          ),
        );
      } else {
        notes.push(h('p', { class: 'hint' }, `Browsers may send from: ${key.allowed_origins.join(', ')}.`));
      }
      replace(keyNote, notes);
    };

    // ---------------------------------------------------------- snippet
    const auto = checkbox({ label: 'Auto-track page views, load time, JS errors and Web Vitals', name: 'auto_track', checked: true });
    const custom = checkbox({
      label: 'Custom events: count clicks on elements with data-track="metric_name"',
      name: 'custom_events',
      checked: true,
    });
    const snippetOut = h('div', { class: 'output', 'aria-live': 'polite' });
    const snippetForm = h(
      'form',
      { class: 'form', 'aria-labelledby': 'snippet-title' },
      formMessage(),
      auto,
      custom,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Get snippet')),
    );
    onSubmit(snippetForm, 'Generating…', async () => {
      clearErrors(snippetForm);
      try {
        const res = await api.post('/code-generation', {
          api_key_id: keySel.control.value,
          auto_track: auto.control.checked,
          custom_events: custom.control.checked,
        });
        replace(
          snippetOut,
          h(
            'p',
            {},
            'Paste this once into every page, just before ',
            h('code', {}, '</head>'),
            '. It loads the tracking library asynchronously.',
          ),
          codeBlock(res.snippet, 'tracking snippet', { id: 'snippet-code' }),
          res.tracker_url ? h('p', { class: 'hint' }, 'Library: ', h('code', { class: 'mono break' }, res.tracker_url)) : null,
        );
      } catch (err) {
        showApiError(snippetForm, err);
      }
    });

    // ---------------------------------------------------------- per config
    const wantedConfig = ctx.query.get('config');
    const cfgSection = h(
      'section',
      { class: 'card section', 'aria-labelledby': 'cfg-code-title' },
      h('h2', { id: 'cfg-code-title' }, 'Code for one metric'),
    );
    const cfgOut = h('div', { class: 'output', 'aria-live': 'polite' });
    let cfgSel = null;
    if (!configs.length) {
      cfgSection.append(
        emptyState(
          'No metrics defined yet',
          'Define a metric to get code that sends it.',
          linkButton('Define a metric', '#/metrics/new', { kind: 'primary' }),
        ),
      );
    } else {
      const initialCfg = configs.find((c) => c.id === wantedConfig) || configs[0];
      cfgSel = field({
        label: 'Metric',
        name: 'config_id',
        type: 'select',
        value: initialCfg.id,
        options: configs.map((c) => ({ value: c.id, label: `${c.name || c.metric_name} (${c.metric_name}, ${c.metric_type})` })),
      });
      const cfgForm = h(
        'form',
        { class: 'form' },
        h('p', {}, 'A self-contained script that loads the library with only this metric. Use it on pages that need nothing else.'),
        formMessage(),
        cfgSel,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Get code')),
      );
      onSubmit(cfgForm, 'Generating…', async () => {
        clearErrors(cfgForm);
        const cfg = configs.find((c) => c.id === cfgSel.control.value);
        try {
          const res = await api.post(`/metric-configs/${encodeURIComponent(cfg.id)}/generate-code`, { api_key_id: keySel.control.value });
          replace(
            cfgOut,
            codeBlock(res.code, `code for ${cfg.metric_name}`, { id: 'config-code' }),
            h('p', {}, 'Then, from your page’s JavaScript:'),
            codeBlock(jsApiExample(cfg), `JavaScript call for ${cfg.metric_name}`),
          );
        } catch (err) {
          showApiError(cfgForm, err);
        }
      });
      cfgSel.control.addEventListener('change', () => {
        cfgOut.replaceChildren();
        drawCurl();
      });
      cfgSection.append(cfgForm, cfgOut);
    }

    // ---------------------------------------------------------- curl
    const curlOut = h('div', { class: 'output' });
    const drawCurl = () => {
      const key = selectedKey();
      const cfg = cfgSel ? configs.find((c) => c.id === cfgSel.control.value) : null;
      const cmd = curlExample(location.origin, key.api_key, cfg ? cfg.metric_name : 'my_events_total', cfg ? cfg.metric_type : 'counter');
      replace(
        curlOut,
        codeBlock(cmd, 'curl command', { id: 'curl-code' }),
        h(
          'p',
          { class: 'hint' },
          'Replace ',
          h('code', {}, SECRET_PLACEHOLDER),
          ' with the key’s secret (shown once when the key was created). ',
          cfg
            ? `It pushes to “${cfg.metric_name}”; choose another metric above.`
            : 'Undeclared metrics are accepted from server-side pushes; declare one to fix its type and labels.',
        ),
        h(
          'p',
          { class: 'hint' },
          'The answer lists accepted and rejected items; rejected ones also appear on the ',
          h('a', { href: '#/live' }, 'Live'),
          ' page.',
        ),
      );
    };

    keySel.control.addEventListener('change', () => {
      drawKeyNote();
      drawCurl();
      snippetOut.replaceChildren();
      cfgOut.replaceChildren();
    });
    drawKeyNote();
    drawCurl();

    replace(
      body,
      h('section', { class: 'card section' }, h('h2', {}, 'Key'), keySel, keyNote),
      h(
        'section',
        { class: 'card section', 'aria-labelledby': 'snippet-title' },
        h('h2', { id: 'snippet-title' }, 'Tracking snippet for your site'),
        snippetForm,
        snippetOut,
      ),
      cfgSection,
      h(
        'section',
        { class: 'card section', 'aria-labelledby': 'curl-title' },
        h('h2', { id: 'curl-title' }, 'Push from a server (curl)'),
        h('p', {}, 'Backend jobs and scripts authenticate with the key and its secret. Never put the secret in browser code.'),
        curlOut,
      ),
    );
  }

  loadInto(
    body,
    () => Promise.all([api.get('/apikeys'), api.get('/metric-configs')]),
    (_, [k, c]) => build(k.api_keys || [], c.metric_configs || []),
    { lines: 5, label: 'Loading keys and metrics…' },
  );
}
