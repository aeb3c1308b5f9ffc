"""The read path's own overhead (issue 13): the same PromQL query sent straight to Prometheus
and through pushgate's /prometheus/api/v1/query (authentication, parsing, the tenant rewrite,
serialisation, re-parse check, forwarding and relaying the answer), one run each with wrk.

Starts a throwaway Postgres, a Pushgateway, a Prometheus scraping it every second and the
release pushgate on 127.0.0.1; one tenant pushes SERIES series of a counter and a histogram;
then each form of the query is loaded for SECONDS with CONNECTIONS connections.
    bench/run --query [--seconds S] [--connections C] [--series N]"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

from procs import Http, Procs, free_port, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUSHGATE = os.path.join(ROOT, "target/release/pushgate")
QUERIES = [
    "sum(rate(bench_orders_total[1m]))",
    "histogram_quantile(0.9, sum by (le) (rate(bench_latency_seconds_bucket[1m])))",
    'sum by (shop) (bench_orders_total{shop=~"s1.*"})',
]


def wrk(url, headers, seconds, connections):
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    out = subprocess.run(argv + [url], check=True, capture_output=True, text=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} requests failed:\n{out}")

    def ms(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]

    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms(50), ms(99)


def main(argv):
    ap = argparse.ArgumentParser(prog="bench/run --query", description=__doc__)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--series", type=int, default=200)
    args = ap.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="pushgate-bench-query.")
    procs = Procs(workdir)
    rows = []
    try:
        database_url = procs.postgres()
        _, pgw_port = procs.pushgateway("pushgateway")
        prom_port = free_port()
        with open(os.path.join(workdir, "prometheus.yml"), "w") as f:
            f.write("global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s}\n"
                    "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{pgw_port}']}}]\n")
        procs.spawn("prometheus", ["prometheus", f"--config.file={workdir}/prometheus.yml",
                                   f"--storage.tsdb.path={workdir}/prom-data",
                                   f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"])
        wait_until("Prometheus", lambda: Http(prom_port, 2).request("GET", "/-/ready")[0] == 200)
        os.environ["PUSHGATE_PROMETHEUS_URL"] = f"http://127.0.0.1:{prom_port}"
        _, port = procs.pushgate("pushgate", PUSHGATE, database_url, pgw_port, "bench")
        http = Http(port)
        status, signup = http.json("POST", "/api/v1/auth/signup", {"email": "bench@example.com", "password": "correct horse battery"})
        assert status == 201, signup
        token, tenant = signup["access_token"], signup["user"]["id"]
        status, key = http.json("POST", "/api/v1/apikeys", {"key_name": "read", "scopes": ["push", "read"]},
                                {"Authorization": f"Bearer {token}"})
        assert status == 201, key
        auth = "Basic " + base64.b64encode(f"{key['api_key']}:{key['api_secret']}".encode()).decode()
        push = {"X-API-Key": key["api_key"], "X-API-Secret": key["api_secret"]}
        for round_ in range(3):
            items = [{"name": "bench_orders_total", "type": "counter", "value": 1 + round_, "labels": {"shop": f"s{i}"}}
                     for i in range(args.series)]
            items += [{"name": "bench_latency_seconds", "type": "histogram", "value": 0.1 * (i % 30), "labels": {"shop": f"s{i % 20}"}}
                      for i in range(600)]
            status, body = http.json("POST", "/api/v1/metrics", {"metrics": items}, push)
            assert status == 200, body
            want = sum(1 + r for r in range(round_ + 1)) * args.series
            wait_until("Prometheus to hold the round", lambda: _holds(prom_port, f'sum(bench_orders_total{{tenant="{tenant}"}})', want), 60)
        for q in QUERIES:
            direct = _scope_by_hand(q, tenant)
            d = wrk(f"http://127.0.0.1:{prom_port}/api/v1/query?query={urllib.parse.quote(direct)}", {}, args.seconds, args.connections)
            p = wrk(f"http://127.0.0.1:{port}/prometheus/api/v1/query?query={urllib.parse.quote(q)}",
                    {"Authorization": auth}, args.seconds, args.connections)
            rows.append((q, d, p))
    finally:
        procs.stop_all()
    print(f"\nquery proxy overhead: {args.connections} connections, {args.seconds} s per form, wrk -t1, "
          f"{args.series} counter series + 20 histogram series; load before/after: {open('/proc/loadavg').read().split()[:3]}")
    print("| query | direct req/s | via pushgate req/s | direct p50 / p99 ms | via pushgate p50 / p99 ms | added p50 ms |")
    print("|---|---|---|---|---|---|")
    for q, (drps, d50, d99), (prps, p50, p99) in rows:
        print(f"| `{q}` | {drps:,.0f} | {prps:,.0f} | {d50:.2f} / {d99:.2f} | {p50:.2f} / {p99:.2f} | {p50 - d50:+.2f} |")
    shutil.rmtree(workdir, ignore_errors=True)


def _scope_by_hand(query, tenant):
    """The query as Prometheus would get it from the proxy, written by hand."""
    t = f'tenant="{tenant}"'
    out = query.replace("bench_orders_total{", "bench_orders_total{" + t + ",")
    out = re.sub(r"bench_orders_total(?![{_])", "bench_orders_total{" + t + "}", out)
    return out.replace("bench_latency_seconds_bucket[", "bench_latency_seconds_bucket{" + t + "}[")


def _holds(port, query, want):
    status, body = Http(port, 5).request("GET", "/api/v1/query?query=" + urllib.parse.quote(query))
    result = json.loads(body)["data"]["result"]
    return status == 200 and result and float(result[0]["value"][1]) == want


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main(sys.argv[1:])
