//! The Prometheus exposition of a snapshot: metric families encoded with the `prometheus`
//! crate's text encoder (never hand-escaped): one family per name, one HELP and one TYPE,
//! every series labelled with its tenant; or in the protobuf delimited format (`delimited`),
//! which is what the Pushgateway sink PUTs.

pub mod delimited;

use crate::aggregator::snapshot::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use crate::domain::{MetricKind, MetricSchema};
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType, Quantile,
    Summary,
};
use prometheus::{Encoder, TextEncoder};

pub const TENANT_LABEL: &str = "tenant";

fn label(name: &str, value: &str) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_owned());
    pair.set_value(value.to_owned());
    pair
}

fn metric_type(kind: MetricKind) -> MetricType {
    match kind {
        MetricKind::Counter => MetricType::COUNTER,
        MetricKind::Gauge => MetricType::GAUGE,
        MetricKind::Histogram => MetricType::HISTOGRAM,
        MetricKind::Summary => MetricType::SUMMARY,
    }
}

/// One metric family holding `series` (all or a slice of a family's series).
fn to_family(f: &FamilySnapshot, series: &[SeriesSnapshot]) -> MetricFamily {
    let mut family = header(f);
    family.set_metric(metrics(series));
    family
}

/// A family's name, help and type, without its series.
fn header(f: &FamilySnapshot) -> MetricFamily {
    let mut family = MetricFamily::default();
    family.set_name(f.name.clone());
    family.set_help(
        f.help
            .clone()
            .unwrap_or_else(|| MetricSchema::DEFAULT_HELP.to_owned()),
    );
    family.set_field_type(metric_type(f.kind));
    family
}

/// The series of a family (or of a slice of it), each labelled with its tenant.
fn metrics(series: &[SeriesSnapshot]) -> Vec<Metric> {
    series
        .iter()
        .map(|s| {
            let mut m = Metric::default();
            let mut labels = Vec::with_capacity(s.labels.len() + 1);
            labels.push(label(TENANT_LABEL, &s.tenant.to_string()));
            labels.extend(s.labels.iter().map(|(k, v)| label(k, v)));
            m.set_label(labels);
            set_value(&mut m, &s.value);
            m
        })
        .collect()
}

fn set_value(m: &mut Metric, value: &ValueSnapshot) {
    match value {
        ValueSnapshot::Counter(v) => {
            let mut c = Counter::default();
            c.set_value(*v);
            m.set_counter(c);
        }
        ValueSnapshot::Gauge(v) => {
            let mut g = Gauge::default();
            g.set_value(*v);
            m.set_gauge(g);
        }
        ValueSnapshot::Histogram {
            bounds,
            counts,
            sum,
            count,
        } => {
            let mut h = Histogram::default();
            let mut cumulative = 0;
            let buckets = bounds
                .iter()
                .zip(counts.iter())
                .map(|(bound, n)| {
                    cumulative += n;
                    let mut b = Bucket::default();
                    b.set_upper_bound(*bound);
                    b.set_cumulative_count(cumulative);
                    b
                })
                .collect();
            h.set_bucket(buckets);
            h.set_sample_sum(*sum);
            h.set_sample_count(*count);
            m.set_histogram(h);
        }
        ValueSnapshot::Summary {
            quantiles,
            values,
            sum,
            count,
        } => {
            let mut s = Summary::default();
            let qs = quantiles
                .iter()
                .zip(values.iter())
                .map(|(q, v)| {
                    let mut quantile = Quantile::default();
                    quantile.set_quantile(*q);
                    quantile.set_value(*v);
                    quantile
                })
                .collect();
            s.set_quantile(qs);
            s.set_sample_sum(*sum);
            s.set_sample_count(*count);
            m.set_summary(s);
        }
    }
}

/// Series per encoder call. A family is encoded in slices of this many series, so the
/// protobuf copies alive at once stay small (at 1M series, building them all at once took
/// hundreds of MB that the allocator kept after the push; see docs/performance.md).
const CHUNK: usize = 2048;

/// The families that hold series, by name.
fn sorted_families(snapshot: &Snapshot) -> Vec<&FamilySnapshot> {
    let mut families: Vec<&FamilySnapshot> = snapshot
        .families
        .iter()
        .filter(|f| !f.series.is_empty())
        .collect();
    families.sort_by(|a, b| a.name.cmp(&b.name));
    families
}

/// The text exposition of a snapshot, ready to PUT to the Pushgateway.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, prometheus::Error> {
    encode_in_chunks(snapshot, CHUNK)
}

fn encode_in_chunks(snapshot: &Snapshot, chunk: usize) -> Result<Vec<u8>, prometheus::Error> {
    let families = sorted_families(snapshot);
    let encoder = TextEncoder::new();
    let mut buf = Vec::with_capacity(snapshot.series_count() * 96);
    let mut part = Vec::new();
    for f in families {
        for (i, series) in f.series.chunks(chunk).enumerate() {
            let family = to_family(f, series);
            if i == 0 {
                encoder.encode(&[family], &mut buf)?;
                continue;
            }
            // A later slice of the same family: the encoder wrote its HELP and TYPE lines
            // again (one line each, the help text is escaped), which the Pushgateway refuses.
            part.clear();
            encoder.encode(&[family], &mut part)?;
            let body = part
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(1)
                .map_or(part.len(), |(at, _)| at + 1);
            buf.extend_from_slice(&part[body..]);
        }
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    pub(super) fn snapshot(n: usize) -> Snapshot {
        let tenant = UserId(uuid::Uuid::new_v4());
        let series = |value: fn(usize) -> ValueSnapshot| {
            (0..n)
                .map(|i| SeriesSnapshot {
                    tenant,
                    labels: vec![("path".into(), format!("/p\n\"{i}").into())].into(),
                    touched: 0,
                    declared: false,
                    value: value(i),
                })
                .collect()
        };
        Snapshot {
            families: vec![
                FamilySnapshot {
                    name: "views_total".into(),
                    kind: MetricKind::Counter,
                    help: Some("multi\nline help".into()),
                    series: series(|i| ValueSnapshot::Counter(i as f64)),
                },
                FamilySnapshot {
                    name: "load_seconds".into(),
                    kind: MetricKind::Histogram,
                    help: None,
                    series: series(|i| ValueSnapshot::Histogram {
                        bounds: vec![0.1, 1.0].into(),
                        counts: vec![i as u64, 1].into(),
                        sum: 2.0,
                        count: i as u64 + 1,
                    }),
                },
            ],
            ..Snapshot::default()
        }
    }

    #[test]
    fn chunked_encoding_equals_encoding_each_family_at_once() {
        let s = snapshot(7);
        let whole = encode_in_chunks(&s, usize::MAX).unwrap();
        for chunk in [1, 2, 3, 7] {
            assert_eq!(encode_in_chunks(&s, chunk).unwrap(), whole, "chunk {chunk}");
        }
        let text = String::from_utf8(whole).unwrap();
        assert_eq!(text.matches("# TYPE").count(), 2);
        assert_eq!(text.matches("# HELP").count(), 2);
        assert_eq!(text.matches("views_total{").count(), 7);
    }
}
