//! What goes into the aggregate and what comes back: a validated `Sample` per item, and for a
//! batch the typed account of every item that was left out. The words for clients are written
//! where these are mapped to an answer (`ingest/outcome.rs`), not here.

use super::series::Update;
use crate::domain::{LabelSet, MetricKind, MetricSchema, NameConflict};
use std::sync::Arc;

/// One validated item: which series, and what to do to it.
#[derive(Debug, Clone)]
pub struct Sample {
    /// its position in the batch
    pub index: usize,
    pub name: String,
    pub schema: Arc<MetricSchema>,
    /// whether it belongs to one of the tenant's configs
    pub declared: bool,
    pub labels: LabelSet,
    pub update: Update,
}

/// An item of a batch that was not applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub index: usize,
    pub metric: Option<String>,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Refused before it reached the aggregate (validation): the validator's code and words,
    /// kept with the batch so a retry of it is answered as before.
    Invalid { code: &'static str, message: String },
    /// The metric is already pushed as another type.
    KindConflict { existing: MetricKind },
    /// Another family or config holds the name, or a series name it would write.
    NameConflict(NameConflict),
    /// The tenant holds `limit` active series already.
    SeriesLimit { active: usize, limit: usize },
    /// The series exists and belongs to someone else: the Pushgateway API group with these
    /// labels, or (`None`) the series' other pushes (JSON batches, OTLP).
    SeriesTaken { group: Option<LabelSet> },
    /// A delta histogram's buckets are not those the series counts in.
    BoundsChanged,
}

/// What applying a batch did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// items in the batch
    pub total: usize,
    /// every item left out, by index
    pub rejections: Vec<Rejection>,
    /// the batch's `batch_id` was applied before: this is that answer, nothing changed now
    pub duplicate: bool,
}

impl Applied {
    pub fn accepted(&self) -> usize {
        self.total - self.rejections.len()
    }

    /// Whether the item at `index` went in.
    pub fn accepts(&self, index: usize) -> bool {
        self.rejections
            .binary_search_by_key(&index, |r| r.index)
            .is_err()
    }
}
