// A real pushgate stack for tests/ops/dashboard_queries.mjs, on loopback ports:
//   pushgate      PUSHGATE_BIN (tests/ops/run.sh builds target/debug/pushgate), on a
//                 throwaway database ops_<random> created in PUSHGATE_TEST_ADMIN_URL's
//                 cluster (scripts/pg-throwaway) and dropped at the end
//   Pushgateway   prometheus-pushgateway, persisted to a temp file
//   Prometheus    the repository's prometheus/prometheus.yml and rules, adjusted only in
//                 the target addresses and the intervals (1 s, so the test is quick)
// Start-up is synchronised by polling readiness endpoints with a deadline.

import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN || 'prometheus';
export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN || 'prometheus-pushgateway';
export const INSTANCE = 'ops-test';

/** Poll fn until it returns a truthy value; throw after timeoutMs naming `what`. */
export async function until(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** What is missing to run the stack, or null. */
export function missing() {
  const need = [];
  for (const b of [PROMETHEUS_BIN, PUSHGATEWAY_BIN]) {
    if (spawnSync(b, ['--version'], { stdio: 'ignore' }).status !== 0) need.push(`${b} (apt-get install prometheus prometheus-pushgateway)`);
  }
  if (!process.env.PUSHGATE_BIN || !fs.existsSync(process.env.PUSHGATE_BIN)) need.push('PUSHGATE_BIN (cargo build --locked --bin pushgate; tests/ops/run.sh does it)');
  if (!process.env.PUSHGATE_TEST_ADMIN_URL) need.push('PUSHGATE_TEST_ADMIN_URL (eval "$(scripts/pg-throwaway start)"; tests/ops/run.sh does it)');
  return need.length ? need.join('; ') : null;
}

const psqlBin = () => (process.env.PUSHGATE_TEST_PG_BIN ? path.join(process.env.PUSHGATE_TEST_PG_BIN, 'psql') : 'psql');
function psql(url, sql) {
  execFileSync(psqlBin(), [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** Lines from the end of a log in the stack's folder. */
export function tail(dir, name, lines = 20) {
  try { return fs.readFileSync(path.join(dir, `${name}.log`), 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

function launch(dir, name, bin, args, env = process.env) {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'a');
  const child = spawn(bin, args, { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.name = name;
  child.exited = new Promise((resolve) => child.on('exit', (code, sig) => { child.status = code ?? sig; resolve(child.status); }));
  child.on('error', (e) => { child.status = `spawn error: ${e.message}`; });
  return child;
}

async function ready(url, child, dir) {
  await until(async () => {
    if (child.status !== undefined) {
      throw Object.assign(new Error(`${child.name} exited (${child.status}):\n${tail(dir, child.name)}`), { fatal: true });
    }
    try { return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok; } catch { return false; }
  }, `${child.name} at ${url}`, 90_000);
}

/** The repository's Prometheus config with this stack's targets and 1 s intervals. */
export function prometheusConfig(root, pgwPort, pushgatePort) {
  return fs.readFileSync(path.join(root, 'prometheus/prometheus.yml'), 'utf8')
    .replace("targets: ['127.0.0.1:9091']", `targets: ['127.0.0.1:${pgwPort}']`)
    .replace("targets: ['127.0.0.1:3000']", `targets: ['127.0.0.1:${pushgatePort}']`)
    .replace(/(scrape_interval|evaluation_interval): 15s/g, '$1: 1s')
    .replace(/scrape_timeout: 10s/, 'scrape_timeout: 1s');
}

/** Starts the stack; resolves {pushgate, pushgateway, prometheus (URLs), config, dir, stop()}. */
export async function startStack(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushgate-ops-'));
  const adminUrl = process.env.PUSHGATE_TEST_ADMIN_URL;
  const db = `ops_${randomBytes(6).toString('hex')}`;
  const children = [];
  let dbCreated = false;
  const stop = async () => {
    for (const c of children.reverse()) {
      if (c.status !== undefined) continue;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await c.exited;
      clearTimeout(timer);
    }
    process.off('exit', abandon);
    if (dbCreated) psql(adminUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    if (process.env.OPS_KEEP_TMP) console.log(`# logs kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  };
  // when the test dies early (an exception, Ctrl-C, a closed stdout): no orphans
  const abandon = () => {
    for (const c of children) if (c.status === undefined) c.kill('SIGKILL');
    if (dbCreated) try { psql(adminUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`); } catch { /* best effort */ }
    if (!process.env.OPS_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', abandon);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  process.stdout.on('error', () => process.exit(1)); // EPIPE: e.g. piped into head
  try {
    psql(adminUrl, `CREATE DATABASE "${db}"`);
    dbCreated = true;
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${db}`;
    const [pgwPort, promPort, port] = [await freePort(), await freePort(), await freePort()];

    const pgw = launch(dir, 'pushgateway', PUSHGATEWAY_BIN, [`--web.listen-address=127.0.0.1:${pgwPort}`,
      `--persistence.file=${path.join(dir, 'pushgateway.data')}`]);
    children.push(pgw);
    const pushgateway = `http://127.0.0.1:${pgwPort}`;
    await ready(`${pushgateway}/-/ready`, pgw, dir);

    const config = prometheusConfig(root, pgwPort, port);
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    fs.symlinkSync(path.join(root, 'prometheus/rules'), path.join(dir, 'rules'));
    const prom = launch(dir, 'prometheus', PROMETHEUS_BIN, [`--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    children.push(prom);
    const prometheus = `http://127.0.0.1:${promPort}`;

    // pushgate reads through this Prometheus (/prometheus/api/v1, tests/ops/lib/tenant.mjs)
    const server = launch(dir, 'pushgate', process.env.PUSHGATE_BIN, ['serve'], {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      PUSHGATEWAY_URL: pushgateway,
      PUSHGATE_PROMETHEUS_URL: prometheus,
      PUSHGATE_LISTEN: `127.0.0.1:${port}`,
      PUSHGATE_INSTANCE: INSTANCE,
      PUSHGATE_FLUSH_INTERVAL: '1s',
      PUSHGATE_BCRYPT_COST: '4',
      RUST_LOG: process.env.RUST_LOG || 'info',
    });
    children.push(server);
    const pushgate = `http://127.0.0.1:${port}`;
    await ready(`${prometheus}/-/ready`, prom, dir);
    await ready(`${pushgate}/api/v1/health/ready`, server, dir);
    return { pushgate, pushgateway, prometheus, config, dir, stop };
  } catch (e) {
    e.message += ['pushgate', 'pushgateway', 'prometheus'].map((n) => `\n--- ${n}.log\n${tail(dir, n)}`).join('');
    await stop().catch(() => {});
    throw e;
  }
}
