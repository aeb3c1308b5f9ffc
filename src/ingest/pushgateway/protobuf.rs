//! The delimited protobuf format: a stream of `io.prometheus.client.MetricFamily` messages,
//! each behind its varint length, read with the `prometheus` crate's generated types (what Go
//! clients push by default).

use super::body::{PushedFamily, PushedKind, PushedMetric, PushedValue};
use ::protobuf::CodedInputStream;
use prometheus::proto::{self, MetricType};

pub fn parse(body: &[u8]) -> Result<Vec<PushedFamily>, String> {
    let mut input = CodedInputStream::from_bytes(body);
    let mut families = Vec::new();
    while !input.eof().map_err(|e| protobuf_error(&e))? {
        let family: proto::MetricFamily = input.read_message().map_err(|e| protobuf_error(&e))?;
        families.push(from_protobuf(family)?);
    }
    Ok(families)
}

fn protobuf_error(e: &::protobuf::Error) -> String {
    format!(
        "the body is not a delimited stream of io.prometheus.client.MetricFamily messages ({e}); check the Content-Type or send the text format"
    )
}

fn from_protobuf(family: proto::MetricFamily) -> Result<PushedFamily, String> {
    let name = family.name().to_owned();
    let kind = match family.type_.map(|t| t.enum_value()) {
        None => PushedKind::Untyped,
        Some(Ok(MetricType::COUNTER)) => PushedKind::Counter,
        Some(Ok(MetricType::GAUGE)) => PushedKind::Gauge,
        Some(Ok(MetricType::HISTOGRAM)) => PushedKind::Histogram,
        Some(Ok(MetricType::SUMMARY)) => PushedKind::Summary,
        Some(Ok(MetricType::UNTYPED)) => PushedKind::Untyped,
        Some(Err(other)) => {
            return Err(format!(
                "metric family {name:?} has type {other}, which pushgate does not take: push counters, gauges, classic histograms, summaries or untyped metrics"
            ));
        }
    };
    let metrics = family
        .metric
        .iter()
        .map(|m| {
            Ok(PushedMetric {
                labels: m
                    .label
                    .iter()
                    .map(|l| (l.name().to_owned(), l.value().to_owned()))
                    .collect(),
                value: protobuf_value(kind, m)
                    .map_err(|e| format!("metric family {name:?}: {e}"))?,
                has_timestamp: m.has_timestamp_ms(),
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(PushedFamily {
        help: family.help().to_owned(),
        name,
        kind,
        metrics,
    })
}

fn protobuf_value(kind: PushedKind, m: &proto::Metric) -> Result<PushedValue, String> {
    let missing = |what: &str| {
        format!(
            "a metric of this {what} family carries no {what} value: set the field that matches the family's type"
        )
    };
    let opt = |present: bool, v: f64| present.then_some(v);
    Ok(match kind {
        PushedKind::Counter => PushedValue::Single(
            m.counter
                .as_ref()
                .ok_or_else(|| missing("counter"))?
                .value(),
        ),
        PushedKind::Gauge => {
            PushedValue::Single(m.gauge.as_ref().ok_or_else(|| missing("gauge"))?.value())
        }
        PushedKind::Untyped => PushedValue::Single(
            m.untyped
                .as_ref()
                .ok_or_else(|| missing("untyped"))?
                .value(),
        ),
        PushedKind::Histogram => {
            let h = m.histogram.as_ref().ok_or_else(|| missing("histogram"))?;
            PushedValue::Histogram {
                buckets: h
                    .bucket
                    .iter()
                    .map(|b| (b.upper_bound(), b.cumulative_count() as f64))
                    .collect(),
                sum: opt(h.has_sample_sum(), h.sample_sum()),
                count: opt(h.has_sample_count(), h.sample_count() as f64),
            }
        }
        PushedKind::Summary => {
            let s = m.summary.as_ref().ok_or_else(|| missing("summary"))?;
            PushedValue::Summary {
                quantiles: s
                    .quantile
                    .iter()
                    .map(|q| (q.quantile(), q.value()))
                    .collect(),
                sum: opt(s.has_sample_sum(), s.sample_sum()),
                count: opt(s.has_sample_count(), s.sample_count() as f64),
            }
        }
    })
}
