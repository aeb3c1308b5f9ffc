//! The labels of one series.

use std::sync::Arc;

/// Label pairs of one series, sorted by name (the tenant label is added when rendering).
/// Shared: equal sets are stored once across series and tenants (`aggregator/intern.rs`).
pub type LabelSet = Arc<[(Box<str>, Box<str>)]>;
