//! Longer than 300 lines: one table of OTLP requests per mapping rule, built from the
//! generated types, is clearer here than helpers spread over files.

use super::*;
use crate::aggregator::pushed::HistogramCounts;
use crate::domain::{DeclaredLabels, LabelName};
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::number_data_point;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, ResourceMetrics,
    ScopeMetrics, Sum, Summary, SummaryDataPoint,
};
use uuid::Uuid;

const TENANT: UserId = UserId(Uuid::from_u128(9));

fn limits() -> Limits {
    Limits {
        max_label_value_len: 64,
        ..Limits::default()
    }
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn number(value: f64, attributes: Vec<KeyValue>) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..Default::default()
    }
}

fn metric(name: &str, unit: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        description: "What it counts.".into(),
        data: Some(data),
        ..Default::default()
    }
}

fn sum(monotonic: bool, temporality: AggregationTemporality, points: Vec<NumberDataPoint>) -> Data {
    Data::Sum(Sum {
        data_points: points,
        aggregation_temporality: temporality as i32,
        is_monotonic: monotonic,
    })
}

fn request(resource: Vec<KeyValue>, metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

fn judge_with(registry: &Registry, request: &ExportMetricsServiceRequest) -> Judged {
    let l = limits();
    OtlpJudge {
        registry,
        tenant: TENANT,
        limits: &l,
    }
    .judge(request)
}

fn judge(metrics: Vec<Metric>) -> Judged {
    let service = vec![
        text("service.name", "billing"),
        text("service.instance.id", "pod-1"),
    ];
    judge_with(&Registry::default(), &request(service, metrics))
}

fn labels(point: &PointSample) -> Vec<(&str, &str)> {
    point.labels.iter().map(|(n, v)| (&**n, &**v)).collect()
}

#[test]
fn sums_and_gauges_follow_the_compatibility_rules() {
    use AggregationTemporality::{Cumulative, Delta};
    let judged = judge(vec![
        metric(
            "jobs.done",
            "{job}",
            sum(
                true,
                Cumulative,
                vec![number(5.0, vec![text("queue", "a")])],
            ),
        ),
        metric(
            "bytes.sent",
            "By",
            sum(true, Delta, vec![number(10.0, vec![])]),
        ),
        metric(
            "queue.depth",
            "",
            sum(false, Cumulative, vec![number(-2.0, vec![])]),
        ),
        metric(
            "in.flight",
            "",
            sum(false, Delta, vec![number(-1.0, vec![])]),
        ),
        metric(
            "cpu.utilization",
            "1",
            Data::Gauge(Gauge {
                data_points: vec![number(0.5, vec![])],
            }),
        ),
    ]);
    assert!(judged.rejections.is_empty(), "{:?}", judged.rejections);
    let got: Vec<(&str, MetricKind, Temporality, &CurrentValue)> = judged
        .points
        .iter()
        .map(|p| (p.name.as_str(), p.schema.kind, p.temporality, &p.value))
        .collect();
    assert_eq!(
        got,
        [
            (
                "jobs_done_total",
                MetricKind::Counter,
                Temporality::Cumulative,
                &CurrentValue::Counter(5.0)
            ),
            (
                "bytes_sent_total",
                MetricKind::Counter,
                Temporality::Delta,
                &CurrentValue::Counter(10.0)
            ),
            (
                "queue_depth",
                MetricKind::Gauge,
                Temporality::Cumulative,
                &CurrentValue::Gauge(-2.0)
            ),
            (
                "in_flight",
                MetricKind::Gauge,
                Temporality::Delta,
                &CurrentValue::Gauge(-1.0)
            ),
            (
                "cpu_utilization_ratio",
                MetricKind::Gauge,
                Temporality::Cumulative,
                &CurrentValue::Gauge(0.5)
            ),
        ]
    );
    assert_eq!(
        labels(&judged.points[0]),
        [
            ("exported_instance", "pod-1"),
            ("exported_job", "billing"),
            ("queue", "a")
        ]
    );
    assert_eq!(
        judged.points[0].schema.help.as_deref(),
        Some("What it counts.")
    );
}

#[test]
fn explicit_histograms_keep_their_buckets_and_the_overflow_stays_in_count() {
    let point = HistogramDataPoint {
        count: 6,
        sum: Some(12.5),
        bucket_counts: vec![1, 2, 3],
        explicit_bounds: vec![0.5, 1.0],
        ..Default::default()
    };
    let judged = judge(vec![metric(
        "http.server.duration",
        "ms",
        Data::Histogram(Histogram {
            data_points: vec![point],
            aggregation_temporality: AggregationTemporality::Delta as i32,
        }),
    )]);
    let p = &judged.points[0];
    assert_eq!(p.name, "http_server_duration_milliseconds");
    assert_eq!(
        p.value,
        CurrentValue::Histogram(HistogramCounts {
            bounds: vec![0.5, 1.0].into(),
            counts: vec![1, 2].into(),
            sum: 12.5,
            count: 6,
        })
    );
    assert_eq!(p.temporality, Temporality::Delta);
}

#[test]
fn exponential_histograms_and_summaries_are_rejected_per_point() {
    let judged = judge(vec![
        metric(
            "lat",
            "s",
            Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint::default(); 2],
                aggregation_temporality: 2,
            }),
        ),
        metric(
            "old",
            "",
            Data::Summary(Summary {
                data_points: vec![SummaryDataPoint::default()],
            }),
        ),
        metric(
            "ok",
            "",
            Data::Gauge(Gauge {
                data_points: vec![number(1.0, vec![])],
            }),
        ),
    ]);
    assert_eq!(judged.points.len(), 1);
    let reasons: Vec<(&str, &str)> = judged
        .rejections
        .iter()
        .map(|r| (r.metric.as_str(), r.code))
        .collect();
    assert_eq!(
        reasons,
        [
            ("lat", "unsupported_type"),
            ("lat", "unsupported_type"),
            ("old", "unsupported_type")
        ]
    );
    assert!(judged.rejections[0].message.contains("explicit-bucket"));
}

