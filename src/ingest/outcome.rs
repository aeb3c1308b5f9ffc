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

/// The words for why the aggregate left out something of `metric`: a code and a message that
/// says what to do. Every intake protocol answers with these.
pub fn describe(reason: Reason, metric: &str) -> (&'static str, String) {
    match reason {
        Reason::Invalid { code, message } => (code, message),
        Reason::KindConflict { existing } => (
            "type_conflict",
            format!(
                "metric {metric:?} is already pushed as a {existing}; push it as a {existing} or use another name"
            ),
        ),
        Reason::NameConflict(conflict) => ("type_conflict", conflict.to_string()),
        Reason::SeriesLimit { active, limit } => (
            "series_limit",
            format!(
                "this account already has {active} active series, the limit (max_series_per_tenant) is {limit}: reduce label values or wait for idle series to expire"
            ),
        ),
        Reason::SeriesTaken { group: Some(group) } => (
            "series_conflict",
            format!(
                "a series of {metric:?} with these labels belongs to the Pushgateway API group {}: push it to that group, or give it other labels",
                show_labels(&group)
            ),
        ),
        Reason::SeriesTaken { group: None } => (
            "series_conflict",
            format!(
                "a series of {metric:?} with these labels is already pushed outside this group (JSON batches or OTLP): give the group's series other labels, or stop the other pushes"
            ),
        ),
        Reason::BoundsChanged => (
            "buckets_changed",
            format!(
                "this delta histogram of {metric:?} has other buckets than its series: keep the buckets, or send cumulative histograms"
            ),
        ),
    }
}

impl ItemError {
    /// Refusals of a push that has no items (a family, a data point), listed as if each were
    /// an item, for the live view and pushgate's own metrics.
    pub fn listed<'a>(
        refusals: impl IntoIterator<Item = (&'a str, &'static str, &'a str)>,
    ) -> Vec<ItemError> {
        refusals
            .into_iter()
            .enumerate()
            .map(|(index, (name, code, message))| ItemError {
                index,
                name: Some(name.to_owned()),
                code,
                message: message.to_owned(),
            })
            .collect()
    }
}

/// `{name="value",…}`, for messages.
pub fn show_labels(labels: &[(Box<str>, Box<str>)]) -> String {
    let pairs: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v:?}")).collect();
    format!("{{{}}}", pairs.join(","))
}

impl From<Rejection> for ItemError {
    fn from(r: Rejection) -> Self {
        let (code, message) = describe(r.reason, r.metric.as_deref().unwrap_or_default());
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
