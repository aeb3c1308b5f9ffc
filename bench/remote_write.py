"""The remote-write part of the bench (issue 15, docs/performance.md): one flush of 100k and
1M series through each sink, side by side in one run: the Pushgateway's PUT, and remote write
into VictoriaMetrics and into Prometheus (its remote-write receiver).

For each receiver a pushgate of its own (only that sink) is filled to the size, then restarted
`runs` times: the first flush after a start sends every series (remote write otherwise sends
only what changed), so each restart measures one whole flush of the restored state."""

import json
import os

from procs import Http, wait_until


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


def receivers(procs):
    """(label, sink name, pushgate's extra settings, query port or None), each started now."""
    _, pgw = procs.pushgateway("rw-pushgateway")
    yield "Pushgateway PUT", "pushgateway", pgw, {}, None
    vm, vm_port = procs.victoria("rw-victoria")
    yield ("remote write into VictoriaMetrics", "remote_write", None,
           {"PUSHGATE_REMOTE_WRITE_URL": f"http://127.0.0.1:{vm_port}/api/v1/write"}, vm_port)
    procs.stop(vm)
    prom, prom_port = procs.prometheus_receiver("rw-prometheus")
    yield ("remote write into Prometheus", "remote_write", None,
           {"PUSHGATE_REMOTE_WRITE_URL": f"http://127.0.0.1:{prom_port}/api/v1/write"}, prom_port)
    procs.stop(prom)


def stored_series(port, instance):
    """How many series of `instance` the receiver answers for (that everything arrived)."""
    http = Http(port, 120)
    q = f'count({{job="pushgate",instance="{instance}"}})'
    status, body = http.request("GET", "/api/v1/query?query=" + q.replace("{", "%7B").replace("}", "%7D")
                                .replace('"', "%22").replace("=", "%3D").replace(",", "%2C"))
    result = json.loads(body)["data"]["result"] if status == 200 else []
    return int(float(result[0]["value"][1])) if result else 0


def run(bench, binary, database_url, tenants):
    a, procs = bench.a, bench.procs
    for label, sink, pgw_port, env, query_port in receivers(procs):
        instance = f"bench-rw-{sink}-{query_port or pgw_port}"
        name = f"pushgate-{instance}"
        log = os.path.join(bench.workdir, f"{name}.log")
        proc, port = procs.pushgate(name, binary, database_url, pgw_port, instance, env)
        for total in a.sizes:
            bench.fill(Http(port), tenants, total // len(tenants))
            wait_flush(log, sink, 0, total)
            flushes = []
            for _ in range(a.runs):
                procs.stop(proc)  # SIGTERM: the final flush and checkpoint
                seen = len(flush_lines(log, sink))
                proc, port = procs.pushgate(name, binary, database_url, pgw_port, instance, env)
                flushes.append(wait_flush(log, sink, seen, total))
            med = {k: sorted(f[k] for f in flushes)[len(flushes) // 2]
                   for k in ("render_ms", "put_ms", "samples")}
            if sink == "pushgateway":
                own, receiver = med["render_ms"], med["put_ms"]
                end = own + receiver
                note = (f"(pushgate renders {own:,.0f} ms, the Pushgateway's PUT {receiver:,.0f} ms; "
                        f"{int(med['samples']):,} series in one PUT)")
            else:
                end, own = med["put_ms"], med["render_ms"]
                stored = stored_series(query_port, instance)
                note = (f"(pushgate's encoding {own:,.0f} ms of it, alongside the requests; "
                        f"{int(med['samples']):,} sample series in requests of 5,000, 4 in flight; "
                        f"the receiver then answers count() = {stored:,})")
            bench.row("remote write", f"flush of {total:,} series: {label}, end to end",
                      f"{end / 1e3:.2f} s", note)
            bench.flush_ms.setdefault(total, {})[label] = end
        procs.stop(proc)
    for total, by in bench.flush_ms.items():
        pgw = by.get("Pushgateway PUT")
        for label, ms in by.items():
            if label != "Pushgateway PUT" and pgw:
                bench.row("remote write", f"{total:,} series: {label} vs the Pushgateway PUT",
                          f"{pgw / ms:,.1f}x faster", "")
