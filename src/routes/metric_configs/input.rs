//! The body of POST and PUT /metric-configs, judged field by field into the columns to store.

use crate::domain::{DeclaredLabels, LabelName, MetricKind, MetricName, reserved::reserved_reason};
use crate::error::{ApiError, FieldErrors};
use crate::models::metric_config::MetricConfigFields;
use crate::settings::Limits;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const MAX_TEXT_CHARS: usize = 1000;
const MAX_BUCKETS: usize = 100;
const MAX_QUANTILES: usize = 20;
const MAX_TRACKING_EVENTS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfigRequest {
    name: String,
    metric_name: String,
    metric_type: String,
    description: Option<String>,
    help: Option<String>,
    labels: Option<Map<String, Value>>,
    buckets: Option<Vec<f64>>,
    quantiles: Option<Vec<f64>>,
    auto_track: Option<bool>,
    tracking_events: Option<Vec<String>>,
    is_active: Option<bool>,
}

fn strictly_increasing(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[0] < w[1])
}

impl MetricConfigRequest {
    /// Every problem is reported at once, keyed by field.
    pub fn validate(self, limits: &Limits) -> Result<MetricConfigFields, ApiError> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            errors.add(
                "name",
                "give the config a name of 1 to 200 characters".into(),
            );
        }
        let metric_name = match MetricName::parse(self.metric_name.trim(), limits.max_name_len) {
            Ok(n) => match reserved_reason(n.as_ref()) {
                Some(reason) => {
                    errors.add("metric_name", reason);
                    None
                }
                None => Some(n),
            },
            Err(m) => {
                errors.add("metric_name", m);
                None
            }
        };
        let kind = MetricKind::parse(&self.metric_type)
            .map_err(|m| errors.add("metric_type", m))
            .ok();
        let labels = self.labels.unwrap_or_default();
        if labels.len() > limits.max_labels {
            errors.add(
                "labels",
                format!("declare at most {} labels (max_labels)", limits.max_labels),
            );
        }
        let mut declared = BTreeMap::new();
        for (label, default) in &labels {
            let name = LabelName::parse(label, limits.max_name_len)
                .map_err(|m| errors.add("labels", m))
                .ok();
            let default = match default {
                Value::Null => None,
                Value::String(s) if s.chars().count() <= limits.max_label_value_len => {
                    Some(s.clone())
                }
                Value::String(_) => {
                    errors.add("labels", format!("default of {label:?} is longer than {} characters (max_label_value_len)", limits.max_label_value_len));
                    None
                }
                _ => {
                    errors.add(
                        "labels",
                        format!("default of {label:?} must be a string or null"),
                    );
                    None
                }
            };
            if let Some(name) = name {
                declared.insert(name, default);
            }
        }
        let buckets = self.buckets.filter(|b| !b.is_empty());
        if let Some(b) = &buckets {
            if kind != Some(MetricKind::Histogram) {
                errors.add(
                    "buckets",
                    "buckets apply to histograms only: remove them or set metric_type to histogram"
                        .into(),
                );
            } else if b.len() > MAX_BUCKETS
                || !b.iter().all(|x| x.is_finite())
                || !strictly_increasing(b)
            {
                errors.add("buckets", format!("buckets must be finite numbers in strictly increasing order, at most {MAX_BUCKETS} (+Inf is added for you)"));
            }
        }
        let quantiles = self.quantiles.filter(|q| !q.is_empty());
        if let Some(q) = &quantiles {
            if kind != Some(MetricKind::Summary) {
                errors.add(
                    "quantiles",
                    "quantiles apply to summaries only: remove them or set metric_type to summary"
                        .into(),
                );
            } else if q.len() > MAX_QUANTILES
                || !q.iter().all(|x| *x > 0.0 && *x < 1.0)
                || !strictly_increasing(q)
            {
                errors.add("quantiles", format!("quantiles must lie strictly between 0 and 1, in increasing order, at most {MAX_QUANTILES}"));
            }
        }
        let tracking_events = self.tracking_events.unwrap_or_default();
        if tracking_events.len() > MAX_TRACKING_EVENTS
            || tracking_events
                .iter()
                .any(|e| e.trim().is_empty() || e.len() > 64)
        {
            errors.add(
                "tracking_events",
                format!("list at most {MAX_TRACKING_EVENTS} event names of 1 to 64 characters"),
            );
        }
        let description = errors.optional_text("description", self.description, MAX_TEXT_CHARS);
        let help = errors.optional_text("help", self.help, MAX_TEXT_CHARS);
        let (Some(metric_name), Some(kind), true) = (metric_name, kind, errors.is_empty()) else {
            return Err(ApiError::Validation(errors));
        };
        Ok(MetricConfigFields {
            name,
            description,
            metric_name,
            metric_type: kind,
            labels: DeclaredLabels::new(declared),
            help,
            buckets,
            quantiles,
            auto_track: self.auto_track.unwrap_or(false),
            tracking_events: tracking_events
                .into_iter()
                .map(|e| e.trim().to_owned())
                .collect(),
            is_active: self.is_active.unwrap_or(true),
        })
    }
}
