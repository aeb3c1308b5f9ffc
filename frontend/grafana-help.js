// The site owner's own Grafana (issue 13): how to add pushgate as a Prometheus datasource
// (URL <this origin>/prometheus, basic auth with a read key), and the importable dashboard of
// the built-in web metrics. Shown on the API keys page.

import { h } from './dom.js';
import { codeBlock } from './widgets.js';

export const DASHBOARD_JSON = '/grafana/pushgate-web-metrics.json';

export function grafanaSection() {
  const url = `${location.origin}/prometheus`;
  return h(
    'section',
    { class: 'card section', 'aria-labelledby': 'grafana-title', 'data-testid': 'grafana-help' },
    h('h2', { id: 'grafana-title' }, 'Your own Grafana'),
    h('p', {}, 'pushgate answers Prometheus’s query API for your data only, so any Grafana (or other Prometheus client) can chart it.'),
    h(
      'ol',
      { class: 'grafana-steps' },
      h('li', {}, 'Create a key with the ', h('strong', {}, 'Read'), ' scope above, and copy its secret.'),
      h(
        'li',
        {},
        'In Grafana: Connections → Data sources → Add data source → Prometheus. As the Prometheus server URL enter:',
        codeBlock(url, 'datasource URL', { id: 'grafana-url' }),
      ),
      h(
        'li',
        {},
        'Under Authentication choose Basic authentication: the user is the key’s public part (pk_…), the password its secret (sk_…). Save & test.',
      ),
      h(
        'li',
        {},
        'Dashboards → New → Import: upload ',
        h('a', { href: DASHBOARD_JSON, download: 'pushgate-web-metrics.json' }, 'the web metrics dashboard (JSON)'),
        ' and choose the datasource you just added. It shows page views, load time, Core Web Vitals and JS errors.',
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      'With curl: ',
      h('code', { class: 'mono break' }, `curl -u pk_…:sk_… '${url}/api/v1/query?query=sum(page_views_total)'`),
    ),
  );
}
