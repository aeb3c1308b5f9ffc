'use strict';
// Custom events: data-track on elements and forms.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createBrowser, makeConfig, itemsNamed } = require('./fake_browser');

function setup(config) {
  const b = createBrowser();
  const t = b.load(makeConfig(Object.assign({ custom_events: true }, config)));
  return { b, t };
}
function total(items, name) {
  return itemsNamed(items, name).reduce((n, i) => n + i.value, 0);
}

test('a click on a data-track element, or inside one, counts', async () => {
  const { b, t } = setup();
  const button = b.el('button', { 'data-track': 'signups_total' });
  const icon = b.el('span', {}, button);
  b.click(button);
  b.click(icon);
  b.click(b.el('div', {})); // untracked
  await t.flush();
  assert.deepEqual(b.sentItems(), [{ name: 'signups_total', type: 'counter', value: 2, labels: { source: 'web' } }]);
});

test('data-value sets the increment; the nearest data-track wins', async () => {
  const { b, t } = setup();
  const outer = b.el('div', { 'data-track': 'cart_items', 'data-value': '9' });
  const inner = b.el('a', { 'data-track': 'signups_total', 'data-value': '5' }, outer);
  b.click(inner);
  b.click(b.el('a', { 'data-track': 'signups_total', 'data-value': 'lots' })); // not a number: 1
  await t.flush();
  assert.equal(total(b.sentItems(), 'signups_total'), 6);
  assert.equal(itemsNamed(b.sentItems(), 'cart_items').length, 0);
});

test('the declared type is respected: a gauge is set, a histogram observes data-value', async () => {
  const { b, t } = setup();
  b.click(b.el('button', { 'data-track': 'cart_items', 'data-value': '4' }));
  b.click(b.el('button', { 'data-track': 'checkout_seconds', 'data-value': '2.5' }));
  await t.flush();
  assert.deepEqual(b.sentItems(), [
    { name: 'cart_items', type: 'gauge', value: 4, op: 'set' },
    { name: 'checkout_seconds', type: 'histogram', value: 2.5, labels: { step: 'pay' } },
  ]);
});

test('a tracked form counts each submit once; clicking its submit button adds nothing', async () => {
  const { b, t } = setup();
  const form = b.el('form', { 'data-track': 'signups_total' });
  const fieldset = b.el('fieldset', {}, form);
  const button = b.el('button', { type: 'submit' }, fieldset);
  b.clickSubmitButton(button);
  b.click(fieldset);
  b.submit(form); // e.g. Enter in a field
  await t.flush();
  assert.equal(total(b.sentItems(), 'signups_total'), 2);
});

test('a tracked button inside a tracked form counts its own clicks', async () => {
  const { b, t } = setup();
  const form = b.el('form', { 'data-track': 'signups_total' });
  const button = b.el('button', { type: 'submit', 'data-track': 'cart_items', 'data-value': '1' }, form);
  b.clickSubmitButton(button);
  await t.flush();
  assert.equal(total(b.sentItems(), 'signups_total'), 1);
  assert.equal(itemsNamed(b.sentItems(), 'cart_items').length, 1);
});

test('clicks are seen even when the page stops their propagation', async () => {
  const { b, t } = setup();
  const button = b.el('button', { 'data-track': 'signups_total' });
  button.addEventListener('click', (e) => e.stopPropagation());
  b.click(button);
  await t.flush();
  assert.equal(total(b.sentItems(), 'signups_total'), 1);
});

test('an undeclared data-track name is dropped with a warning', async () => {
  const { b, t } = setup();
  b.click(b.el('button', { 'data-track': 'nobody_declared_this' }));
  await t.flush();
  assert.equal(b.requests.length, 0);
  assert.ok(b.warnings.some((w) => /nobody_declared_this/.test(w)));
});

test('custom_events off: no click or submit listener', async () => {
  const b = createBrowser();
  const t = b.load(makeConfig({ custom_events: false }));
  b.click(b.el('button', { 'data-track': 'signups_total' }));
  b.submit(b.el('form', { 'data-track': 'signups_total' }));
  await t.flush();
  assert.equal(b.requests.length, 0);
  assert.equal(b.document.listeners.filter((l) => l.type === 'click' || l.type === 'submit').length, 0);
});
