"""Issue 17's parts of bench/run: the lock-contention figure (from pushgate's own counters at
/metrics, src/lock_wait.rs), 1 against 2 HTTP workers (PUSHGATE_WORKERS), and a server holding
1M series whose label values are unique to each tenant: memory per series, pushgate's own part
of a flush, and the latency at half the 10-item peak while its flushes run."""

import re

import load
from procs import Http, rss_bytes

LOCKS = ("aggregator", "claims", "live", "used_keys")
COUNTER = re.compile(r'^(pushgate_lock_\w+|pushgate_ingest_requests_total)\{\w+="(\w+)"\} (\S+)$')
FLUSHES = re.compile(r'^(pushgate_checkpoints_total|pushgate_pushes_total|pushgate_push_failures_total) (\S+)$')


def own_counters(port):
    """pushgate's lock counters by (family, lock) and the ingestion requests served so far."""
    status, text = Http(port).request("GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics: HTTP {status}")
    out = {}
    for line in text.decode().splitlines():
        f = FLUSHES.match(line)
        if f:
            out[f.group(1)] = float(f.group(2))
        m = COUNTER.match(line)
        if m:
            family, label, value = m.groups()
            key = "requests" if family == "pushgate_ingest_requests_total" else (family, label)
            out[key] = out.get(key, 0.0) + float(value)
    return out


def contention(before, after):
    """Per ingestion request between two readings: (lock, wait µs, hold µs, share waited)."""
    requests = after.get("requests", 0) - before.get("requests", 0)
    rows = []
    for lock in LOCKS:
        def delta(family):
            key = (family, lock)
            return after.get(key, 0.0) - before.get(key, 0.0)
        acquired = delta("pushgate_lock_acquisitions_total")
        rows.append((lock, delta("pushgate_lock_wait_seconds_total") * 1e6 / max(requests, 1),
                     delta("pushgate_lock_hold_seconds_total") * 1e6 / max(requests, 1),
                     delta("pushgate_lock_waits_total") / max(acquired, 1)))
    return requests, rows


def unique_item(tenant, j):
    """The j-th series of tenant number `tenant`, its label values its own (a site's paths)."""
    item = load.fill_item(j)
    item["labels"]["path"] = f"/site-{tenant}{item['labels']['path']}"
    return item


