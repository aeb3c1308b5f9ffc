// Makes tracker.min.js, the copy of tracker.js that the server serves, with the terser pinned in
// package-lock.json (SPEC §6: a minified copy, with tests that both behave alike):
//
//   cd frontend/tracker && npm ci && npm run minify   # rewrites tracker.min.js
//   npm run check                                     # fails when tracker.min.js is stale
//
// terser would fold the `null` after the config marker into the body and so delete the code
// that reads the injected config: the marker becomes a free identifier while terser runs.
import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const MARKER = '/*PUSHGATE_CONFIG*/null';
const STAND_IN = '__PUSHGATE_CONFIG__';
// gzip -9 bytes of the library alone. A key and four configs add ~150 bytes; the served
// tracker.js must stay within 3,000 (tests/e2e/tracking.test.mjs measures what goes out).
const BUDGET = 2850;
const dir = new URL('./', import.meta.url);

function once(text, needle, what) {
  const n = text.split(needle).length - 1;
  if (n !== 1) throw new Error(`${what} holds ${JSON.stringify(needle)} ${n} times, not once`);
}

const source = await readFile(new URL('tracker.js', dir), 'utf8');
once(source, MARKER, 'tracker.js');
if (source.includes(STAND_IN)) throw new Error(`tracker.js must not use the name ${STAND_IN}`);
const result = await minify(source.replace(MARKER, STAND_IN), {
  compress: { passes: 3 },
  mangle: true,
  format: { comments: false },
});
once(result.code, STAND_IN, 'the minified code');
const minified = `${result.code.replace(STAND_IN, MARKER)}\n`;

const target = new URL('tracker.min.js', dir);
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== minified) {
    console.error('tracker.min.js is not what terser makes of tracker.js: run `npm run minify` in frontend/tracker');
    process.exit(1);
  }
  console.log('tracker.min.js matches tracker.js');
} else {
  await writeFile(target, minified);
}
const gzipped = gzipSync(minified, { level: 9 }).length;
console.log(`tracker.min.js: ${minified.length} bytes, ${gzipped} gzipped (gzip -9; budget ${BUDGET})`);
if (gzipped > BUDGET) {
  console.error(`tracker.min.js is over its budget of ${BUDGET} gzipped bytes: trim tracker.js`);
  process.exit(1);
}
