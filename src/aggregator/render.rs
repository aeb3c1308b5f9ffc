//! Renders a snapshot as Prometheus metric families and encodes them with the `prometheus`
//! crate's text encoder (never hand-escaped): one family per name, one HELP and one TYPE,
//! every series labelled with its tenant.

use super::snapshot::{Snapshot, ValueSnapshot};
use crate::domain::MetricKind;
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType, Quantile,
    Summary,
};
use prometheus::{Encoder, TextEncoder};

pub const TENANT_LABEL: &str = "tenant";
const DEFAULT_HELP: &str = "Custom metric pushed through pushgate.";

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

pub fn to_families(snapshot: &Snapshot) -> Vec<MetricFamily> {
    let mut families: Vec<MetricFamily> = snapshot
        .families
        .iter()
        .filter(|f| !f.series.is_empty())
        .map(|f| {
            let mut family = MetricFamily::default();
            family.set_name(f.name.clone());
            family.set_help(f.help.clone().unwrap_or_else(|| DEFAULT_HELP.to_owned()));
            family.set_field_type(metric_type(f.kind));
            let metrics = f
                .series
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
                .collect();
            family.set_metric(metrics);
            family
        })
        .collect();
    families.sort_by(|a, b| a.name().cmp(b.name()));
    families
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

/// The text exposition of a snapshot, ready to PUT to the Pushgateway.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, prometheus::Error> {
    let families = to_families(snapshot);
    let mut buf = Vec::with_capacity(snapshot.series_count() * 96);
    TextEncoder::new().encode(&families, &mut buf)?;
    Ok(buf)
}
