// pushgate dashboard: hash router and app shell.
// Routes: #/signin #/signup #/keys #/metrics #/metrics/new #/metrics/<id>
//         #/code[?key=<id>&config=<id>] #/insights #/live #/account

import { api, currentUser, resetSessionLost, setSessionLostHandler } from './api.js';
import { h, replace } from './dom.js';
import { state } from './state.js';
import { renderAccount } from './view-account.js';
import { renderSignin, renderSignup } from './view-auth.js';
import { renderCode } from './view-code.js';
import { renderInsights } from './view-insights.js';
import { renderKeys } from './view-keys.js';
import { renderLive } from './view-live.js';
import { renderMetrics } from './view-metrics.js';
import { announce, button, errorBox } from './widgets.js';

const routes = {
  signin: { auth: false, title: 'Sign in', render: renderSignin },
  signup: { auth: false, title: 'Create an account', render: renderSignup },
  keys: { auth: true, title: 'API keys', render: renderKeys },
  metrics: { auth: true, title: 'Metrics', render: renderMetrics },
  code: { auth: true, title: 'Code', render: renderCode },
  insights: { auth: true, title: 'Insights', render: renderInsights },
  live: { auth: true, title: 'Live', render: renderLive },
  account: { auth: true, title: 'Account', render: renderAccount },
};
const HOME = '#/keys';

const main = document.getElementById('main');
let cleanup = null;
let firstRender = true;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || '', params: parts.slice(1), query: new URLSearchParams(queryPart) };
}

export function navigate(hash, { replaceHistory = false } = {}) {
  if (location.hash === hash) {
    route();
  } else if (replaceHistory) {
    history.replaceState(null, '', hash);
    route();
  } else {
    location.hash = hash;
  }
}

function updateChrome(active) {
  const signedIn = Boolean(state.user);
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('userbox').hidden = !signedIn;
  document.getElementById('user-email').textContent = signedIn ? state.user.email : '';
  document.querySelector('.brand').setAttribute('href', signedIn ? HOME : '#/signin');
  for (const a of document.querySelectorAll('#nav a[data-route]')) {
    if (a.dataset.route === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function route() {
  const { name, params, query } = parseHash();
  const def = routes[name];
  if (!def) {
    navigate(state.user ? HOME : '#/signin', { replaceHistory: true });
    return;
  }
  if (def.auth && !state.user) {
    state.returnTo = location.hash;
    navigate('#/signin', { replaceHistory: true });
    return;
  }
  if (!def.auth && state.user) {
    navigate(HOME, { replaceHistory: true });
    return;
  }
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* ignore */
    }
    cleanup = null;
  }
  updateChrome(name);
  document.title = `${def.title} · pushgate`;
  const view = h('div', { class: ['view', `view-${name}`] });
  replace(main, view);
  const ctx = { params, query, navigate, app };
  try {
    cleanup = def.render(view, ctx) || null;
  } catch (err) {
    replace(view, errorBox(err));
  }
  // Move focus to the new page's heading so keyboard and screen-reader users
  // land at the start of the content (not on the first load: keep the page
  // start for them then).
  // A view that already put focus somewhere inside itself (e.g. on a one-time
  // secret) keeps it.
  if (!firstRender && !view.contains(document.activeElement)) {
    const heading = view.querySelector('h1');
    if (heading) heading.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

// The views call these.
export const app = {
  /** after sign-in / sign-up */
  signedIn(user, { to } = {}) {
    state.user = user;
    resetSessionLost();
    const target = to || state.returnTo || HOME;
    state.returnTo = null;
    navigate(target.startsWith('#/sign') ? HOME : target);
  },
  /** after sign-out / account deletion / lost session */
  signedOut(notice) {
    state.user = null;
    state.pendingSecret = null;
    state.notice = notice || null;
    navigate('#/signin');
  },
};

setSessionLostHandler(() => {
  if (!state.user) return;
  state.returnTo = location.hash;
  app.signedOut({ kind: 'info', text: 'Your session has ended. Sign in again to continue.' });
});

document.getElementById('signout').addEventListener('click', async (ev) => {
  const btn = ev.currentTarget;
  btn.setAttribute('aria-disabled', 'true');
  try {
    await api.post('/auth/signout', {});
  } catch {
    /* signed out locally anyway */
  } finally {
    btn.removeAttribute('aria-disabled');
  }
  state.returnTo = null;
  app.signedOut({ kind: 'ok', text: 'You are signed out.' });
  announce('You are signed out.');
});

// The skip link must not change the hash (that is the router's).
document.getElementById('skip-link').addEventListener('click', (ev) => {
  ev.preventDefault();
  const heading = main.querySelector('h1');
  (heading || main).focus();
});

async function boot() {
  try {
    state.user = await currentUser();
  } catch (err) {
    updateChrome('');
    replace(
      main,
      h(
        'div',
        { class: 'view' },
        h('h1', { tabindex: '-1', class: 'page-title' }, 'pushgate'),
        errorBox(err),
        button('Try again', { kind: 'primary', onclick: () => boot() }),
      ),
    );
    return;
  }
  window.addEventListener('hashchange', route);
  route();
}

boot();
