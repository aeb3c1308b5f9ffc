//! Judges every data point of an OTLP export by the rules of SPEC §5.2 and the
//! OpenTelemetry-to-Prometheus compatibility rules, turning each accepted one into a
//! `PointSample`. OTLP answers per data point (`partial_success`), so a refused point does not
//! refuse its neighbours.

use super::naming::{self, Shape};
use super::points::{attribute_labels, histogram_value, number_value, value_text};
use crate::aggregator::pushed::{CurrentValue, PointSample, Temporality};
use crate::domain::MetricSchema;
use crate::domain::{MetricKind, MetricName, UserId, reserved::reserved_reason};
use crate::ingest::registry::{DeclaredMetric, Registry};
use crate::ingest::series_labels::{LabelPair, judge_label, series_labels};
use crate::settings::Limits;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, HistogramDataPoint, Metric, NumberDataPoint, metric::Data,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::sync::Arc;

/// One refused data point: the metric (as the client named it) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRejection {
    pub metric: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Judged {
    pub points: Vec<PointSample>,
    pub rejections: Vec<PointRejection>,
}

pub(super) type Reject = (&'static str, String);

/// `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point marks a series that went away.
const NO_RECORDED_VALUE: u32 = 1;

pub struct OtlpJudge<'a> {
    pub registry: &'a Registry,
    pub tenant: UserId,
    pub limits: &'a Limits,
}

/// What a metric's data turns into, before its points are judged.
struct Plan<'m> {
    shape: Shape,
    temporality: Result<Temporality, Reject>,
    numbers: &'m [NumberDataPoint],
    histograms: &'m [HistogramDataPoint],
    monotonic: bool,
}

