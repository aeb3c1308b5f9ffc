//! What a batch push answers: accepted and rejected counts, and every rejected item by index.
//! The aggregator's typed reasons get their words here, where they become the answer.

use crate::aggregator::{Applied, Reason, Rejection};
use serde::Serialize;

/// Why one item of a batch was refused.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ItemError {
    pub index: usize,
    pub name: Option<String>,
    pub code: &'static str,
    pub message: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct BatchOutcome {
    pub accepted: usize,
    pub rejected: usize,
    pub errors: Vec<ItemError>,
    /// true when this `batch_id` was already applied: the answer is repeated, nothing re-applied
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

impl From<ItemError> for Rejection {
    /// A validation error, carried with the batch into the aggregate's dedupe memory.
    fn from(e: ItemError) -> Self {
        Rejection {
            index: e.index,
            metric: e.name,
            reason: Reason::Invalid {
                code: e.code,
                message: e.message,
            },
        }
    }
}

impl From<Rejection> for ItemError {
    fn from(r: Rejection) -> Self {
        let (code, message) = match r.reason {
            Reason::Invalid { code, message } => (code, message),
            Reason::KindConflict { existing } => (
                "type_conflict",
                format!(
                    "metric {:?} is already pushed as a {existing}; push it as a {existing} or use another name",
                    r.metric.as_deref().unwrap_or_default()
                ),
            ),
            Reason::NameConflict(conflict) => ("type_conflict", conflict.to_string()),
            Reason::SeriesLimit { active, limit } => (
                "series_limit",
                format!(
                    "this account already has {active} active series, the limit (max_series_per_tenant) is {limit}: reduce label values or wait for idle series to expire"
                ),
            ),
        };
        ItemError {
            index: r.index,
            name: r.metric,
            code,
            message,
        }
    }
}

impl From<Applied> for BatchOutcome {
    fn from(applied: Applied) -> Self {
        Self {
            accepted: applied.accepted(),
            rejected: applied.rejections.len(),
            errors: applied
                .rejections
                .into_iter()
                .map(ItemError::from)
                .collect(),
            duplicate: applied.duplicate,
        }
    }
}

/// A batch refused whole, before its items were judged (not JSON, no `metrics`, empty, too
/// many items): answered 400 with this code and message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BatchRefused {
    pub code: &'static str,
    pub message: String,
}
