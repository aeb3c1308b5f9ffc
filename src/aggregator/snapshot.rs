//! A consistent copy of the whole state, taken under the lock: what is checkpointed to
//! Postgres and then pushed, so the two never disagree.

use crate::domain::{MetricKind, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Label pairs of one series, sorted by name (the tenant label is added when rendering).
pub type LabelSet = Arc<[(Box<str>, Box<str>)]>;

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Snapshot {
    pub families: Vec<FamilySnapshot>,
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

    /// The checkpoint's stored form (see `compact`).
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        super::compact::encode(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        super::compact::decode(bytes)
    }
}
