"""pushgate's benchmark: started by bench/run, which installs the tools and builds the release
binary first. Prints one table; see docs/performance.md for what each row means."""
# Over 300 lines: every part shares the process table, the fill and the one results table.

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402
import remote_write  # noqa: E402
from procs import ROOT, Http, Procs, rss_bytes, wait_until  # noqa: E402
from targets import Targets, own_counters  # noqa: E402

# PUSHGATE_BIN: a copy of the binary, so that a rebuild during a long run changes nothing
PUSHGATE = os.environ.get("PUSHGATE_BIN") or os.path.join(ROOT, "target/release/pushgate")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1 s per figure, 1 run each, 10k/100k series instead of 100k/1M")
    ap.add_argument("--runs", type=int, help="runs per figure (median reported); default 3, quick 1")
    ap.add_argument("--seconds", type=int, help="seconds per load run; default 4, quick 1")
    ap.add_argument("--connections", type=int, default=32, help="load generator connections [32]")
    ap.add_argument("--parts", default="ingestion,workers,flush,alternatives,memory,remote_write",
                    help="which parts to run, comma-separated "
                         "[ingestion,workers,flush,alternatives,memory,remote_write]")
    ap.add_argument("--receivers", default="pushgateway,victoria,prometheus",
                    help="remote_write part: which receivers, comma-separated "
                         "[pushgateway,victoria,prometheus]")
    ap.add_argument("--sizes", help="memory and remote_write parts: series, comma-separated "
                                    "(multiples of the tenants: 1000, quick 100); "
                                    "default 100000,1000000, quick 10000,100000")
    ap.add_argument("--flush-seconds", type=int,
                    help="seconds of load while the big state flushes; default 45, quick 10")
    a = ap.parse_args(argv)
    a.flush_seconds = a.flush_seconds or (10 if a.quick else 45)
    a.runs = a.runs or (1 if a.quick else 3)
    a.seconds = a.seconds or (1 if a.quick else 4)
    a.tenants = 100 if a.quick else 1000
    a.pg_groups = 300 if a.quick else 3000
    a.gravel_groups = 1000 if a.quick else 10000
    a.sizes = (tuple(int(n) for n in a.sizes.split(",")) if a.sizes
               else (10_000, 100_000) if a.quick else (100_000, 1_000_000))
    return a


def ratio(pushgate, other):
    return f"pushgate {pushgate / other:,.1f}x" if pushgate else ""


def median(xs):
    return statistics.median(xs)


