//! The rules of one value that need nothing but the value: a built-in metric's label values,
//! and what a pushed number and `op` mean for each type.

use crate::aggregator::Update;
use crate::domain::MetricKind;
use crate::domain::builtin::{BuiltinMetric, MAX_PATH_LEN};
use crate::ingest::batch::Json;

pub(super) fn check_builtin_label(
    b: &BuiltinMetric,
    name: &str,
    value: &str,
) -> Result<(), (&'static str, String)> {
    if !b.labels.contains(&name) {
        return Err((
            "label_not_declared",
            format!(
                "built-in metric {} takes only the labels {}",
                b.name,
                b.labels.join(", ")
            ),
        ));
    }
    match name {
        "path" if value.chars().count() > MAX_PATH_LEN => Err((
            "label_value_too_long",
            format!("path is limited to {MAX_PATH_LEN} characters for built-in metrics"),
        )),
        "kind" if !matches!(value, "error" | "unhandledrejection") => Err((
            "invalid_label_value",
            "kind is either \"error\" or \"unhandledrejection\"".into(),
        )),
        _ => Ok(()),
    }
}

pub(super) fn update_for(
    kind: MetricKind,
    value: f64,
    op: Option<&Json<'_>>,
) -> Result<Update, (&'static str, String)> {
    let op = match op {
        None => None,
        Some(Json::Str(s)) => Some(s.as_ref()),
        Some(_) => {
            return Err((
                "invalid_op",
                "op must be \"set\", \"inc\" or \"dec\"".into(),
            ));
        }
    };
    match (kind, op) {
        (MetricKind::Counter, None) if value < 0.0 => Err((
            "invalid_value",
            format!(
                "a counter only goes up: its value is an increment and must be >= 0 (got {value}); use a gauge for values that go down"
            ),
        )),
        (MetricKind::Counter, None) => Ok(Update::Add(value)),
        (MetricKind::Gauge, None | Some("set")) => Ok(Update::Set(value)),
        (MetricKind::Gauge, Some("inc")) => Ok(Update::Add(value)),
        (MetricKind::Gauge, Some("dec")) => Ok(Update::Add(-value)),
        (MetricKind::Gauge, Some(other)) => Err((
            "invalid_op",
            format!("unknown op {other:?}: use \"set\" (default), \"inc\" or \"dec\""),
        )),
        (MetricKind::Histogram | MetricKind::Summary, None) => Ok(Update::Observe(value)),
        (_, Some(_)) => Err((
            "invalid_op",
            format!("op applies to gauges only, not to a {kind}"),
        )),
    }
}
