//! One series' state and the per-type merge rules: counters add, gauges set/add, histograms
//! count observations into buckets, summaries keep sum, count and a sliding quantile window.
//! Values a client computed itself (`CurrentValue`) replace the state, or add to it for a
//! delta.

use super::pushed::{CurrentValue, HistogramCounts, SummaryValues, Temporality};
use super::summary::SlidingQuantiles;
use crate::domain::{MetricKind, MetricSchema};
use std::sync::Arc;

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
    /// boxed, as both summaries are: the common counters and gauges keep a series' table
    /// entry small (docs/performance.md, memory per series)
    Histogram(Box<HistogramCounts>),
    Summary(Box<LiveSummary>),
    /// a summary whose quantiles a client library computed (the Pushgateway API): kept as sent
    PushedSummary(Box<SummaryValues>),
}

/// A summary pushgate computes from observations: its sliding window's quantiles.
#[derive(Clone)]
pub struct LiveSummary {
    pub quantiles: Arc<[f64]>,
    pub sum: f64,
    pub count: u64,
    pub window: SlidingQuantiles,
}

/// A delta could not be added: the histogram's buckets are not those the series counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundsChanged;

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
            MetricKind::Histogram => Self::Histogram(Box::new(HistogramCounts {
                bounds: schema.buckets.clone(),
                counts: vec![0; schema.buckets.len()].into_boxed_slice(),
                sum: 0.0,
                count: 0,
            })),
            MetricKind::Summary => Self::Summary(Box::new(LiveSummary {
                quantiles: schema.quantiles.clone(),
                sum: 0.0,
                count: 0,
                window: SlidingQuantiles::new(now),
            })),
        }
    }

    /// A series that starts with a value its client computed.
    pub fn from_current(value: &CurrentValue) -> Self {
        match value {
            CurrentValue::Counter(v) => Self::Counter(*v),
            CurrentValue::Gauge(v) => Self::Gauge(*v),
            CurrentValue::Histogram(h) => Self::Histogram(Box::new(h.clone())),
            CurrentValue::Summary(s) => Self::PushedSummary(Box::new(s.clone())),
        }
    }

    /// Merges a value its client computed: a cumulative one replaces the state, a delta is
    /// added to it (a histogram's only onto the same buckets). The kind matches: the
    /// aggregator checks the family's type first.
    pub fn merge(
        &mut self,
        value: &CurrentValue,
        temporality: Temporality,
    ) -> Result<(), BoundsChanged> {
        match (self, value, temporality) {
            (this, value, Temporality::Cumulative) => *this = Self::from_current(value),
            (Self::Counter(v), CurrentValue::Counter(x), Temporality::Delta)
            | (Self::Gauge(v), CurrentValue::Gauge(x), Temporality::Delta) => *v = finite(*v + x),
            (Self::Histogram(h), CurrentValue::Histogram(delta), Temporality::Delta) => {
                if h.bounds != delta.bounds {
                    return Err(BoundsChanged);
                }
                for (c, d) in h.counts.iter_mut().zip(delta.counts.iter()) {
                    *c = c.saturating_add(*d);
                }
                h.sum = finite(h.sum + delta.sum);
                h.count = h.count.saturating_add(delta.count);
            }
            (this, value, Temporality::Delta) => *this = Self::from_current(value),
        }
        Ok(())
    }

    /// Applies one update. The validator guarantees the update fits the type; a mismatch is
    /// ignored rather than trusted.
    pub fn apply(&mut self, update: Update, now: i64) {
        match (self, update) {
            (Self::Counter(v), Update::Add(x)) => *v = finite(*v + x),
            (Self::Gauge(v), Update::Set(x)) => *v = x,
            (Self::Gauge(v), Update::Add(x)) => *v = finite(*v + x),
            (Self::Histogram(h), Update::Observe(x)) => {
                // non-cumulative counts: the first bucket whose upper bound holds x
                if let Some(i) = h.bounds.iter().position(|b| x <= *b) {
                    h.counts[i] += 1;
                }
                h.sum = finite(h.sum + x);
                h.count += 1;
            }
            (Self::Summary(s), Update::Observe(x)) => {
                s.window.observe(x, now);
                s.sum = finite(s.sum + x);
                s.count += 1;
            }
            _ => {}
        }
    }
}

/// The shape of a series, compared with its config to see whether the config changed.
pub struct SeriesShape<'a> {
    pub kind: MetricKind,
    pub buckets: Option<&'a [f64]>,
    pub quantiles: Option<&'a [f64]>,
}

impl<'a> SeriesShape<'a> {
    pub(super) fn of(value: &'a SeriesValue) -> Self {
        let (kind, buckets, quantiles) = match value {
            SeriesValue::Counter(_) => (MetricKind::Counter, None, None),
            SeriesValue::Gauge(_) => (MetricKind::Gauge, None, None),
            SeriesValue::Histogram(h) => (MetricKind::Histogram, Some(&*h.bounds), None),
            SeriesValue::Summary(s) => (MetricKind::Summary, None, Some(&*s.quantiles)),
            SeriesValue::PushedSummary(s) => (MetricKind::Summary, None, Some(&*s.quantiles)),
        };
        Self {
            kind,
            buckets,
            quantiles,
        }
    }

    pub fn matches(&self, schema: &MetricSchema) -> bool {
        self.kind == schema.kind
            && self.buckets.is_none_or(|b| b == &*schema.buckets)
            && self.quantiles.is_none_or(|q| q == &*schema.quantiles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_into_the_first_fitting_bucket() {
        let schema = MetricSchema::declared(MetricKind::Histogram, None, Some(&[1.0, 2.0]), None);
        let mut s = SeriesValue::new(&schema, 0);
        for x in [0.5, 1.0, 1.5, 3.0] {
            s.apply(Update::Observe(x), 0);
        }
        let SeriesValue::Histogram(h) = s else {
            panic!()
        };
        assert_eq!(&*h.counts, &[2, 1]);
        assert_eq!((h.sum, h.count), (6.0, 4));
    }

    #[test]
    fn gauges_set_and_add() {
        let mut g = SeriesValue::new(&MetricSchema::undeclared(MetricKind::Gauge), 0);
        g.apply(Update::Set(5.0), 0);
        g.apply(Update::Add(-2.0), 0);
        assert!(matches!(g, SeriesValue::Gauge(v) if v == 3.0));
    }
}