#[test]
fn bad_points_are_rejected_with_a_reason_and_their_neighbours_kept() {
    use AggregationTemporality::Cumulative;
    let long = "x".repeat(100);
    let judged = judge(vec![
        metric(
            "c",
            "",
            sum(
                true,
                Cumulative,
                vec![
                    number(f64::NAN, vec![]),
                    number(-1.0, vec![text("a", "1")]),
                    number(1.0, vec![text("a", &long)]),
                    number(2.0, vec![text("a", "ok")]),
                ],
            ),
        ),
        metric(
            "process.cpu.time",
            "s",
            sum(true, Cumulative, vec![number(1.0, vec![])]),
        ),
        metric(
            "u",
            "",
            sum(
                true,
                AggregationTemporality::Unspecified,
                vec![number(1.0, vec![])],
            ),
        ),
        metric(
            "h",
            "",
            Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    count: 5,
                    bucket_counts: vec![1, 1],
                    explicit_bounds: vec![1.0],
                    ..Default::default()
                }],
                aggregation_temporality: 2,
            }),
        ),
    ]);
    assert_eq!(judged.points.len(), 1);
    let codes: Vec<(&str, &str)> = judged
        .rejections
        .iter()
        .map(|r| (r.metric.as_str(), r.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("c", "invalid_value"),
            ("c", "invalid_value"),
            ("c", "label_value_too_long"),
            ("process.cpu.time", "reserved_name"),
            ("u", "invalid_temporality"),
            ("h", "invalid_value"),
        ]
    );
}