impl OtlpJudge<'_> {
    pub fn judge(&self, request: &ExportMetricsServiceRequest) -> Judged {
        let mut out = Judged::default();
        for resource_metrics in &request.resource_metrics {
            let identity = self.identity(resource_metrics.resource.as_ref());
            for scope in &resource_metrics.scope_metrics {
                for metric in &scope.metrics {
                    self.metric(metric, &identity, &mut out);
                }
            }
        }
        out
    }

    /// `service.name` (prefixed by `service.namespace/` when there is one) and
    /// `service.instance.id` become `exported_job` and `exported_instance`, the labels
    /// Prometheus's OTLP receiver derives `job` and `instance` from.
    fn identity(&self, resource: Option<&Resource>) -> Result<Vec<LabelPair>, Reject> {
        let attribute = |key: &str| {
            resource
                .and_then(|r| r.attributes.iter().find(|a| a.key == key))
                .map(|a| value_text(a.value.as_ref()))
                .filter(|v| !v.is_empty())
        };
        let job = match (attribute("service.namespace"), attribute("service.name")) {
            (Some(ns), Some(name)) => Some(format!("{ns}/{name}")),
            (_, name) => name,
        };
        let mut labels = Vec::new();
        for (name, value) in [("job", job), ("instance", attribute("service.instance.id"))] {
            if let Some(value) = value {
                labels.extend(
                    judge_label(name, &value, self.limits)
                        .map_err(|e| (e.code, format!("in the resource: {}", e.message)))?,
                );
            }
        }
        labels.sort();
        Ok(labels)
    }

    fn metric(&self, metric: &Metric, identity: &Result<Vec<LabelPair>, Reject>, out: &mut Judged) {
        let mut reject_all = |count: usize, (code, message): Reject| {
            out.rejections.extend((0..count).map(|_| PointRejection {
                metric: metric.name.clone(),
                code,
                message: message.clone(),
            }));
        };
        let temporality = |raw: i32| match AggregationTemporality::try_from(raw) {
            Ok(AggregationTemporality::Cumulative) => Ok(Temporality::Cumulative),
            Ok(AggregationTemporality::Delta) => Ok(Temporality::Delta),
            _ => Err((
                "invalid_temporality",
                "the aggregation temporality is unspecified: send cumulative or delta".to_owned(),
            )),
        };
        let plan = match &metric.data {
            None => return,
            Some(Data::Gauge(g)) => Plan {
                shape: Shape::Gauge,
                temporality: Ok(Temporality::Cumulative),
                numbers: &g.data_points,
                histograms: &[],
                monotonic: false,
            },
            Some(Data::Sum(s)) => Plan {
                shape: if s.is_monotonic {
                    Shape::Counter
                } else {
                    Shape::Gauge
                },
                temporality: temporality(s.aggregation_temporality),
                numbers: &s.data_points,
                histograms: &[],
                monotonic: s.is_monotonic,
            },
            Some(Data::Histogram(h)) => Plan {
                shape: Shape::Histogram,
                temporality: temporality(h.aggregation_temporality),
                numbers: &[],
                histograms: &h.data_points,
                monotonic: true,
            },
            Some(Data::ExponentialHistogram(h)) => {
                return reject_all(
                    h.data_points.len(),
                    ("unsupported_type", "exponential histograms are not supported: use the SDK's default explicit-bucket histogram aggregation for this instrument".into()),
                );
            }
            Some(Data::Summary(s)) => {
                return reject_all(
                    s.data_points.len(),
                    ("unsupported_type", "OTLP summaries are not supported: record the instrument as an explicit-bucket histogram".into()),
                );
            }
        };
        let count = plan.numbers.len() + plan.histograms.len();
        let prepared = identity
            .clone()
            .and_then(|identity| Ok((identity, plan.temporality.clone()?)))
            .and_then(|(identity, temporality)| {
                let (name, declared, schema) = self.resolve(metric, plan.shape)?;
                Ok((identity, temporality, name, declared, schema))
            });
        let (identity, temporality, name, declared, schema) = match prepared {
            Ok(p) => p,
            Err(reason) => return reject_all(count, reason),
        };
        let sample =
            |attributes: &[KeyValue], value: CurrentValue| -> Result<PointSample, Reject> {
                let own = attribute_labels(attributes, self.limits)?;
                let labels = series_labels(own, &identity, declared, self.limits)
                    .map_err(|e| (e.code, e.message))?;
                Ok(PointSample {
                    name: name.clone(),
                    schema: schema.clone(),
                    declared: declared.is_some(),
                    labels,
                    value,
                    temporality,
                })
            };
        let mut judged = Vec::with_capacity(count);
        for point in plan
            .numbers
            .iter()
            .filter(|p| p.flags & NO_RECORDED_VALUE == 0)
        {
            judged.push(
                number_value(point, plan.shape, plan.monotonic)
                    .and_then(|value| sample(&point.attributes, value)),
            );
        }
        for point in plan
            .histograms
            .iter()
            .filter(|p| p.flags & NO_RECORDED_VALUE == 0)
        {
            judged.push(
                histogram_value(point, declared).and_then(|value| sample(&point.attributes, value)),
            );
        }
        for result in judged {
            match result {
                Ok(point) => out.points.push(point),
                Err((code, message)) => out.rejections.push(PointRejection {
                    metric: metric.name.clone(),
                    code,
                    message,
                }),
            }
        }
    }

    /// The Prometheus name, the tenant's config for it if any, and the schema its points use.
    fn resolve(
        &self,
        metric: &Metric,
        shape: Shape,
    ) -> Result<(String, Option<&DeclaredMetric>, Arc<MetricSchema>), Reject> {
        let name = naming::metric_name(&metric.name, &metric.unit, shape);
        let name = MetricName::parse(&name, self.limits.max_name_len)
            .map_err(|m| ("invalid_name", m))?
            .as_ref()
            .to_owned();
        if let Some(reason) = reserved_reason(&name) {
            return Err(("reserved_name", reason));
        }
        let kind = match shape {
            Shape::Counter => MetricKind::Counter,
            Shape::Gauge => MetricKind::Gauge,
            Shape::Histogram => MetricKind::Histogram,
        };
        let declared = self.registry.declared(self.tenant, &name).map(Arc::as_ref);
        let schema = match declared {
            Some(d) if !d.is_active => {
                return Err((
                    "inactive_metric",
                    format!(
                        "the metric config for {name:?} is inactive: activate it in the dashboard to accept pushes"
                    ),
                ));
            }
            Some(d) if d.schema.kind != kind => {
                return Err((
                    "type_mismatch",
                    format!(
                        "{name:?} is declared as a {} but this instrument maps to a {kind}",
                        d.schema.kind
                    ),
                ));
            }
            Some(d) => d.schema.clone(),
            None => MetricSchema::pushed(kind, &metric.description),
        };
        Ok((name, declared, schema))
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
