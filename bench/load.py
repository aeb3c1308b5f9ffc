"""The workload (tenants, metrics, label values) and the two load generators: wrk for peak
requests/s (a Lua script rotates pre-generated requests across tenants), oha for latency at a
fixed rate (-q holds the rate open-loop, so slow answers do not hide queueing)."""

import json
import os
import random
import re
import subprocess

# 10 metric names of a typical site: 6 counters, 3 gauges, 1 histogram.
METRICS = [
    ("views_total", "counter"), ("clicks_total", "counter"), ("signups_total", "counter"),
    ("errors_total", "counter"), ("api_calls_total", "counter"), ("cart_adds_total", "counter"),
    ("cart_value", "gauge"), ("active_users", "gauge"), ("queue_depth", "gauge"),
    ("load_seconds", "histogram"),
]
PATHS = ["/", "/pricing", "/docs", "/blog", "/login", "/signup", "/cart", "/checkout"] + [
    f"/blog/post-{i}" for i in range(42)]
STATUSES = ["200", "304", "404", "500"]
BROWSERS = ["chrome", "firefox", "safari", "edge"]
WITH_BROWSER = {"views_total", "clicks_total", "load_seconds"}
HIST_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]


def random_item(rng):
    name, kind = rng.choice(METRICS)
    labels = {"path": rng.choice(PATHS), "status": rng.choice(STATUSES)}
    if name in WITH_BROWSER:  # each name keeps one set of label names (gravel insists)
        labels["browser"] = rng.choice(BROWSERS)
    if kind == "counter":
        value = rng.choice([1, 1, 1, 2, 5])
    elif kind == "gauge":
        value = round(rng.uniform(0, 500), 2)
    else:
        value = round(rng.expovariate(2.0), 4)
    return {"name": name, "type": kind, "value": value, "labels": labels}


def fill_item(j):
    """The j-th series of a tenant in the memory fill: 10 names x 50 paths x 2 statuses."""
    name, kind = METRICS[j % 10]
    rest = j // 10
    labels = {"path": PATHS[rest % 50], "status": STATUSES[(rest // 50) % 2]}
    return {"name": name, "type": kind, "value": 1, "labels": labels}


def exposition(items):
    """The same samples as Prometheus text, as a user without pushgate would PUT them: one
    TYPE line per name, a histogram observation as its buckets, sum and count."""
    by_name = {}
    for it in items:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(it["labels"].items()))
        lines = by_name.setdefault(it["name"], [f"# TYPE {it['name']} {it['type']}"])
        if it["type"] == "histogram":
            for b in HIST_BOUNDS:  # one observation: cumulative counts are 0, then 1
                lines.append(f'{it["name"]}_bucket{{{labels},le="{b}"}} {int(it["value"] <= b)}')
            lines.append(f'{it["name"]}_bucket{{{labels},le="+Inf"}} 1')
            lines.append(f'{it["name"]}_sum{{{labels}}} {it["value"]}')
            lines.append(f'{it["name"]}_count{{{labels}}} 1')
        else:
            lines.append(f"{it['name']}{{{labels}}} {it['value']}")
    return ("\n".join(line for lines in by_name.values() for line in lines) + "\n").encode()


def distinct_items(rng, size):
    """`size` items of distinct series (a Pushgateway push may not repeat a series)."""
    items, keys = [], set()
    while len(items) < size:
        it = random_item(rng)
        key = (it["name"], tuple(sorted(it["labels"].items())))
        if key not in keys:
            keys.add(key)
            items.append(it)
    return items


def lua_string(s):
    level = 0
    while f"]{'=' * level}]" in s:
        level += 1
    eq = "=" * level
    return f"[{eq}[{s}]{eq}]"


def write_lua(path, requests):
    """A wrk script that cycles through `requests`: (method, path, headers, body) tuples."""
    lines = ["local reqs = {}"]
    for method, url, headers, body in requests:
        # wrk.format adds no Host header at load time; HTTP/1.1 servers refuse a request without
        headers = {"Host": "127.0.0.1", **headers}
        h = ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items())
        b = lua_string(body.decode()) if body is not None else "nil"
        lines.append(f"reqs[#reqs + 1] = wrk.format({lua_string(method)}, {lua_string(url)}, {{{h}}}, {b})")
    lines += [
        "local i = 0",
        "function setup(thread) thread:set('offset', math.random(#reqs)) end",
        "function init(args) i = tonumber(offset or 0) end",
        "function request() i = i % #reqs + 1; return reqs[i] end",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def wrk(port, script, seconds, connections, threads):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script,
         f"http://127.0.0.1:{port}"],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    if bad and int(bad.group(1)) > total * 0.001:
        raise RuntimeError(f"{bad.group(1)} of {total} requests failed:\n{out}")
    return rps, (errs.group(1) if errs else "")


def oha(port, path, headers, body, rate, seconds, connections, workdir):
    body_file = os.path.join(workdir, "oha-body.json")
    with open(body_file, "wb") as f:
        f.write(body)
    argv = ["oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-q", str(rate),
            "-c", str(connections), "-m", "POST", "-D", body_file]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    argv.append(f"http://127.0.0.1:{port}{path}")
    res = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    codes = res.get("statusCodeDistribution", {})
    ok = sum(n for c, n in codes.items() if c.startswith("2"))
    if ok < sum(codes.values()) * 0.999:
        raise RuntimeError(f"oha saw failures: {codes}")
    p = res["latencyPercentiles"]
    return p["p50"] * 1e3, p["p99"] * 1e3, res["summary"]["requestsPerSec"]


def batches(rng, tenants, size, count):
    """`count` ingestion requests of `size` items from random tenants."""
    reqs = []
    for _ in range(count):
        key, secret = rng.choice(tenants)
        body = json.dumps({"metrics": distinct_items(rng, size)}).encode()
        reqs.append(("POST", "/api/v1/metrics",
                     {"X-API-Key": key, "X-API-Secret": secret, "Content-Type": "application/json"},
                     body))
    return reqs


def seeded():
    return random.Random(7)
