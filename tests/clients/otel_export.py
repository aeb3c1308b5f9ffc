"""Exports with the OpenTelemetry Python SDK and its OTLP/HTTP protobuf exporter, as an
instrumented service would. Reads one JSON command on stdin:

{"endpoint": "http://127.0.0.1:3000", "key": "pk_…", "secret": "sk_…",
 "temporality": "cumulative" | "delta", "gzip": false,
 "resource": {"service.name": "billing", "service.instance.id": "pod-1"},
 "rounds": [[{"instrument": "counter", "name": "jobs.done", "unit": "{job}", "value": 5,
              "attributes": {"queue": "a"}},
             {"instrument": "up_down_counter", "name": "queue.depth", "value": -2},
             {"instrument": "histogram", "name": "job.duration", "unit": "s",
              "boundaries": [0.5, 1], "value": 0.3}], …]}

Each round records its measurements, then flushes: one export per round. Exits non-zero when
an export fails.
"""

import json
import sys

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource


def main():
    command = json.load(sys.stdin)
    temporality = {
        "cumulative": AggregationTemporality.CUMULATIVE,
        "delta": AggregationTemporality.DELTA,
    }[command["temporality"]]
    exporter = OTLPMetricExporter(
        endpoint=command["endpoint"].rstrip("/") + "/v1/metrics",
        headers={"X-API-Key": command["key"], "X-API-Secret": command["secret"]},
        compression=Compression.Gzip if command.get("gzip") else Compression.NoCompression,
        preferred_temporality={
            Counter: temporality,
            UpDownCounter: temporality,
            Histogram: temporality,
        },
    )
    # exports only when flushed: one export per round
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    # one view per histogram (two views matching one instrument would export it twice)
    boundaries = {
        m["name"]: m["boundaries"]
        for round_ in command["rounds"]
        for m in round_
        if m["instrument"] == "histogram" and "boundaries" in m
    }
    views = [
        View(instrument_name=name, aggregation=ExplicitBucketHistogramAggregation(b))
        for name, b in boundaries.items()
    ]
    provider = MeterProvider(
        metric_readers=[reader],
        resource=Resource.create(command.get("resource", {})),
        views=views,
    )
    meter = provider.get_meter("pushgate-intake-test")
    instruments = {}
    failed = False
    for round_ in command["rounds"]:
        for m in round_:
            key = (m["instrument"], m["name"])
            if key not in instruments:
                make = {
                    "counter": meter.create_counter,
                    "up_down_counter": meter.create_up_down_counter,
                    "histogram": meter.create_histogram,
                }[m["instrument"]]
                instruments[key] = make(m["name"], unit=m.get("unit", ""), description=m.get("description", ""))
            instrument = instruments[key]
            if m["instrument"] == "histogram":
                instrument.record(m["value"], attributes=m.get("attributes"))
            else:
                instrument.add(m["value"], attributes=m.get("attributes"))
        if not provider.force_flush(timeout_millis=10_000):
            failed = True
    provider.shutdown()
    if failed:
        print("an export failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
