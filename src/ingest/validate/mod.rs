//! Judges each pushed item on its own (SPEC §5.2) and turns an accepted one into a `Sample`.
//! Nothing here touches shared state: rules that depend on it (type conflicts with other
//! tenants, the series limit) are judged by the aggregator under its lock.

mod values;

use super::batch::{Item, ItemFields, Json, Labels};
use super::credentials::Caller;
use super::outcome::ItemError;
use super::registry::{DeclaredMetric, Registry};
use crate::aggregator::Sample;
use crate::domain::builtin::{self, BuiltinMetric};
use crate::domain::reserved::reserved_reason;
use crate::domain::{LabelName, LabelSet, MetricKind, MetricName, MetricSchema, UserId};
use crate::settings::Limits;
use std::sync::Arc;
use values::{check_builtin_label, update_for};

pub struct ItemValidator<'a> {
    pub registry: &'a Registry,
    pub tenant: UserId,
    pub caller: Caller,
    pub limits: &'a Limits,
}

/// How one item's metric is known: a tenant's config, a built-in, or neither.
enum Known<'a> {
    Declared(&'a DeclaredMetric),
    Builtin(&'static BuiltinMetric, Arc<MetricSchema>),
    Undeclared,
}

impl ItemValidator<'_> {
    pub fn validate(&self, index: usize, item: &Item<'_>) -> Result<Sample, ItemError> {
        let fail = |name: Option<&str>, code: &'static str, message: String| ItemError {
            index,
            name: name.map(str::to_owned),
            code,
            message,
        };
        let Item::Object(obj) = item else {
            return Err(fail(
                None,
                "invalid_item",
                "each item must be a JSON object with name, type and value".into(),
            ));
        };
        let raw_name = obj.raw_name();
        if let Some(field) = &obj.unknown {
            let message = if matches!(field.as_ref(), "timestamp" | "ts" | "time" | "timestamp_ms")
            {
                "timestamps are not accepted: pushgate aggregates samples and Prometheus stamps them when it scrapes; remove the field".to_owned()
            } else {
                format!(
                    "unknown field {field:?}: an item has only name, type, value, labels and op"
                )
            };
            let code = if message.starts_with("timestamps") {
                "timestamp_not_allowed"
            } else {
                "unknown_field"
            };
            return Err(fail(raw_name, code, message));
        }
        let name_str = match &obj.name {
            Some(Json::Str(s)) => {
                MetricName::check(s, self.limits.max_name_len)
                    .map_err(|m| fail(raw_name, "invalid_name", m))?;
                s.as_ref()
            }
            Some(_) => return Err(fail(None, "invalid_name", "name must be a string".into())),
            None => return Err(fail(None, "missing_field", "name is required".into())),
        };
        let named = |code, message| fail(Some(name_str), code, message);

        let known = self.resolve(name_str).map_err(|(code, m)| named(code, m))?;
        let kind = self.kind(obj, &known).map_err(|(code, m)| named(code, m))?;
        let value = match obj.value {
            Some(Json::Number(n)) => Some(n)
                .filter(|v| v.is_finite())
                .ok_or_else(|| named("invalid_value", "value must be a finite number".into()))?,
            Some(_) => {
                return Err(named(
                    "invalid_value",
                    "value must be a JSON number (not a string, null, NaN or Infinity)".into(),
                ));
            }
            None => return Err(named("missing_field", "value is required".into())),
        };
        let update =
            update_for(kind, value, obj.op.as_ref()).map_err(|(code, m)| named(code, m))?;
        let labels = self
            .labels(obj.labels.as_ref(), &known)
            .map_err(|(code, m)| named(code, m))?;
        let (schema, declared) = match known {
            Known::Declared(d) => (d.schema.clone(), true),
            Known::Builtin(_, schema) => (schema, false),
            Known::Undeclared => (MetricSchema::undeclared(kind), false),
        };
        Ok(Sample {
            index,
            name: name_str.to_owned(),
            schema,
            declared,
            labels,
            update,
        })
    }

    fn resolve(&self, name: &str) -> Result<Known<'_>, (&'static str, String)> {
        if let Some(b) = builtin::find(name) {
            return match self.caller {
                Caller::Browser => Ok(Known::Builtin(b, MetricSchema::builtin(b))),
                Caller::Server => Err((
                    "reserved_name",
                    format!(
                        "{name:?} is a built-in auto-track metric: only the tracking code may send it; choose another name"
                    ),
                )),
            };
        }
        if let Some(reason) = reserved_reason(name) {
            return Err(("reserved_name", reason));
        }
        match self.registry.declared(self.tenant, name) {
            Some(d) if !d.is_active => Err((
                "inactive_metric",
                format!(
                    "the metric config for {name:?} is inactive: activate it in the dashboard to accept pushes"
                ),
            )),
            Some(d) => Ok(Known::Declared(d)),
            None if self.caller == Caller::Browser => Err((
                "undeclared_metric",
                format!(
                    "{name:?} has no metric config: browsers may only push declared metrics; create a config for it first"
                ),
            )),
            None => Ok(Known::Undeclared),
        }
    }

    fn kind(
        &self,
        obj: &ItemFields<'_>,
        known: &Known<'_>,
    ) -> Result<MetricKind, (&'static str, String)> {
        let pushed = match &obj.kind {
            None => None,
            Some(Json::Str(s)) => Some(MetricKind::parse(s).map_err(|m| ("invalid_type", m))?),
            Some(_) => {
                return Err((
                    "invalid_type",
                    "type must be a string: counter, gauge, histogram or summary".into(),
                ));
            }
        };
        let expected = match known {
            Known::Declared(d) => Some(d.schema.kind),
            Known::Builtin(b, _) => Some(b.kind),
            Known::Undeclared => None,
        };
        match (pushed, expected) {
            (Some(p), Some(e)) if p != e => Err(("type_mismatch", format!(
                "this metric is declared as a {e}; push it with \"type\": \"{e}\""
            ))),
            (_, Some(e)) => Ok(e),
            (Some(p), None) => Ok(p),
            (None, None) => Err(("missing_field", "type is required for a metric without a config: counter, gauge, histogram or summary".into())),
        }
    }

    fn labels(
        &self,
        raw: Option<&Labels<'_>>,
        known: &Known<'_>,
    ) -> Result<LabelSet, (&'static str, String)> {
        let pushed: &[_] = match raw {
            None | Some(Labels::Null) => &[],
            Some(Labels::Object(pairs)) => pairs,
            Some(Labels::NotObject) => {
                return Err((
                    "invalid_labels",
                    "labels must be an object of label name to string value".into(),
                ));
            }
        };
        let limits = self.limits;
        if pushed.len() > limits.max_labels {
            return Err((
                "too_many_labels",
                format!(
                    "{} labels sent; the limit (max_labels) is {}",
                    pushed.len(),
                    limits.max_labels
                ),
            ));
        }
        let mut pairs: Vec<(Box<str>, Box<str>)> = Vec::with_capacity(pushed.len());
        for (name, value) in pushed {
            LabelName::check(name, limits.max_name_len).map_err(|m| ("invalid_label_name", m))?;
            let Json::Str(value) = value else {
                return Err((
                    "invalid_label_value",
                    format!("label {name:?} must have a string value"),
                ));
            };
            if value.chars().count() > limits.max_label_value_len {
                return Err((
                    "label_value_too_long",
                    format!(
                        "label {name:?} is {} characters long; the limit (max_label_value_len) is {}",
                        value.chars().count(),
                        limits.max_label_value_len
                    ),
                ));
            }
            match known {
                Known::Declared(d) if !d.labels.contains(name.as_ref()) => {
                    return Err((
                        "label_not_declared",
                        format!(
                            "label {name:?} is not declared for this metric; declared labels: {}",
                            list(d.labels.iter().map(|(l, _)| l.as_ref()))
                        ),
                    ));
                }
                Known::Builtin(b, _) => check_builtin_label(b, name, value)?,
                _ => {}
            }
            pairs.push((name.as_ref().into(), value.as_ref().into()));
        }
        if let Known::Declared(d) = known {
            for (label, default) in d.labels.iter() {
                if let Some(default) = default
                    && pushed
                        .binary_search_by(|(n, _)| n.as_ref().cmp(label.as_ref()))
                        .is_err()
                {
                    pairs.push((label.as_ref().into(), default.into()));
                }
            }
        }
        pairs.sort();
        Ok(pairs.into())
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = names.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
