//! A consistent copy of the whole state, taken under the lock: what is checkpointed to
//! Postgres and then handed to every sink, so they never disagree.

use super::pushed::{HistogramCounts, SummaryValues};
use super::series::{LiveSummary, SeriesValue};
use super::summary::SlidingQuantiles;
use crate::domain::{LabelSet, MetricKind, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Snapshot {
    pub families: Vec<FamilySnapshot>,
    /// the tenants' Pushgateway API groups (their series are in `families`)
    #[serde(default)]
    pub groups: Vec<GroupSnapshot>,
    /// the aggregator's generation when it was taken (not stored in checkpoints)
    #[serde(skip)]
    pub generation: u64,
    /// when it was taken, Unix milliseconds (not stored in checkpoints)
    #[serde(skip)]
    pub taken_at_ms: i64,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct FamilySnapshot {
    pub name: String,
    pub kind: MetricKind,
    pub help: Option<String>,
    pub series: Vec<SeriesSnapshot>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct SeriesSnapshot {
    pub tenant: UserId,
    pub labels: LabelSet,
    /// unix seconds of the last update (series idle longer than the TTL leave the push)
    pub touched: i64,
    /// whether the series belongs to a declared config (dropped when that config changes)
    pub declared: bool,
    pub value: ValueSnapshot,
}

/// One group of one tenant (the Pushgateway API's grouping key) and which series it holds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct GroupSnapshot {
    pub tenant: UserId,
    /// the grouping key as exposed (`exported_job`, …)
    pub labels: LabelSet,
    /// Unix seconds of its last push
    pub last_push: i64,
    /// (family, series) positions in the snapshot's `families`
    pub members: Vec<(u32, u32)>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub enum ValueSnapshot {
    Counter(f64),
    Gauge(f64),
    Histogram {
        bounds: Arc<[f64]>,
        counts: Box<[u64]>,
        sum: f64,
        count: u64,
    },
    /// `values` are the window's quantiles at snapshot time (not restored: the window restarts)
    Summary {
        quantiles: Arc<[f64]>,
        #[serde(skip, default)]
        values: Vec<f64>,
        sum: f64,
        count: u64,
    },
}

impl Snapshot {
    pub fn series_count(&self) -> usize {
        self.families.iter().map(|f| f.series.len()).sum()
    }
}

/// A series' value as the snapshot holds it (a summary's quantiles computed now).
pub(super) fn snapshot_value(value: &mut SeriesValue, now: i64) -> ValueSnapshot {
    match value {
        SeriesValue::Counter(v) => ValueSnapshot::Counter(*v),
        SeriesValue::Gauge(v) => ValueSnapshot::Gauge(*v),
        SeriesValue::Histogram(h) => ValueSnapshot::Histogram {
            bounds: h.bounds.clone(),
            counts: h.counts.clone(),
            sum: h.sum,
            count: h.count,
        },
        SeriesValue::Summary(s) => ValueSnapshot::Summary {
            values: s.window.quantiles(&s.quantiles, now),
            quantiles: s.quantiles.clone(),
            sum: s.sum,
            count: s.count,
        },
        SeriesValue::PushedSummary(s) => ValueSnapshot::Summary {
            quantiles: s.quantiles.clone(),
            values: s.values.to_vec(),
            sum: s.sum,
            count: s.count,
        },
    }
}

/// A series' value from a checkpoint (a summary's window starts again, empty).
pub(super) fn restore_value(value: ValueSnapshot, now: i64) -> SeriesValue {
    match value {
        ValueSnapshot::Counter(v) => SeriesValue::Counter(v),
        ValueSnapshot::Gauge(v) => SeriesValue::Gauge(v),
        ValueSnapshot::Histogram {
            bounds,
            counts,
            sum,
            count,
        } => SeriesValue::Histogram(Box::new(HistogramCounts {
            bounds,
            counts,
            sum,
            count,
        })),
        ValueSnapshot::Summary {
            quantiles,
            sum,
            count,
            ..
        } => SeriesValue::Summary(Box::new(LiveSummary {
            quantiles,
            sum,
            count,
            window: SlidingQuantiles::new(now),
        })),
    }
}

/// A group member's value from a checkpoint: a summary keeps the quantiles its client sent.
pub(super) fn restore_pushed_value(value: ValueSnapshot, now: i64) -> SeriesValue {
    match value {
        ValueSnapshot::Summary {
            quantiles,
            values,
            sum,
            count,
        } if values.len() == quantiles.len() => {
            SeriesValue::PushedSummary(Box::new(SummaryValues {
                quantiles,
                values: values.into(),
                sum,
                count,
            }))
        }
        other => restore_value(other, now),
    }
}
