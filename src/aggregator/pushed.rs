//! Values a client computed itself and sends whole (the Pushgateway API, OTLP): they are the
//! series' current values, set as they are, not observations to aggregate. Built by ingestion
//! after validation; the aggregator only stores them.

use crate::domain::{LabelSet, MetricSchema};
use std::sync::Arc;

/// A classic histogram's state: counts per finite upper bound (not cumulative; what falls above
/// the last bound is in `count` only, as in the aggregator's own histograms).
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramCounts {
    pub bounds: Arc<[f64]>,
    pub counts: Box<[u64]>,
    pub sum: f64,
    pub count: u64,
}

/// A summary as a client library computes it: its quantiles' values, sum and count.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryValues {
    pub quantiles: Arc<[f64]>,
    /// one per quantile; NaN when the client had no observation in its window
    pub values: Box<[f64]>,
    pub sum: f64,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CurrentValue {
    Counter(f64),
    Gauge(f64),
    Histogram(HistogramCounts),
    Summary(SummaryValues),
}

/// One metric family of a group push, every series judged.
#[derive(Clone, Debug)]
pub struct GroupFamily {
    pub name: String,
    pub schema: Arc<MetricSchema>,
    pub declared: bool,
    pub series: Vec<(LabelSet, CurrentValue)>,
}

/// Whether a data point is the series' value since its start, or what changed since the
/// previous point (OpenTelemetry's aggregation temporality).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Temporality {
    /// the value replaces the series' value
    Cumulative,
    /// the value is added to the series' value (a histogram's counts and sum are added)
    Delta,
}

/// One data point of a protocol that sends series one by one (OTLP), judged.
#[derive(Clone, Debug)]
pub struct PointSample {
    pub name: String,
    pub schema: Arc<MetricSchema>,
    pub declared: bool,
    pub labels: LabelSet,
    pub value: CurrentValue,
    pub temporality: Temporality,
}
