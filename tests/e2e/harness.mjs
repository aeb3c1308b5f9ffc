// Test harness for the dashboard e2e test: starts a real pushgate stack on
// loopback ports and stops it again.
//
// Environment:
//   PUSHGATE_BIN              path to the built server binary (required)
//   PUSHGATE_TEST_ADMIN_URL   postgres://postgres@127.0.0.1:PORT/postgres of a running
//                             throwaway cluster (required); a database e2e_<random> is
//                             created in it and dropped at the end
//   PUSHGATE_E2E_KEEP=1       keep the temporary directory (logs) after the run
//
// Start-up is synchronised by polling readiness endpoints with a deadline,
// never by sleeping a fixed time.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Why the e2e test cannot run here, or null when it can. */
export function skipReason() {
  const missing = ['PUSHGATE_BIN', 'PUSHGATE_TEST_ADMIN_URL'].filter((v) => !process.env[v]);
  if (!missing.length) return null;
  // In CI a missing setting is an error (startStack says which), not a silent skip.
  if (process.env.CI) return null;
  return `set ${missing.join(' and ')} to run the dashboard e2e test`;
}

/** Poll fn until it returns a truthy value; throw after timeoutMs with `what`. */
export async function until(fn, { timeoutMs = 10_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e?.fatal) throw e;
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function psql(adminUrl, sql) {
  return new Promise((resolve, reject) => {
    execFile('psql', [adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql failed (${sql}): ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Spawn a process with its output in a log file; .exited resolves with the exit code. */
function launch(name, cmd, args, { env, dir }) {
  const logPath = path.join(dir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Both streams go to one file: it is ended once the process and its pipes are closed.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const proc = { name, child, logPath, exitCode: undefined };
  proc.exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      log.end(() => {
        proc.exitCode = code ?? signal;
        resolve(proc.exitCode);
      });
    });
    child.on('error', (e) => {
      log.end(() => {
        proc.exitCode = `spawn error: ${e.message}`;
        resolve(proc.exitCode);
      });
    });
  });
  return proc;
}

async function tail(file, lines = 40) {
  try {
    const text = await readFile(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitHttpOk(url, proc, what, timeoutMs) {
  await until(async () => {
    if (proc.exitCode !== undefined) {
      throw Object.assign(new Error(`${proc.name} exited (${proc.exitCode}) before ${what}:\n${await tail(proc.logPath)}`), { fatal: true });
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }, { timeoutMs, intervalMs: 150, what }).catch(async (e) => {
    if (e.message.includes('exited')) throw e;
    throw new Error(`${e.message}\n--- ${proc.name} log ---\n${await tail(proc.logPath)}`);
  });
}

async function stopProc(proc, graceMs = 15_000) {
  if (!proc || proc.exitCode !== undefined) return proc?.exitCode;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/**
 * Start Pushgateway, Prometheus (scraping it every second) and pushgate. Resolves
 *   {baseUrl, pushgatewayUrl, prometheusUrl, stopPrometheus(), stop(), logs()}
 * (stopPrometheus: for the read path's "Prometheus is down" answers; ingestion goes on)
 */
export async function startStack() {
  const missing = ['PUSHGATE_BIN', 'PUSHGATE_TEST_ADMIN_URL'].filter((v) => !process.env[v]);
  if (missing.length) throw new Error(`the dashboard e2e test needs ${missing.join(' and ')} (see tests/e2e/harness.mjs)`);

  const adminUrl = process.env.PUSHGATE_TEST_ADMIN_URL;
  const bin = path.resolve(process.env.PUSHGATE_BIN);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pushgate-e2e-'));
  const dbName = `e2e_${randomBytes(6).toString('hex')}`;
  const procs = [];
  let dbCreated = false;

  const stop = async () => {
    const problems = [];
    for (const p of [...procs].reverse()) {
      const code = await stopProc(p);
      if (p.name === 'pushgate' && code !== 0 && code !== 'SIGTERM') {
        problems.push(`pushgate exited with ${code} on SIGTERM:\n${await tail(p.logPath)}`);
      }
    }
    if (dbCreated) {
      try {
        await psql(adminUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      } catch (e) {
        problems.push(e.message);
      }
    }
    if (process.env.PUSHGATE_E2E_KEEP === '1') console.log(`# e2e logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
    if (problems.length) throw new Error(problems.join('\n'));
  };

  try {
    await psql(adminUrl, `CREATE DATABASE "${dbName}"`);
    dbCreated = true;
    const dbUrl = new URL(adminUrl);
    dbUrl.pathname = `/${dbName}`;

    const pgwPort = await freePort();
    const pgw = launch('pushgateway', 'prometheus-pushgateway', [
      `--web.listen-address=127.0.0.1:${pgwPort}`,
      `--persistence.file=${path.join(dir, 'pushgateway.data')}`,
    ], { env: process.env, dir });
    procs.push(pgw);
    const pushgatewayUrl = `http://127.0.0.1:${pgwPort}`;
    await waitHttpOk(`${pushgatewayUrl}/-/ready`, pgw, 'the Pushgateway to be ready', 30_000);

    // A real Prometheus scraping the Pushgateway every second, as prometheus/prometheus.yml
    // does every 15 s (honor_labels keeps the pushed job/instance): the read path's backend.
    const promPort = await freePort();
    await writeFile(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      '  - job_name: pushgateway',
      '    honor_labels: true',
      `    static_configs: [{ targets: ['127.0.0.1:${pgwPort}'] }]`,
      '',
    ].join('\n'));
    const prom = launch('prometheus', process.env.PROMETHEUS_BIN || 'prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ], { env: process.env, dir });
    procs.push(prom);
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    await waitHttpOk(`${prometheusUrl}/-/ready`, prom, 'Prometheus to be ready', 60_000);

    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: dbUrl.toString(),
      PUSHGATEWAY_URL: pushgatewayUrl,
      PUSHGATE_PROMETHEUS_URL: prometheusUrl,
      PUSHGATE_LISTEN: `127.0.0.1:${port}`,
      PUSHGATE_BCRYPT_COST: '4',
      PUSHGATE_FLUSH_INTERVAL: '1s',
      PUSHGATE_AUTH_RATE_PER_MIN: '0',
      PUSHGATE_API_RATE_PER_USER: '0',
      PUSHGATE_INSTANCE: 'e2e',
      PUSHGATE_GRAFANA_URL: 'http://127.0.0.1:9/grafana-e2e', // only shown as a link, never fetched
      RUST_LOG: process.env.RUST_LOG || 'info',
    };
    const server = launch('pushgate', bin, ['serve'], { env, dir });
    procs.push(server);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHttpOk(`${baseUrl}/api/v1/health/ready`, server, 'pushgate /api/v1/health/ready', 90_000);

    return {
      baseUrl,
      pushgatewayUrl,
      prometheusUrl,
      stopPrometheus: () => stopProc(prom),
      stop,
      logs: async () => `--- pushgate ---\n${await tail(server.logPath, 80)}\n--- pushgateway ---\n${await tail(pgw.logPath, 20)}`,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}
