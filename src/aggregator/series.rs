//! One series' state and the per-type merge rules: counters add, gauges set/add, histograms
//! count observations into buckets, summaries keep sum, count and a sliding quantile window.

use super::summary::SlidingQuantiles;
use crate::domain::MetricKind;
use std::sync::Arc;

/// Prometheus' default histogram buckets, used when a config names none.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Quantiles of a summary whose config names none.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// What the samples of one metric of one tenant look like: its type, help and buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSchema {
    pub kind: MetricKind,
    pub help: Option<String>,
    pub buckets: Arc<[f64]>,
    pub quantiles: Arc<[f64]>,
}

impl MetricSchema {
    pub fn undeclared(kind: MetricKind) -> Self {
        Self {
            kind,
            help: None,
            buckets: DEFAULT_BUCKETS.into(),
            quantiles: DEFAULT_QUANTILES.into(),
        }
    }
}

/// One accepted item, ready to merge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    Add(f64),
    Set(f64),
    Observe(f64),
}

#[derive(Clone)]
pub enum SeriesValue {
    Counter(f64),
    Gauge(f64),
    Histogram {
        bounds: Arc<[f64]>,
        counts: Box<[u64]>,
        sum: f64,
        count: u64,
    },
    Summary {
        quantiles: Arc<[f64]>,
        sum: f64,
        count: u64,
        window: Box<SlidingQuantiles>,
    },
}

/// Sums of finite values can still overflow to an infinity, which would then be pushed for
/// good: saturate at the largest finite value instead (far past any meaningful total).
fn finite(x: f64) -> f64 {
    x.clamp(f64::MIN, f64::MAX)
}

impl SeriesValue {
    pub fn new(schema: &MetricSchema, now: i64) -> Self {
        match schema.kind {
            MetricKind::Counter => Self::Counter(0.0),
            MetricKind::Gauge => Self::Gauge(0.0),
            MetricKind::Histogram => Self::Histogram {
                bounds: schema.buckets.clone(),
                counts: vec![0; schema.buckets.len()].into_boxed_slice(),
                sum: 0.0,
                count: 0,
            },
            MetricKind::Summary => Self::Summary {
                quantiles: schema.quantiles.clone(),
                sum: 0.0,
                count: 0,
                window: Box::new(SlidingQuantiles::new(now)),
            },
        }
    }

    /// Applies one update. The validator guarantees the update fits the type; a mismatch is
    /// ignored rather than trusted.
    pub fn apply(&mut self, update: Update, now: i64) {
        match (self, update) {
            (Self::Counter(v), Update::Add(x)) => *v = finite(*v + x),
            (Self::Gauge(v), Update::Set(x)) => *v = x,
            (Self::Gauge(v), Update::Add(x)) => *v = finite(*v + x),
            (
                Self::Histogram {
                    bounds,
                    counts,
                    sum,
                    count,
                },
                Update::Observe(x),
            ) => {
                // non-cumulative counts: the first bucket whose upper bound holds x
                if let Some(i) = bounds.iter().position(|b| x <= *b) {
                    counts[i] += 1;
                }
                *sum = finite(*sum + x);
                *count += 1;
            }
            (
                Self::Summary {
                    sum, count, window, ..
                },
                Update::Observe(x),
            ) => {
                window.observe(x, now);
                *sum = finite(*sum + x);
                *count += 1;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_into_the_first_fitting_bucket() {
        let schema = MetricSchema {
            buckets: vec![1.0, 2.0].into(),
            ..MetricSchema::undeclared(MetricKind::Histogram)
        };
        let mut s = SeriesValue::new(&schema, 0);
        for x in [0.5, 1.0, 1.5, 3.0] {
            s.apply(Update::Observe(x), 0);
        }
        let SeriesValue::Histogram {
            counts, sum, count, ..
        } = s
        else {
            panic!()
        };
        assert_eq!(&*counts, &[2, 1]);
        assert_eq!((sum, count), (6.0, 4));
    }

    #[test]
    fn gauges_set_and_add() {
        let mut g = SeriesValue::new(&MetricSchema::undeclared(MetricKind::Gauge), 0);
        g.apply(Update::Set(5.0), 0);
        g.apply(Update::Add(-2.0), 0);
        assert!(matches!(g, SeriesValue::Gauge(v) if v == 3.0));
    }
}
