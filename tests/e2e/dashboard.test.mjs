// End-to-end test of the admin dashboard in headless Chromium against a real
// stack started by harness.mjs (see there for the environment it needs).
// Over 300 lines: one browser session walks the dashboard in order; each step needs the one before.
//
//   cd tests/e2e && npm ci && PUSHGATE_BIN=… PUSHGATE_TEST_ADMIN_URL=… npm test
//
// Screenshots of every page at 1280×800 and 375 px wide go to
// tests/e2e/screenshots/ (git-ignored; CI keeps the folder as an artifact).

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startStack, skipReason, until } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(here, 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 375, height: 812 };
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const runId = randomBytes(4).toString('hex');
const EMAIL = `e2e-${runId}@example.com`;
const PASSWORD = `correct-horse-${runId}`;
const METRIC = 'e2e_signups_total';

describe('pushgate dashboard', { skip: skipReason() || false, timeout: 10 * 60_000 }, () => {
  let stack;
  let browser;
  let context;
  let page;
  let shotNo = 0;
  const cspViolations = [];
  const pageErrors = [];
  // Shared between the steps (they run in order).
  const s = {};

  // -------------------------------------------------------------- helpers

  const hash = () => page.evaluate(() => location.hash);
  const h1 = () => page.locator('main h1').first();

  async function go(route) {
    await page.goto(`${stack.baseUrl}/${route}`);
  }

  async function expectHeading(re) {
    await until(async () => re.test((await h1().textContent({ timeout: 1000 })) || ''), {
      timeoutMs: 15_000, what: `page heading ${re}`,
    });
  }

  /** The inline error tied to a control by aria-describedby (empty when none). */
  async function errorFor(control) {
    return control.evaluate((el) => (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id))
      .filter((e) => e?.classList.contains('field-error'))
      .map((e) => e.textContent.trim()).join(' '));
  }

  async function expectFieldError(control, what, re) {
    const text = await until(async () => errorFor(control), { timeoutMs: 10_000, what: `an error next to ${what}` });
    assert.equal(await control.getAttribute('aria-invalid'), 'true', `${what} is marked aria-invalid`);
    assert.ok(await control.locator('xpath=ancestor::*[contains(concat(" ", @class, " "), " field ")][1]').first().isVisible(), `${what} error visible`);
    if (re) assert.match(text, re, `error next to ${what}`);
    return text;
  }

  async function expectNoFieldError(control, what) {
    assert.equal(await errorFor(control), '', `no error next to ${what}`);
  }

  /** Screenshots at desktop and 375 px; at 375 px nothing may overflow sideways. */
  async function shot(name) {
    shotNo += 1;
    const base = `${String(shotNo).padStart(2, '0')}-${name}`;
    for (const [tag, vp] of [['desktop', DESKTOP], ['375', MOBILE]]) {
      await page.setViewportSize(vp);
      // Full-page shots from the top (a sticky header would otherwise show mid-page).
      await page.evaluate(() => new Promise((r) => { window.scrollTo(0, 0); requestAnimationFrame(() => requestAnimationFrame(r)); }));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${vp.width}px: the page is ${overflow}px wider than the viewport`);
      await page.screenshot({ path: path.join(SHOTS, `${base}-${tag}.png`), fullPage: true });
    }
    await page.setViewportSize(DESKTOP);
  }

  async function signIn(email, password) {
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  // -------------------------------------------------------------- setup

  before(async () => {
    // only this suite's own numbered shots: insights.test.mjs writes here at the same time
    await mkdir(SHOTS, { recursive: true });
    for (const f of await readdir(SHOTS)) if (/^\d\d-.*\.png$/.test(f)) await rm(path.join(SHOTS, f));
    stack = await startStack();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: DESKTOP, baseURL: stack.baseUrl });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) cspViolations.push(text);
    });
    page.on('pageerror', (err) => pageErrors.push(String(err?.stack ? err.stack : err)));
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (stack) {
      if (process.exitCode) console.log(await stack.logs());
      await stack.stop();
    }
  });

  // -------------------------------------------------------------- steps

  test('opens on the sign-in page, with the CSP and no inline code', async () => {
    const res = await page.goto(`${stack.baseUrl}/`);
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, 'the dashboard is served with a CSP');
    await expectHeading(/sign in/i);
    assert.equal(await hash(), '#/signin');
    assert.equal(await page.locator('[style]').count(), 0, 'no inline style attributes');
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline scripts');
    await shot('signin');
  });

  test('sign-up errors are shown next to their fields', async () => {
    await page.getByRole('link', { name: /create an account/i }).click();
    await expectHeading(/create your account/i);
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await email.fill('not-an-email');
    await password.fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectFieldError(email, 'email');
    await expectFieldError(password, 'password', /8/);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'email',
      'focus moves to the first field in error');
    await shot('signup-errors');
  });

  test('sign up shows the default key with its one-time secret', async () => {
    await page.getByLabel('First name').fill('Eve');
    await page.getByLabel('Last name').fill('Tester');
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    const panel = page.getByTestId('secret-panel');
    await panel.waitFor();
    assert.equal(await hash(), '#/keys');
    const pub = (await panel.getByTestId('secret-api-key').textContent()).trim();
    const secret = (await panel.getByTestId('secret-api-secret').textContent()).trim();
    assert.match(pub, /^pk_/, 'public key shown');
    assert.ok(secret.length >= 16 && secret !== pub, 'secret shown');
    assert.match(await panel.textContent(), /shown only this once/i, 'clear one-time warning');
    assert.ok(await panel.getByRole('button', { name: 'Copy secret' }).isVisible());
    s.defaultKey = { pub, secret };

    // The session is in HTTP-only cookies, nothing in web storage.
    const storage = await page.evaluate(() => localStorage.length + sessionStorage.length);
    assert.equal(storage, 0, 'nothing in localStorage/sessionStorage');
    const cookies = await context.cookies();
    assert.ok(cookies.length > 0, 'session cookies set');
    for (const c of cookies) assert.ok(c.httpOnly, `cookie ${c.name} is HttpOnly`);
    assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie readable from JS');

    await page.getByTestId('key-list').locator('li').first().waitFor();
    await shot('keys-after-signup');

    // The secret is shown once: gone after a reload.
    await page.reload();
    await page.getByTestId('key-list').waitFor();
    assert.equal(await page.getByTestId('secret-panel').count(), 0, 'secret not shown again');
    assert.equal(await page.getByTestId('key-list').locator(':scope > li').count(), 1, 'one default key');
  });

  test('API keys: create (secret once, copy), rename, deactivate, reactivate', async (t) => {
    await page.getByRole('button', { name: 'New key' }).click();
    const name = page.getByLabel('Key name');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'key_name', 'focus in the new form');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expectFieldError(name, 'key name');

    await name.fill('e2e key');
    await page.getByLabel('Allowed origins').fill('https://example.com');
    await page.getByRole('button', { name: 'Create key' }).click();
    const panel = page.getByTestId('secret-panel');
    await panel.getByRole('heading', { name: /e2e key/ }).waitFor();
    s.key = {
      pub: (await panel.getByTestId('secret-api-key').textContent()).trim(),
      secret: (await panel.getByTestId('secret-api-secret').textContent()).trim(),
    };
    assert.notEqual(s.key.pub, s.defaultKey.pub);
    assert.match(await panel.textContent(), /shown only this once/i);

    await panel.getByRole('button', { name: 'Copy secret' }).click();
    await until(async () => (await panel.getByRole('button', { name: 'Copy secret' }).textContent()).includes('Copied'),
      { what: 'the copy button to confirm' });
    const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
    if (clip !== null) assert.equal(clip, s.key.secret, 'the secret is on the clipboard');
    else t.diagnostic('clipboard not readable in this browser: checked the button only');
    await shot('key-created');

    const card = page.locator('[data-key-id]', { hasText: s.key.pub });
    s.key.id = await card.getAttribute('data-key-id');
    assert.match(await card.textContent(), /https:\/\/example\.com/);

    // Rename (and the origins are edited in the same dialog).
    await card.getByRole('button', { name: 'Edit e2e key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Key name').fill('e2e key renamed');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'detached' });
    await card.getByRole('heading', { name: 'e2e key renamed' }).waitFor();

    await card.getByRole('button', { name: 'Deactivate' }).click();
    await card.getByText('Inactive', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Reactivate' }).click();
    await card.getByText('Active', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'I have stored the secret' }).click();
    assert.equal(await page.getByTestId('secret-panel').count(), 0);
    await shot('keys');
  });

  test('metric configs: validation and conflict errors next to fields, create, edit', async () => {
    await go('#/metrics');
    await expectHeading(/^metrics$/i);
    await page.getByText('No metrics defined yet').waitFor();
    await shot('metrics-empty');

    await page.getByRole('link', { name: 'New metric' }).first().click();
    await expectHeading(/new metric/i);
    const metricName = page.getByLabel('Metric name');
    await page.getByLabel('Display name').fill('Sign-ups');
    await metricName.fill('1bad-name');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByLabel('Label 1 Name', { exact: true }).fill('plan');
    await page.getByLabel('Label 1 Default value').fill('free');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expectFieldError(metricName, 'metric name (invalid)');
    await shot('metric-invalid-name');

    await metricName.fill(METRIC);
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expectHeading(/^metrics$/i);
    const cfg = page.locator(`[data-metric="${METRIC}"]`);
    await cfg.waitFor();
    assert.match(await cfg.textContent(), /plan=free/);

    // Same metric name again: 409 next to metric_name.
    await page.getByRole('link', { name: 'New metric' }).first().click();
    await expectHeading(/new metric/i);
    await page.getByLabel('Display name').fill('Sign-ups again');
    await page.getByLabel('Metric name').fill(METRIC);
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expectFieldError(page.getByLabel('Metric name'), 'metric name (duplicate)');

    // Histogram with non-increasing buckets: the error is next to buckets.
    await page.getByLabel('Display name').fill('Checkout time');
    await page.getByLabel('Metric name').fill('e2e_checkout_seconds');
    await page.getByRole('radio', { name: /^Histogram/ }).check();
    const buckets = page.getByRole('textbox', { name: /^Buckets/ });
    await buckets.fill('1, 0.5, 2');
    assert.equal(await page.getByRole('textbox', { name: /^Quantiles/ }).isVisible(), false, 'no quantiles for a histogram');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expectFieldError(buckets, 'buckets');
    await expectNoFieldError(page.getByLabel('Metric name'), 'metric name after fixing it');
    await shot('metric-bad-buckets');
    await buckets.fill('0.1, 0.5, 1, 2.5');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expectHeading(/^metrics$/i);
    await page.locator('[data-metric="e2e_checkout_seconds"]').waitFor();

    // Summary fields: quantiles shown, buckets hidden.
    await page.getByRole('link', { name: 'New metric' }).first().click();
    await page.getByRole('radio', { name: /^Summary/ }).check();
    assert.equal(await page.getByRole('textbox', { name: /^Quantiles/ }).isVisible(), true);
    assert.equal(await page.getByRole('textbox', { name: /^Buckets/ }).isVisible(), false);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expectHeading(/^metrics$/i);

    // Edit: the reset note is there; the change is saved.
    await cfg.getByRole('link', { name: /^Edit/ }).click();
    await expectHeading(/edit metric/i);
    assert.match(await page.locator('.reset-note').textContent(), /resets/i);
    await page.getByLabel('Display name').fill('Sign-ups (all plans)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expectHeading(/^metrics$/i);
    await cfg.getByRole('heading', { name: 'Sign-ups (all plans)' }).waitFor();
    s.configId = await cfg.getAttribute('data-config-id');
    await shot('metrics');
  });

  test('code generation: snippet, per-config code, curl example', async () => {
    await go(`#/code?key=${s.key.id}`);
    await expectHeading(/^code$/i);
    await page.getByRole('button', { name: 'Get snippet' }).click();
    const snippet = page.locator('#snippet-code');
    await snippet.waitFor();
    assert.match(await snippet.textContent(), new RegExp(s.key.pub), 'the snippet carries the chosen key');
    assert.ok(await page.getByRole('button', { name: 'Copy tracking snippet' }).isVisible());

    await page.getByLabel('Metric', { exact: true }).selectOption(s.configId);
    await page.getByRole('button', { name: 'Get code', exact: true }).click();
    const code = page.locator('#config-code');
    await code.waitFor();
    assert.ok((await code.textContent()).trim().length > 0, 'per-config code shown');

    const curl = await page.locator('#curl-code').textContent();
    assert.ok(curl.includes(`${stack.baseUrl}/api/v1/metrics`), 'curl uses the origin');
    assert.ok(curl.includes(`X-API-Key: ${s.key.pub}`), 'curl has the key');
    assert.ok(curl.includes('X-API-Secret: YOUR_API_SECRET'), 'curl has the secret placeholder');
    assert.ok(!curl.includes(s.key.secret), 'curl never contains the secret');
    s.curlPayload = JSON.parse(/-d '([^']*)'/.exec(curl)[1]);
    assert.equal(s.curlPayload.metrics[0].name, METRIC);
    await shot('code');
  });

  test('a push shows up in the live view without reloading, with rejections', async () => {
    await go('#/live');
    await expectHeading(/^live$/i);
    await page.locator('.live-status-text', { hasText: /Updated/ }).waitFor();
    const navigations = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

    // The curl example's payload, plus one item of the wrong type (rejected).
    const body = { metrics: [...s.curlPayload.metrics, { name: METRIC, type: 'gauge', value: 5 }] };
    const res = await fetch(`${stack.baseUrl}/api/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': s.key.pub, 'X-API-Secret': s.key.secret },
      body: JSON.stringify(body),
    });
    const answer = await res.json();
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.equal(answer.accepted, 1);
    assert.equal(answer.rejected, 1);

    const card = page.locator(`[data-testid="live-list"] [data-metric="${METRIC}"]`);
    await until(async () => {
      if (!(await card.count())) return false;
      const samples = await card.locator('dt:text-is("Samples") + dd').textContent();
      return Number(samples.replace(/\D/g, '')) >= 1;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'the sample in the live view' });
    await until(async () => Number((await card.locator('dt:text-is("Rejected") + dd').textContent()).replace(/\D/g, '')) >= 1,
      { timeoutMs: 30_000, intervalMs: 250, what: 'the rejected count' });
    const rejection = page.getByTestId('rejections').locator('li', { hasText: METRIC }).first();
    await rejection.waitFor({ timeout: 15_000 });
    assert.ok((await rejection.locator('.rejection-msg').textContent()).trim().length > 0, 'rejection has a reason');

    // The same bad item four more times: still one row for (metric, code), counting 5.
    for (let i = 0; i < 4; i++) {
      const again = await fetch(`${stack.baseUrl}/api/v1/metrics`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': s.key.pub, 'X-API-Secret': s.key.secret },
        body: JSON.stringify({ metrics: [s.curlPayload.metrics[0], { name: METRIC, type: 'gauge', value: 5 }] }),
      });
      assert.equal(again.status, 200);
    }
    await until(async () => (await rejection.getByTestId('rejection-count').textContent()).trim() === '×5',
      { timeoutMs: 30_000, intervalMs: 250, what: 'the rejection group to count 5' });
    assert.equal(await page.getByTestId('rejections').locator('li', { hasText: METRIC }).count(), 1,
      'one row per metric and reason, not one per item');
    assert.match(await rejection.locator('.rejection-since').textContent(), /^first seen /);
    assert.ok(await card.locator('svg.sparkline[role="img"]').count(), 'sparkline drawn');
    assert.notEqual(await card.locator('dt:text-is("Last seen") + dd').textContent(), 'none yet');
    assert.deepEqual(navigations, [], 'updated in place, no reload');
    const live = await page.evaluate(async () => (await fetch('/api/v1/live')).json());
    const grafana = page.getByRole('link', { name: /grafana/i });
    if (live.grafana_url) assert.equal(await grafana.getAttribute('href'), live.grafana_url, 'Grafana link shown');
    else assert.equal(await grafana.count(), 0, 'no Grafana link without grafana_url');
    await shot('live');
  });

  test('the live view lists the Pushgateway API groups with their last push', async () => {
    await go('#/live');
    await expectHeading(/^live$/i);
    const auth = `Basic ${Buffer.from(`${s.key.pub}:${s.key.secret}`).toString('base64')}`;
    const res = await fetch(`${stack.baseUrl}/metrics/job/e2e_backup/instance/db1`, {
      method: 'PUT',
      headers: { Authorization: auth },
      body: '# TYPE e2e_backup_rows_total counter\ne2e_backup_rows_total 3\ne2e_backup_ok 1\n',
    });
    assert.equal(res.status, 200, await res.text());
    const group = page.getByTestId('groups').locator('li', { hasText: 'job="e2e_backup"' });
    await group.waitFor({ timeout: 30_000 });
    assert.match(await group.locator('h3').textContent(), /instance="db1"/);
    assert.equal((await group.locator('dt:text-is("Series") + dd').textContent()).trim(), '2');
    assert.notEqual((await group.locator('dt:text-is("Last push") + dd').textContent()).trim(), 'never');
    await shot('live-groups');
  });

  test('delete a metric config and an API key, each after a confirmation', async () => {
    await go('#/metrics');
    const cfg = page.locator('[data-metric="e2e_checkout_seconds"]');
    await cfg.getByRole('button', { name: /^Delete/ }).click();
    let dialog = page.getByRole('dialog');
    assert.match(await dialog.textContent(), /cannot be undone/i);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await cfg.count(), 1, 'cancel keeps the config');
    assert.match(await page.evaluate(() => document.activeElement.textContent), /Delete/, 'focus back on the button');
    await cfg.getByRole('button', { name: /^Delete/ }).click();
    await dialog.getByRole('button', { name: 'Delete metric' }).click();
    await cfg.waitFor({ state: 'detached' });
    await page.locator(`[data-metric="${METRIC}"]`).waitFor();

    await go('#/keys');
    const card = page.locator('[data-key-id]', { hasText: s.defaultKey.pub });
    await card.getByRole('button', { name: /^Delete/ }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await card.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('key-list').locator(':scope > li').count(), 1);
    const res = await fetch(`${stack.baseUrl}/api/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': s.defaultKey.pub, 'X-API-Secret': s.defaultKey.secret },
      body: JSON.stringify(s.curlPayload),
    });
    assert.equal(res.status, 401, 'a deleted key is refused');
  });

  test('silent refresh: an expired access cookie is renewed without signing in again', async (t) => {
    const cookies = await context.cookies();
    const refreshCookie = cookies.find((c) => /refresh/i.test(c.name));
    if (!refreshCookie) {
      t.skip(`no cookie named like *refresh* among ${cookies.map((c) => c.name).join(', ')}`);
      return;
    }
    await context.clearCookies();
    await context.addCookies([refreshCookie]);
    const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh') && r.request().method() === 'POST');
    await page.goto(`${stack.baseUrl}/?fresh=${Date.now()}#/keys`); // a full page load
    assert.equal((await refreshed).status(), 200);
    await expectHeading(/api keys/i);
    await page.getByTestId('key-list').waitFor();
  });

  test('when the refresh fails too, the sign-in page comes back, then the page the user was on', async () => {
    await context.clearCookies();
    await page.getByRole('link', { name: 'Metrics', exact: true }).click(); // no reload: in-app navigation
    await expectHeading(/sign in/i);
    await page.getByText(/session has ended/i).waitFor();
    await signIn(EMAIL, PASSWORD);
    await expectHeading(/^metrics$/i);
  });

  test('sign out; duplicate email and wrong password errors; sign back in', async () => {
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(/sign in/i);
    await go('#/metrics');
    await expectHeading(/sign in/i);
    assert.equal(await hash(), '#/signin', 'signed-out users are sent to sign in');
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    assert.equal(me, 401, 'the session is gone on the server too');

    await page.getByRole('link', { name: /create an account/i }).click();
    await page.getByLabel('Email', { exact: true }).fill(EMAIL.toUpperCase());
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectFieldError(page.getByLabel('Email', { exact: true }), 'email (duplicate)');
    await shot('signup-duplicate');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await expectHeading(/sign in/i);
    await signIn(EMAIL, `${PASSWORD}-wrong`);
    await expectFieldError(page.getByLabel('Password', { exact: true }), 'password (wrong)');
    await shot('signin-wrong-password');

    await signIn(EMAIL, PASSWORD);
    await expectHeading(/^metrics$/i); // back where the user wanted to go
    await page.locator(`[data-metric="${METRIC}"]`).waitFor();
  });

  test('account page; deleting the account asks for the password', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await expectHeading(/account/i);
    assert.equal((await page.getByTestId('account-email').textContent()).trim().toLowerCase(), EMAIL);
    await shot('account');

    await page.getByRole('button', { name: 'Delete account…' }).click();
    const dialog = page.getByRole('dialog');
    const pw = dialog.getByLabel('Your password');
    await pw.fill('wrong-password');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await expectFieldError(pw, 'password (account deletion)');
    assert.ok(await dialog.isVisible(), 'dialog stays open after a wrong password');
    await shot('account-delete-wrong-password');

    await pw.fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await expectHeading(/sign in/i);
    await page.getByText(/account was deleted/i).first().waitFor();

    await signIn(EMAIL, PASSWORD);
    await expectFieldError(page.getByLabel('Password', { exact: true }), 'password (deleted account)');
    const res = await fetch(`${stack.baseUrl}/api/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': s.key.pub, 'X-API-Secret': s.key.secret },
      body: JSON.stringify(s.curlPayload),
    });
    assert.equal(res.status, 401, 'the deleted account’s keys are refused');
  });

  test('no CSP violations and no uncaught errors in the page', () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
  });
});
