"""Pushes with Python's prometheus_client, as a batch job would: push_to_gateway (PUT),
pushadd_to_gateway (POST) or delete_from_gateway (DELETE), with a basic-auth handler carrying
the API key and secret. Reads one JSON command on stdin:

{"gateway": "http://127.0.0.1:3000", "key": "pk_…", "secret": "sk_…", "op": "push",
 "job": "nightly", "grouping_key": {"instance": "db1"},
 "metrics": [{"type": "counter", "name": "rows", "help": "Rows.", "labels": {"table": "users"},
              "value": 5},
             {"type": "gauge", "name": "temp", "value": 3.5},
             {"type": "histogram", "name": "took_seconds", "buckets": [0.5, 1], "observe": [0.2, 3]},
             {"type": "summary", "name": "size_bytes", "observe": [10, 20]}]}

Exits non-zero with the gateway's answer on stderr when the push fails.
"""

import functools
import json
import sys

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client.exposition import (
    basic_auth_handler,
    delete_from_gateway,
    push_to_gateway,
    pushadd_to_gateway,
)


def build(registry, spec):
    labels = spec.get("labels", {})
    names = sorted(labels)
    kind = spec["type"]
    help_text = spec.get("help", spec["name"])
    if kind == "counter":
        metric = Counter(spec["name"], help_text, names, registry=registry)
    elif kind == "gauge":
        metric = Gauge(spec["name"], help_text, names, registry=registry)
    elif kind == "histogram":
        metric = Histogram(spec["name"], help_text, names, buckets=spec["buckets"], registry=registry)
    elif kind == "summary":
        metric = Summary(spec["name"], help_text, names, registry=registry)
    else:
        raise ValueError(kind)
    child = metric.labels(**labels) if names else metric
    if kind == "counter":
        child.inc(spec["value"])
    elif kind == "gauge":
        child.set(spec["value"])
    else:
        for value in spec["observe"]:
            child.observe(value)


def main():
    command = json.load(sys.stdin)

    # as the README writes it
    handler = functools.partial(basic_auth_handler, username=command["key"], password=command["secret"])
    registry = CollectorRegistry()
    for spec in command.get("metrics", []):
        build(registry, spec)
    grouping_key = command.get("grouping_key", {})
    op = command["op"]
    if op == "delete":
        delete_from_gateway(command["gateway"], job=command["job"], grouping_key=grouping_key, handler=handler)
    else:
        push = push_to_gateway if op == "push" else pushadd_to_gateway
        push(command["gateway"], job=command["job"], registry=registry, grouping_key=grouping_key, handler=handler)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test reads the reason
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
