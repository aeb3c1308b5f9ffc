//! One OTLP data point's parts, judged: attribute values as label text (keys sanitised,
//! colliding keys joined), number values, explicit-bucket histograms.

use super::judge::Reject;
use super::naming;
use super::naming::Shape;
use crate::aggregator::pushed::{CurrentValue, HistogramCounts};
use crate::ingest::registry::DeclaredMetric;
use crate::ingest::series_labels::{LabelPair, judge_label};
use crate::settings::Limits;
use base64::Engine;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    HistogramDataPoint, NumberDataPoint, number_data_point,
};
use std::collections::BTreeMap;

/// Counts above this are not exact in an `f64`, which the aggregator keeps sums in.
const MAX_EXACT_COUNT: u64 = 1 << 53;

/// An attribute value as label text: strings as they are, other scalars in their usual
/// spelling, arrays and maps as JSON, bytes as base64.
pub(super) fn value_text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        None | Some(any_value::Value::StringValueStrindex(_)) => String::new(),
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(other) => json_of(other).to_string().trim_matches('"').to_owned(),
    }
}

fn json_of(value: &any_value::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let of = |v: &AnyValue| v.value.as_ref().map_or(J::Null, json_of);
    match value {
        any_value::Value::StringValue(s) => J::String(s.clone()),
        any_value::Value::BoolValue(b) => J::Bool(*b),
        any_value::Value::IntValue(i) => J::from(*i),
        any_value::Value::DoubleValue(d) => {
            serde_json::Number::from_f64(*d).map_or_else(|| J::String(d.to_string()), J::Number)
        }
        any_value::Value::BytesValue(b) => {
            J::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        any_value::Value::ArrayValue(a) => J::Array(a.values.iter().map(of).collect()),
        // an index into a profiles dictionary: no meaning in a metrics export
        any_value::Value::StringValueStrindex(_) => J::Null,
        any_value::Value::KvlistValue(kv) => J::Object(
            kv.values
                .iter()
                .map(|e| (e.key.clone(), e.value.as_ref().map_or(J::Null, of)))
                .collect(),
        ),
    }
}

/// A point's attributes as judged labels. Keys that sanitise to the same label name have
/// their values joined with `;` in the order of the original keys, as the compatibility
/// rules say.
pub(super) fn attribute_labels(
    attributes: &[KeyValue],
    limits: &Limits,
) -> Result<Vec<LabelPair>, Reject> {
    let mut merged: BTreeMap<String, Vec<(&str, String)>> = BTreeMap::new();
    for a in attributes {
        merged
            .entry(naming::label_name(&a.key))
            .or_default()
            .push((&a.key, value_text(a.value.as_ref())));
    }
    let mut labels = Vec::with_capacity(merged.len());
    for (name, mut values) in merged {
        values.sort();
        let value: Vec<&str> = values.iter().map(|(_, v)| v.as_str()).collect();
        labels
            .extend(judge_label(&name, &value.join(";"), limits).map_err(|e| (e.code, e.message))?);
    }
    Ok(labels)
}

pub(super) fn number_value(
    point: &NumberDataPoint,
    shape: Shape,
    monotonic: bool,
) -> Result<CurrentValue, Reject> {
    let value = match point.value {
        Some(number_data_point::Value::AsDouble(d)) => d,
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        None => return Err(("invalid_value", "the data point has no value".into())),
    };
    if !value.is_finite() {
        return Err((
            "invalid_value",
            format!(
                "the value must be a finite number (got {value}): NaN and ±Inf are not forwarded"
            ),
        ));
    }
    if monotonic && value < 0.0 {
        return Err((
            "invalid_value",
            format!("a monotonic sum cannot be negative (got {value})"),
        ));
    }
    Ok(match shape {
        Shape::Counter => CurrentValue::Counter(value),
        _ => CurrentValue::Gauge(value),
    })
}

pub(super) fn histogram_value(
    point: &HistogramDataPoint,
    declared: Option<&DeclaredMetric>,
) -> Result<CurrentValue, Reject> {
    let bounds = &point.explicit_bounds;
    let counts = &point.bucket_counts;
    let invalid = |m: &str| Err(("invalid_value", m.to_owned()));
    if !(counts.is_empty() && bounds.is_empty()) && counts.len() != bounds.len() + 1 {
        return invalid("bucket_counts must have one more entry than explicit_bounds");
    }
    if bounds.iter().any(|b| !b.is_finite()) || bounds.windows(2).any(|w| w[0] >= w[1]) {
        return invalid("explicit_bounds must be finite and strictly increasing");
    }
    let total = counts.iter().try_fold(0u64, |acc, c| acc.checked_add(*c));
    if !counts.is_empty() && total != Some(point.count) {
        return invalid("the bucket counts do not add up to count");
    }
    if point.count > MAX_EXACT_COUNT {
        return invalid("count is too large to keep exactly");
    }
    let sum = point.sum.unwrap_or(0.0);
    if !sum.is_finite() {
        return invalid("sum must be a finite number");
    }
    if let Some(d) = declared
        && *d.schema.buckets != **bounds
    {
        return Err((
            "buckets_mismatch",
            format!(
                "this histogram is declared with the buckets {:?} but the SDK sends {:?}: set them with a View (explicit bucket boundaries) or change the config",
                d.schema.buckets, bounds
            ),
        ));
    }
    Ok(CurrentValue::Histogram(HistogramCounts {
        bounds: bounds.as_slice().into(),
        // the last count is the overflow bucket above every bound: in `count` only
        counts: counts.iter().take(bounds.len()).copied().collect(),
        sum,
        count: point.count,
    }))
}
