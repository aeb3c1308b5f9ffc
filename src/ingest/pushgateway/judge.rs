//! Judges the families of one Pushgateway API push by the rules of SPEC §5.2 and turns them
//! into the aggregator's group families. A push is taken or refused whole, as the Pushgateway
//! does: every family with a problem is reported, and one problem refuses the push.

use super::body::{PushedFamily, PushedKind, PushedMetric};
use super::grouping::GroupingKey;
use super::values::current_value;
use crate::aggregator::pushed::{CurrentValue, GroupFamily};
use crate::domain::NameClaims;
use crate::domain::{LabelSet, MetricSchema};
use crate::domain::{MetricKind, MetricName, UserId, reserved::reserved_reason};
use crate::ingest::outcome::show_labels;
use crate::ingest::registry::{DeclaredMetric, Registry};
use crate::ingest::series_labels::{judge_label, series_labels};
use crate::settings::Limits;
use std::collections::HashSet;
use std::sync::Arc;

/// Why one family of a push was refused.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FamilyError {
    pub family: String,
    pub code: &'static str,
    pub message: String,
}

pub(super) type Reject = (&'static str, String);

pub struct GroupJudge<'a> {
    pub registry: &'a Registry,
    pub tenant: UserId,
    pub limits: &'a Limits,
}

impl GroupJudge<'_> {
    pub fn judge(
        &self,
        families: Vec<PushedFamily>,
        key: &GroupingKey,
    ) -> Result<Vec<GroupFamily>, Vec<FamilyError>> {
        let mut judged = Vec::with_capacity(families.len());
        let mut errors = Vec::new();
        let mut claims = NameClaims::default();
        let mut names = HashSet::new();
        for family in families {
            if family.metrics.is_empty() {
                continue; // a HELP or TYPE line alone: nothing to store, as in the Pushgateway
            }
            let name = family.name.clone();
            let fail = |(code, message): Reject| FamilyError {
                family: name.clone(),
                code,
                message,
            };
            if !names.insert(name.clone()) {
                errors.push(fail((
                    "duplicate_family",
                    "the family appears twice in the body: send each metric family once".into(),
                )));
                continue;
            }
            match self.family(family, key) {
                Ok(f) => match claims.conflict(&f.name, f.schema.kind) {
                    Some(conflict) => errors.push(fail((
                        "type_conflict",
                        format!("{conflict} (within this push)"),
                    ))),
                    None => {
                        claims.claim(&f.name, f.schema.kind);
                        judged.push(f);
                    }
                },
                Err(e) => errors.push(fail(e)),
            }
        }
        if errors.is_empty() {
            Ok(judged)
        } else {
            Err(errors)
        }
    }

    fn family(&self, family: PushedFamily, key: &GroupingKey) -> Result<GroupFamily, Reject> {
        let name = MetricName::parse(&family.name, self.limits.max_name_len)
            .map_err(|m| ("invalid_name", m))?;
        let name = name.as_ref();
        if let Some(reason) = reserved_reason(name) {
            return Err(("reserved_name", reason));
        }
        let declared = self.registry.declared(self.tenant, name).map(Arc::as_ref);
        if declared.is_some_and(|d| !d.is_active) {
            return Err((
                "inactive_metric",
                format!(
                    "the metric config for {name:?} is inactive: activate it in the dashboard to accept pushes"
                ),
            ));
        }
        let kind = kind_of(family.kind, declared)?;
        let mut series: Vec<(LabelSet, CurrentValue)> = Vec::with_capacity(family.metrics.len());
        let mut seen = HashSet::with_capacity(family.metrics.len());
        for metric in &family.metrics {
            let (labels, value) = self.series(metric, kind, key, declared)?;
            if !seen.insert(labels.clone()) {
                return Err((
                    "duplicate_series",
                    format!(
                        "two series have the same labels {}: each series of a family needs its own label values (an empty value counts as no label)",
                        show_labels(&labels)
                    ),
                ));
            }
            series.push((labels, value));
        }
        let schema = match declared {
            Some(d) => d.schema.clone(),
            None => MetricSchema::pushed(kind, &family.help),
        };
        Ok(GroupFamily {
            name: name.to_owned(),
            schema,
            declared: declared.is_some(),
            series,
        })
    }

    fn series(
        &self,
        metric: &PushedMetric,
        kind: MetricKind,
        key: &GroupingKey,
        declared: Option<&DeclaredMetric>,
    ) -> Result<(LabelSet, CurrentValue), Reject> {
        if metric.has_timestamp {
            return Err((
                "timestamp_not_allowed",
                "samples must not carry timestamps (the Pushgateway refuses them too): pushgate forwards current values and Prometheus stamps them when it scrapes".into(),
            ));
        }
        let mut own = Vec::with_capacity(metric.labels.len());
        for (name, value) in &metric.labels {
            own.extend(judge_label(name, value, self.limits).map_err(|e| (e.code, e.message))?);
        }
        let labels = series_labels(own, key.labels(), declared, self.limits)
            .map_err(|e| (e.code, e.message))?;
        let value = current_value(kind, &metric.value)?;
        if let Some(d) = declared {
            check_declared_shape(&value, d)?;
        }
        Ok((labels, value))
    }
}

/// The family's type: as pushed, an untyped family taking its config's type when that is a
/// single value, else a gauge (Prometheus treats untyped samples like gauges).
fn kind_of(pushed: PushedKind, declared: Option<&DeclaredMetric>) -> Result<MetricKind, Reject> {
    let expected = declared.map(|d| d.schema.kind);
    let kind = match pushed {
        PushedKind::Counter => MetricKind::Counter,
        PushedKind::Gauge => MetricKind::Gauge,
        PushedKind::Histogram => MetricKind::Histogram,
        PushedKind::Summary => MetricKind::Summary,
        PushedKind::Untyped => match expected {
            Some(k @ (MetricKind::Counter | MetricKind::Gauge)) => k,
            _ => MetricKind::Gauge,
        },
    };
    match expected {
        Some(e) if e != kind => Err((
            "type_mismatch",
            format!(
                "this metric is declared as a {e} but pushed as a {kind}: push it with # TYPE … {e}"
            ),
        )),
        _ => Ok(kind),
    }
}

/// A declared histogram or summary keeps the buckets or quantiles of its config: a series
/// with others would be dropped as "changed" by the next reconcile.
fn check_declared_shape(value: &CurrentValue, declared: &DeclaredMetric) -> Result<(), Reject> {
    let schema = &declared.schema;
    match value {
        CurrentValue::Histogram(h) if *h.bounds != *schema.buckets => Err((
            "buckets_mismatch",
            format!(
                "this histogram is declared with the buckets {:?} but pushed with {:?}: push the declared buckets or change the config",
                schema.buckets, h.bounds
            ),
        )),
        CurrentValue::Summary(s) if *s.quantiles != *schema.quantiles => Err((
            "quantiles_mismatch",
            format!(
                "this summary is declared with the quantiles {:?} but pushed with {:?}: push the declared quantiles or change the config",
                schema.quantiles, s.quantiles
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