class Targets:
    """Mixed into bench.Bench (which has a, procs, row, wrk_median, fill, wait_flush)."""

    def contention_rows(self, what, before, after):
        requests, rows = contention(before, after)
        cells = "; ".join(f"{lock} wait {w:.2f} µs, hold {h:.2f} µs, {share:.1%} waited"
                          for lock, w, h, share in rows)
        held = next(h for lock, _, h, _ in rows if lock == "aggregator")
        cap = (f"(one aggregator shard's lock admits {1e6 / held:,.0f} req/s; the tenants are "
               f"spread over 64 shards)") if held else ""
        self.row("contention", f"locks per request, {what} ({requests:,.0f} requests)", cells, cap)

    def workers(self, binary, database_url, tenants):
        _, pg_port = self.procs.pushgateway("pushgateway-workers")
        reqs = load.batches(self.rng, tenants, 10, 2000)
        health, rates = {}, {}
        for n in (1, 2):
            proc, port = self.procs.pushgate(f"pushgate-w{n}", binary, database_url, pg_port,
                                             f"bench-w{n}", {"PUSHGATE_WORKERS": str(n)})
            health[n] = self.wrk_median(port, [("GET", "/api/v1/health", {}, None)], f"health-w{n}")
            rates[n] = self.wrk_median(port, reqs, f"workers{n}")
            self.procs.stop(proc)
        for n in (1, 2):
            self.row("workers", f"PUSHGATE_WORKERS={n}: 10-item batches / GET /api/v1/health",
                     f"{rates[n]:,.0f} / {health[n]:,.0f} req/s")
        self.row("workers", "2 workers against 1, 10-item batches", f"{rates[2] / rates[1]:.2f}x",
                 f"(/health: {health[2] / health[1]:.2f}x; wrk -t1 shares the same 2 cores)")

    def fill_unique(self, http, tenants, per_tenant):
        for t, (key, secret) in enumerate(tenants):
            for start in range(0, per_tenant, 1000):
                items = [unique_item(t, j) for j in range(start, min(per_tenant, start + 1000))]
                status, body = http.json("POST", "/api/v1/metrics", {"metrics": items},
                                         {"X-API-Key": key, "X-API-Secret": secret})
                if status != 200 or body["rejected"]:
                    raise RuntimeError(f"fill: HTTP {status} {str(body)[:300]}")

    def flush_under_load(self, binary, database_url, tenants, rps10, flushes_logged):
        """1M series (label values unique to each tenant) held by a fresh server: memory per
        series, pushgate's part of its flushes, then oha at half the 10-item peak long enough
        for several flushes, with the lock counters of that window."""
        _, pg_port = self.procs.pushgateway("pushgateway-flush")
        proc, port = self.procs.pushgate("pushgate-flush", binary, database_url, pg_port, "bench-flush")
        log = f"{self.workdir}/pushgate-flush.log"
        http = Http(port)
        seen = flushes_logged(log)
        self.fill_unique(http, tenants, 1)
        self.wait_flush(log, seen, len(tenants))
        base = rss_bytes(proc.pid)
        total = self.a.sizes[-1]
        seen = flushes_logged(log)
        self.fill_unique(http, tenants, total // len(tenants))
        flushes = [self.wait_flush(log, seen, total)]
        for _ in range(self.a.runs - 1):
            seen = flushes_logged(log)
            self.fill_unique(http, tenants[:1], 1)
            flushes.append(self.wait_flush(log, seen, total))
        rss = rss_bytes(proc.pid)
        self.row("memory", f"RSS per series at {total:,} series, label values unique to each tenant",
                 f"{(rss - base) / (total - len(tenants)):,.0f} bytes",
                 f"(RSS {rss / 2**20:,.0f} MiB, {base / 2**20:,.0f} MiB at 1 series per tenant)")
        med = {k: sorted(f[k] for f in flushes)[len(flushes) // 2] for k in flushes[0]}
        own = med["snapshot_ms"] + med["checkpoint_ms"] + med["render_ms"]
        self.row("forwarding", f"pushgate's own part of a flush of {total:,} series",
                 f"{own / 1e3:.2f} s",
                 f"(snapshot {med['snapshot_ms']:,.0f} ms, checkpoint {med['checkpoint_ms']:,.0f} ms, "
                 f"render {med['render_ms']:,.0f} ms; the Pushgateway's PUT {med['put_ms']:,.0f} ms)")
        if rps10 is None:
            rps10 = self.wrk_median(port, load.batches(self.rng, tenants, 10, 2000), "flush-peak")
        method, path, headers, body = load.batches(self.rng, tenants[:1], 10, 1)[0]
        seen = flushes_logged(log)
        before = own_counters(port)
        p50, p99, held = load.oha(port, path, headers, body, int(rps10 / 2), self.a.flush_seconds,
                                  self.a.connections, self.workdir)
        after = own_counters(port)
        done = flushes_logged(log) - seen
        def delta(k):
            return after.get(k, 0) - before.get(k, 0)
        self.row("latency", f"10-item batches at {rps10 / 2:,.0f} req/s (half peak) while "
                 f"{total:,} series flush", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                 f"(held {held:,.0f} req/s for {self.a.flush_seconds} s; meanwhile "
                 f"{delta('pushgate_checkpoints_total'):.0f} snapshots + checkpoints, "
                 f"{delta('pushgate_pushes_total'):.0f} PUTs begun, "
                 f"{delta('pushgate_push_failures_total'):.0f} failed, {done} finished)")
        self.contention_rows("during those flushes", before, after)
        self.procs.stop(proc)