class Bench(Targets):
    def __init__(self, args, procs, workdir):
        self.a = args
        self.procs = procs
        self.workdir = workdir
        self.rows = []
        self.rng = load.seeded()
        # remote_write.py: per size, each sink's end-to-end flush time (ms)
        self.flush_ms = {}

    def row(self, section, what, value, note=""):
        # the machine is shared: each figure carries the load average when it was taken
        load1 = open("/proc/loadavg").read().split()[0]
        self.rows.append((section, what, value, note, load1))
        print(f"  {what}: {value} {note}", file=sys.stderr, flush=True)

    def wrk_median(self, port, reqs, name):
        script = os.path.join(self.workdir, f"{name}.lua")
        load.write_lua(script, reqs)
        rates = [load.wrk(port, script, self.a.seconds, self.a.connections, 1)[0]
                 for _ in range(self.a.runs)]
        return median(rates)

    def signup(self, port, n):
        def one(i):
            http = Http(port)
            status, body = http.json("POST", "/api/v1/auth/signup",
                                     {"email": f"bench{i}@example.com", "password": "bench password"})
            if status != 201:
                raise RuntimeError(f"signup {i}: HTTP {status} {body}")
            return body["api_key"]["api_key"], body["api_key"]["api_secret"]
        with ThreadPoolExecutor(8) as ex:
            return list(ex.map(one, range(n)))

    # (1) ingestion, (2) the floor
    def ingestion(self, port, tenants):
        health = self.wrk_median(port, [("GET", "/api/v1/health", {}, None)], "health")
        self.row("floor", "GET /api/v1/health", f"{health:,.0f} req/s")
        peak = {}
        for size in (1, 10, 100):
            reqs = load.batches(self.rng, tenants, size, 2000 if size < 100 else 500)
            before = own_counters(port)
            rps = self.wrk_median(port, reqs, f"ingest{size}")
            after = own_counters(port)
            peak[size] = (rps, reqs)
            self.row("ingestion", f"POST /api/v1/metrics, {size}-item batches",
                     f"{rps:,.0f} req/s = {rps * size:,.0f} samples/s",
                     f"{rps / health:.2f} of /health")
            if size == 10:
                self.contention_rows("10-item batches at peak", before, after)
        self.check_nothing_rejected(port)
        rps10, reqs10 = peak[10]
        if not shutil.which("oha"):
            self.row("ingestion", "latency at half peak", "not measured", "(oha missing)")
            return health, rps10
        method, path, headers, body = reqs10[0]
        lat = [load.oha(port, path, headers, body, int(rps10 / 2), self.a.seconds, self.a.connections,
                        self.workdir) for _ in range(self.a.runs)]
        self.row("ingestion", f"latency of 10-item batches at {rps10 / 2:,.0f} req/s (half peak)",
                 f"p50 {median([x[0] for x in lat]):.2f} ms, p99 {median([x[1] for x in lat]):.2f} ms",
                 f"(held {median([x[2] for x in lat]):,.0f} req/s)")
        return health, rps10

    def check_nothing_rejected(self, port):
        status, text = Http(port).request("GET", "/metrics")
        rejected = [line for line in text.decode().splitlines()
                    if line.startswith("pushgate_items_rejected_total") and not line.endswith(" 0")]
        if status != 200 or rejected:
            raise RuntimeError(f"the server rejected items, the figures would be wrong: {rejected}")

    # (3) the alternatives, with the same 10-sample batches
    def alternatives(self, rps10):
        item_batches = [load.distinct_items(self.rng, 10) for _ in range(500)]
        texts = [load.exposition(items) for items in item_batches]
        ctype = {"Content-Type": "text/plain; version=0.0.4"}

        pg, pg_port = self.procs.pushgateway("pushgateway-direct")
        one = [("PUT", "/metrics/job/bench/instance/0", ctype, t) for t in texts]
        empty = self.wrk_median(pg_port, one, "pg-empty")
        self.row("alternatives", "PUT to the Pushgateway, empty (one group)", f"{empty:,.0f} req/s",
                 ratio(rps10, empty))
        self.fill_groups(pg_port, "PUT", self.a.pg_groups, texts, ctype)
        many = [("PUT", f"/metrics/job/bench/instance/{self.rng.randrange(self.a.pg_groups)}", ctype, t)
                for t in texts]
        full = self.wrk_median(pg_port, many, "pg-full")
        self.row("alternatives", f"PUT to the Pushgateway holding {self.a.pg_groups:,} groups",
                 f"{full:,.0f} req/s", ratio(rps10, full))
        self.procs.stop(pg)

        gravel_bin = shutil.which("gravel-gateway")
        auth_file = os.path.join(self.workdir, "gravel-auth")
        configs = [("no auth", None)]
        hashed = subprocess.run(["python3", "-W", "ignore", "-c", BCRYPT_HASH], capture_output=True,
                                text=True).stdout.strip()
        if hashed.startswith("$2"):
            with open(auth_file, "w") as f:
                f.write(hashed + "\n")
            configs.append(("basic auth, bcrypt cost 4", auth_file))
        else:  # Python's crypt module is gone from 3.13 on
            self.row("alternatives", "gravel-gateway with auth", "not measured", "(no bcrypt hash)")
        for label, auth in configs:
            gv, gv_port = self.procs.gravel("gravel", gravel_bin, auth)
            h = {**ctype, **({"Authorization": "Basic YmVuY2g6YmVuY2gtdG9rZW4="} if auth else {})}
            one = [("POST", "/metrics/job/bench", h, t) for t in texts]
            r1 = self.wrk_median(gv_port, one, "gravel-one")
            self.row("alternatives", f"POST to gravel-gateway ({label}), one group",
                     f"{r1:,.0f} req/s", ratio(rps10, r1))
            # a fresh one: gravel refuses a family whose label names change (job -> job+instance)
            self.procs.stop(gv)
            gv, gv_port = self.procs.gravel("gravel", gravel_bin, auth)
            self.fill_groups(gv_port, "POST", self.a.gravel_groups, texts, h)
            many = [("POST", f"/metrics/job/bench/instance/{self.rng.randrange(self.a.gravel_groups)}", h, t)
                    for t in texts]
            rn = self.wrk_median(gv_port, many, "gravel-many")
            self.row("alternatives", f"POST to gravel-gateway ({label}), {self.a.gravel_groups:,} groups",
                     f"{rn:,.0f} req/s", ratio(rps10, rn))
            self.procs.stop(gv)

    def fill_groups(self, port, method, n, texts, headers):
        def part(start):
            http = Http(port)
            for g in range(start, n, 4):
                status, body = http.request(method, f"/metrics/job/bench/instance/{g}",
                                            texts[g % len(texts)], headers)
                if status >= 300:
                    raise RuntimeError(f"filling group {g}: HTTP {status} {body[:200]}")
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(part, range(4)))

    # (4) memory and (5) forwarding, on a fresh server process (its own instance, no checkpoint)
    def memory(self, database_url, tenants):
        # its own Pushgateway: a PUT costs time in proportion to everything the Pushgateway holds
        _, pg_port = self.procs.pushgateway("pushgateway-mem")
        log = os.path.join(self.workdir, "pushgate-mem.log")
        proc, port = self.procs.pushgate("pushgate-mem", PUSHGATE, database_url, pg_port, "bench-mem")
        http = Http(port)
        seen = flushes_logged(log)
        self.fill(http, tenants, 1)
        self.wait_flush(log, seen, len(tenants))
        base = rss_bytes(proc.pid)
        base_series = len(tenants)
        for total in self.a.sizes:
            seen = flushes_logged(log)
            self.fill(http, tenants, total // len(tenants))
            flushes = [self.wait_flush(log, seen, total)]
            for _ in range(self.a.runs - 1):
                seen = flushes_logged(log)
                self.fill(http, tenants[:1], 1)  # one changed series: the next flush is due
                flushes.append(self.wait_flush(log, seen, total))
            rss = rss_bytes(proc.pid)
            per = (rss - base) / (total - base_series)
            self.row("memory", f"RSS per active series at {total:,} series ({len(tenants):,} tenants)",
                     f"{per:,.0f} bytes", f"(RSS {rss / 2**20:,.0f} MiB, {base / 2**20:,.0f} MiB at start)")
            med = {k: median([f[k] for f in flushes]) for k in flushes[0]}
            self.row("forwarding", f"flush of {total:,} series: render + PUT",
                     f"{(med['render_ms'] + med['put_ms']) / 1e3:.2f} s",
                     f"(render {med['render_ms']:,.0f} ms, Pushgateway's PUT {med['put_ms']:,.0f} ms, "
                     f"snapshot {med['snapshot_ms']:,.0f} ms, checkpoint {med['checkpoint_ms']:,.0f} ms)")
        self.procs.stop(proc)

    def fill(self, http, tenants, per_tenant):
        """Gives every tenant exactly `per_tenant` series (1,000 items per request)."""
        for key, secret in tenants:
            for start in range(0, per_tenant, 1000):
                items = [load.fill_item(j) for j in range(start, min(per_tenant, start + 1000))]
                status, body = http.json("POST", "/api/v1/metrics", {"metrics": items},
                                         {"X-API-Key": key, "X-API-Secret": secret})
                if status != 200 or body["rejected"]:
                    raise RuntimeError(f"fill: HTTP {status} {str(body)[:300]}")

    def wait_flush(self, log_path, seen, series):
        """Waits for a flush logged after the first `seen` ones holding `series` series; returns
        its figures (ms)."""
        def next_flush():
            for line in flush_lines(log_path)[seen:]:
                fields = json.loads(line)["fields"]
                if fields.get("series") == series:
                    return {k: float(v) for k, v in fields.items() if k.endswith("_ms")}
            return None
        return wait_until(f"a flush of {series} series", next_flush, timeout=180, every=0.2)


def flush_lines(log_path):
    with open(log_path) as f:
        return [line for line in f if '"flush done"' in line]


def flushes_logged(log_path):
    return len(flush_lines(log_path))


BCRYPT_HASH = "import crypt; print(crypt.crypt('bench-token', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))"


def postgres_binary():
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return f"/usr/lib/postgresql/{versions[-1]}/bin/postgres"


def installed(crate):
    """The version `cargo install` put in place (gravel-gateway --version prints none)."""
    try:
        listing = subprocess.run(["cargo", "install", "--list"], capture_output=True, text=True,
                                 timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    found = re.search(rf"^{re.escape(crate)} (v\S+):", listing, re.M)
    return f"{crate} {found.group(1)}" if found else "?"


def versions():
    def first_line(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    git = first_line(["git", "-C", ROOT, "log", "-1", "--format=%h %cd", "--date=iso"])
    return [
        ("machine", f"{os.cpu_count()} cores, {first_line(['uname', '-srm'])}, "
                    f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB"),
        ("pushgate", f"{first_line([PUSHGATE, '--version'])} (release build, commit {git})"),
        ("prometheus-pushgateway", first_line(["prometheus-pushgateway", "--version"])),
        ("prometheus / victoria-metrics", f"{first_line(['prometheus', '--version'])} / "
                                          f"{first_line(['victoria-metrics', '-version'])}"),
        ("gravel-gateway", installed("gravel-gateway")),
        ("wrk / oha", f"{first_line(['wrk', '-v'])} / {first_line(['oha', '--version'])}"),
        ("postgres", first_line([postgres_binary(), "--version"])),
    ]


def main(argv):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="pushgate-bench.")
    procs = Procs(workdir)
    started = time.monotonic()
    load_before = open("/proc/loadavg").read().split()[:3]
    b = Bench(args, procs, workdir)
    try:
        database_url = procs.postgres()
        pgw, pgw_port = procs.pushgateway("pushgateway")
        proc, port = procs.pushgate("pushgate", PUSHGATE, database_url, pgw_port, "bench")
        print(f"signing up {args.tenants} tenants…", file=sys.stderr, flush=True)
        tenants = b.signup(port, args.tenants)
        parts = args.parts.split(",")
        rps10 = None
        if "ingestion" in parts:
            _, rps10 = b.ingestion(port, tenants)
        procs.stop(proc)
        if "workers" in parts:
            b.workers(PUSHGATE, database_url, tenants)
        if "flush" in parts:
            b.flush_under_load(PUSHGATE, database_url, tenants, rps10, flushes_logged)
        if "alternatives" in parts:
            b.alternatives(rps10)
        if "memory" in parts:
            b.memory(database_url, tenants)
        if "remote_write" in parts:
            remote_write.run(b, PUSHGATE, database_url, tenants)
    except Exception as e:  # the rows measured so far still print, with what stopped the run
        failed = e
        traceback.print_exc()
        b.row("error", "the run stopped", type(e).__name__, str(e)[:300])
    else:
        failed = None
    finally:
        procs.stop_all()
    load_after = open("/proc/loadavg").read().split()[:3]
    print_table(b.rows, args, time.monotonic() - started, load_before, load_after)
    if failed is not None:
        print(f"\nthe run stopped early; its logs are kept in {workdir}", file=sys.stderr)
        raise SystemExit(1)
    shutil.rmtree(workdir, ignore_errors=True)


def print_table(rows, args, elapsed, load_before, load_after):
    print(f"\n## pushgate bench ({'quick' if args.quick else 'full'}: median of {args.runs} run(s), "
          f"{args.seconds} s each, {args.connections} connections, wrk -t1)\n")
    print(f"- cores: {os.cpu_count()} (the load generators run on the same cores)")
    for k, v in versions():
        print(f"- {k}: {v}")
    print(f"- load average before / after: {' '.join(load_before)} / {' '.join(load_after)}")
    print(f"- whole run: {elapsed:.0f} s\n")
    print(f"| part | what | figure | note | load (1 min), {os.cpu_count()} cores |")
    print("| --- | --- | --- | --- | --- |")
    for section, what, value, note, load1 in rows:
        print(f"| {section} | {what} | {value} | {note} | {load1} |")


if __name__ == "__main__":
    main(sys.argv[1:])