#[test]
fn attribute_keys_are_sanitised_and_collisions_joined() {
    let judged = judge(vec![metric(
        "g",
        "",
        Data::Gauge(Gauge {
            data_points: vec![number(
                1.0,
                vec![
                    text("http.route", "/a"),
                    text("http_route", "/b"),
                    text("job", "inner"),
                ],
            )],
        }),
    )]);
    // `job` of the point clashes with the service's exported_job: refused, not overwritten
    assert_eq!(judged.rejections[0].code, "label_conflict");
    let judged = judge(vec![metric(
        "g",
        "",
        Data::Gauge(Gauge {
            data_points: vec![number(
                1.0,
                vec![text("http.route", "/a"), text("http_route", "/b")],
            )],
        }),
    )]);
    assert!(labels(&judged.points[0]).contains(&("http_route", "/a;/b")));
}

#[test]
fn points_without_a_recorded_value_are_skipped() {
    let mut stale = number(1.0, vec![]);
    stale.flags = NO_RECORDED_VALUE;
    let judged = judge(vec![metric(
        "g",
        "",
        Data::Gauge(Gauge {
            data_points: vec![stale],
        }),
    )]);
    assert!(judged.points.is_empty() && judged.rejections.is_empty());
}

#[test]
fn a_declared_metric_keeps_its_type_and_buckets() {
    let mut registry = Registry::default();
    let declared = DeclaredMetric {
        schema: Arc::new(MetricSchema::declared(
            MetricKind::Histogram,
            None,
            Some(&[1.0, 2.0]),
            None,
        )),
        labels: DeclaredLabels::new([(LabelName::parse("plan", 200).unwrap(), None)].into()),
        is_active: true,
    };
    registry
        .metrics
        .entry(TENANT)
        .or_default()
        .insert("checkout_seconds".into(), Arc::new(declared));
    let histogram = |bounds: Vec<f64>, attributes| {
        metric(
            "checkout",
            "s",
            Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    count: 1,
                    sum: Some(1.0),
                    bucket_counts: vec![0; bounds.len()].into_iter().chain([1]).collect(),
                    explicit_bounds: bounds,
                    attributes,
                    ..Default::default()
                }],
                aggregation_temporality: 2,
            }),
        )
    };
    let ok = judge_with(
        &registry,
        &request(
            vec![],
            vec![histogram(vec![1.0, 2.0], vec![text("plan", "pro")])],
        ),
    );
    assert!(ok.points[0].declared, "{:?}", ok.rejections);
    let other = judge_with(
        &registry,
        &request(vec![], vec![histogram(vec![5.0], vec![])]),
    );
    assert_eq!(other.rejections[0].code, "buckets_mismatch");
    let undeclared_label = judge_with(
        &registry,
        &request(
            vec![],
            vec![histogram(vec![1.0, 2.0], vec![text("x", "1")])],
        ),
    );
    assert_eq!(undeclared_label.rejections[0].code, "label_not_declared");
    let counter = metric(
        "checkout",
        "s",
        sum(
            true,
            AggregationTemporality::Cumulative,
            vec![number(1.0, vec![])],
        ),
    );
    // a counter of that instrument would be checkout_seconds_total: another metric, accepted
    assert!(
        judge_with(&registry, &request(vec![], vec![counter]))
            .rejections
            .is_empty()
    );
    let gauge = metric(
        "checkout",
        "s",
        Data::Gauge(Gauge {
            data_points: vec![number(1.0, vec![])],
        }),
    );
    assert_eq!(
        judge_with(&registry, &request(vec![], vec![gauge])).rejections[0].code,
        "type_mismatch"
    );
}

#[test]
fn the_service_namespace_prefixes_the_job() {
    let service = vec![
        text("service.namespace", "shop"),
        text("service.name", "billing"),
    ];
    let judged = judge_with(
        &Registry::default(),
        &request(
            service,
            vec![metric(
                "g",
                "",
                Data::Gauge(Gauge {
                    data_points: vec![number(1.0, vec![])],
                }),
            )],
        ),
    );
    assert_eq!(
        labels(&judged.points[0]),
        [("exported_job", "shop/billing")]
    );
}
