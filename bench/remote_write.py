"""The remote-write part of the bench (issue 15, docs/performance.md): one flush of 100k and
1M series through each sink, side by side in one run: the Pushgateway's PUT, and remote write
into VictoriaMetrics and into Prometheus (its remote-write receiver).

For each receiver a pushgate of its own (only that sink) is filled to the size, then restarted
`runs` times: the first flush after a start sends every series (remote write otherwise sends
only what changed), so each restart measures one whole flush of the restored state."""

import http.client
import json
import os
import time
import urllib.parse

from procs import Http, wait_until

# as in src/sinks/remote_write (MAX_SERIES_PER_REQUEST, IN_FLIGHT)
REQUEST_SERIES = 2_000
IN_FLIGHT = 8


def flush_lines(log_path, sink):
    with open(log_path) as f:
        return [json.loads(line)["fields"] for line in f
                if '"flush done"' in line and f'"sink":"{sink}"' in line]


def wait_flush(log_path, sink, seen, series):
    def next_flush():
        for fields in flush_lines(log_path, sink)[seen:]:
            if fields.get("series") == series:
                return fields
        return None
    return wait_until(f"a {sink} flush of {series} series", next_flush, timeout=300, every=0.2)


def receivers(procs, which):
    """(label, sink name, the Pushgateway's port or None, pushgate's extra settings, query port
    or None, the receiver's process) of each receiver in `which`, each started now and stopped
    after its rows."""
    if "pushgateway" in which:
        pgw, pgw_port = procs.pushgateway("rw-pushgateway")
        yield "Pushgateway PUT", "pushgateway", pgw_port, {}, None, pgw
        procs.stop(pgw)
    if "victoria" in which:
        vm, vm_port = procs.victoria("rw-victoria")
        yield ("remote write into VictoriaMetrics", "remote_write", None,
               {"PUSHGATE_REMOTE_WRITE_URL": f"http://127.0.0.1:{vm_port}/api/v1/write"}, vm_port, vm)
        procs.stop(vm)
    if "prometheus" in which:
        prom, prom_port = procs.prometheus_receiver("rw-prometheus")
        yield ("remote write into Prometheus", "remote_write", None,
               {"PUSHGATE_REMOTE_WRITE_URL": f"http://127.0.0.1:{prom_port}/api/v1/write"}, prom_port, prom)
        procs.stop(prom)


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_series(port, instance):
    """`count()` of `instance`'s series as the receiver answers it: (count, None) or
    (None, why not)."""
    q = urllib.parse.quote(f'count({{job="pushgate",instance="{instance}"}})')
    try:
        status, body = Http(port, 150).request("GET", "/api/v1/query?query=" + q)
    except (OSError, http.client.HTTPException) as e:
        return None, f"count() failed: {type(e).__name__} {e}"
    if status != 200:
        return None, f"count() answered HTTP {status}: {body[:200].decode(errors='replace')}"
    try:
        result = json.loads(body)["data"]["result"]
        return (int(float(result[0]["value"][1])) if result else 0), None
    except (ValueError, KeyError, IndexError, TypeError) as e:
        return None, f"count() answered something unreadable ({type(e).__name__}): {body[:200]!r}"


def stored_series(port, instance, expected, timeout=90):
    """What the receiver counts of `instance`'s series, polled until it holds `expected` (a
    receiver makes samples searchable a little after it acknowledged them) or the deadline
    passes; never raises: the figure or the error goes into the row's note."""
    deadline = time.monotonic() + timeout
    while True:
        count, error = count_series(port, instance)
        if count is not None and count >= expected:
            return f"the receiver then answers count() = {count:,}"
        if time.monotonic() >= deadline:
            return (f"the receiver then answers count() = {count:,} (expected {expected:,})"
                    if error is None else f"the receiver's {error}")
        time.sleep(1)


def run(bench, binary, database_url, tenants):
    a, procs = bench.a, bench.procs
    for label, sink, pgw_port, env, query_port, receiver in receivers(procs, a.receivers.split(",")):
        instance = f"bench-rw-{sink}-{query_port or pgw_port}"
        name = f"pushgate-{instance}"
        log = os.path.join(bench.workdir, f"{name}.log")
        proc, port = procs.pushgate(name, binary, database_url, pgw_port, instance, env)
        for total in a.sizes:
            bench.fill(Http(port), tenants, total // len(tenants))
            wait_flush(log, sink, 0, total)
            flushes, cpu = [], []
            for _ in range(a.runs):
                procs.stop(proc)  # SIGTERM: the final flush and checkpoint
                seen = len(flush_lines(log, sink))
                before = cpu_seconds(receiver.pid)
                proc, port = procs.pushgate(name, binary, database_url, pgw_port, instance, env)
                flushes.append(wait_flush(log, sink, seen, total))
                cpu.append(cpu_seconds(receiver.pid) - before)
            med = {k: sorted(f[k] for f in flushes)[len(flushes) // 2]
                   for k in ("render_ms", "put_ms", "samples")}
            receiver_cpu = sorted(cpu)[len(cpu) // 2]
            if sink == "pushgateway":
                own, put = med["render_ms"], med["put_ms"]
                end = own + put
                note = (f"(pushgate renders {own:,.0f} ms, the Pushgateway's PUT {put:,.0f} ms, "
                        f"the Pushgateway's CPU {receiver_cpu:,.2f} s; "
                        f"{int(med['samples']):,} series in one PUT)")
            else:
                end, own = med["put_ms"], med["render_ms"]
                stored = stored_series(query_port, instance, int(med["samples"]))
                note = (f"(pushgate's encoding {own:,.0f} ms of it, alongside the requests; the "
                        f"receiver's CPU {receiver_cpu:,.2f} s; {int(med['samples']):,} sample series "
                        f"in requests of {REQUEST_SERIES:,}, {IN_FLIGHT} in flight; {stored})")
            bench.row("remote write", f"flush of {total:,} series: {label}, end to end",
                      f"{end / 1e3:.2f} s", note)
            bench.flush_ms.setdefault(total, {})[label] = end
        procs.stop(proc)
    for total, by in bench.flush_ms.items():
        pgw = by.get("Pushgateway PUT")
        for label, ms in by.items():
            if label != "Pushgateway PUT" and pgw:
                ratio = f"{pgw / ms:,.1f}x faster" if ms <= pgw else f"{ms / pgw:,.1f}x slower"
                bench.row("remote write", f"{total:,} series: {label} vs the Pushgateway PUT",
                          ratio, "")
