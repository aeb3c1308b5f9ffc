//! What a batch push answers: accepted and rejected counts, and every rejected item by index.

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

impl BatchOutcome {
    pub fn new(total: usize, mut errors: Vec<ItemError>) -> Self {
        errors.sort_by_key(|e| e.index);
        Self {
            accepted: total - errors.len(),
            rejected: errors.len(),
            errors,
            duplicate: false,
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
