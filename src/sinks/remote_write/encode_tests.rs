//! What a flush sends, decoded with prost: every kind's sample series, labels, staleness
//! markers and batching. Over 300 lines: one case per remote-write rule, each small.

use super::super::proto::{Label, Sample, TimeSeries, WriteRequest};
use super::*;
use crate::aggregator::snapshot::FamilySnapshot;
use crate::domain::MetricKind;
use prost::Message;

fn tenant(n: u128) -> UserId {
    UserId(uuid::Uuid::from_u128(n))
}

fn series(tenant: UserId, path: &str, touched: i64, value: ValueSnapshot) -> SeriesSnapshot {
    SeriesSnapshot {
        tenant,
        labels: vec![("Zone".into(), "eu".into()), ("path".into(), path.into())].into(),
        touched,
        declared: false,
        value,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        families: vec![
            FamilySnapshot {
                name: "views_total".into(),
                kind: MetricKind::Counter,
                help: None,
                series: vec![
                    series(tenant(1), "/", 100, ValueSnapshot::Counter(3.0)),
                    series(tenant(2), "/", 50, ValueSnapshot::Counter(4.0)),
                ],
            },
            FamilySnapshot {
                name: "load_seconds".into(),
                kind: MetricKind::Histogram,
                help: None,
                series: vec![series(
                    tenant(1),
                    "/",
                    100,
                    ValueSnapshot::Histogram {
                        bounds: vec![0.5, 1.0].into(),
                        counts: vec![2, 1].into(),
                        sum: 2.5,
                        count: 4,
                    },
                )],
            },
        ],
        ..Snapshot::default()
    }
}

fn decode(batch: &Batch) -> WriteRequest {
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&batch.body)
        .unwrap();
    WriteRequest::decode(raw.as_slice()).unwrap()
}

fn run(plan: &Plan<'_>) -> Vec<(Option<UserId>, WriteRequest)> {
    let mut out = Vec::new();
    encode(plan, 1_000, &mut |b| {
        out.push((b.tenant, decode(&b)));
        true
    });
    out
}

fn find<'a>(req: &'a WriteRequest, name: &str, extra: Option<(&str, &str)>) -> &'a TimeSeries {
    req.timeseries
        .iter()
        .find(|ts| {
            ts.labels
                .iter()
                .any(|l| l.name == "__name__" && l.value == name)
                && extra.is_none_or(|(n, v)| ts.labels.iter().any(|l| l.name == n && l.value == v))
        })
        .unwrap_or_else(|| panic!("no {name} {extra:?}"))
}

#[test]
fn series_are_what_the_pushgateway_shows_with_sorted_labels() {
    let s = snapshot();
    let plan = Plan {
        snapshot: &s,
        changed_since: None,
        removals: &[],
        instance: "web-1",
        per_tenant: false,
        max_series: MAX_SERIES_PER_REQUEST,
    };
    let batches = run(&plan);
    assert_eq!(batches.len(), 1);
    let req = &batches[0].1;
    // 2 counters + 3 buckets (0.5, 1, +Inf) + sum + count
    assert_eq!(req.timeseries.len(), 7);
    for ts in &req.timeseries {
        let names: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(names.contains(&"__name__") && names.contains(&"job") && names.contains(&"tenant"));
        assert_eq!(ts.samples.len(), 1);
        assert_eq!(ts.samples[0].timestamp, 1_000);
    }
    let cumulative: Vec<f64> = ["0.5", "1", "+Inf"]
        .iter()
        .map(|le| find(req, "load_seconds_bucket", Some(("le", le))).samples[0].value)
        .collect();
    assert_eq!(cumulative, [2.0, 3.0, 4.0]);
    assert_eq!(find(req, "load_seconds_sum", None).samples[0].value, 2.5);
    let counter = find(req, "views_total", Some(("tenant", &tenant(2).to_string())));
    assert_eq!(counter.samples[0].value, 4.0);
    assert!(
        counter
            .labels
            .iter()
            .any(|l| l.name == "instance" && l.value == "web-1")
    );
}

#[test]
fn only_changed_series_and_markers_for_those_gone() {
    let s = snapshot();
    let removed = |family: &str, path: &str, shape| Removal {
        generation: 1,
        family: family.into(),
        tenant: tenant(2),
        labels: vec![("Zone".into(), "eu".into()), ("path".into(), path.into())].into(),
        shape,
    };
    let removals = vec![
        removed("views_total", "/gone", RemovedShape::Counter),
        removed("views_total", "/gone", RemovedShape::Counter),
        // removed, then pushed again: the snapshot holds it, no marker
        removed("views_total", "/", RemovedShape::Counter),
        removed(
            "sizes",
            "/gone",
            RemovedShape::Summary {
                quantiles: vec![0.5].into(),
            },
        ),
    ];
    let plan = Plan {
        snapshot: &s,
        changed_since: Some(100),
        removals: &removals,
        instance: "i",
        per_tenant: false,
        max_series: MAX_SERIES_PER_REQUEST,
    };
    let req = &run(&plan)[0].1;
    let stale: Vec<&TimeSeries> = req
        .timeseries
        .iter()
        .filter(|ts| ts.samples[0].value.to_bits() == STALE_NAN)
        .collect();
    // the counter once, the summary's quantile, _sum and _count
    assert_eq!(stale.len(), 4);
    // tenant 2's counter did not change since 100, so only its marker is sent
    let fresh = req.timeseries.len() - stale.len();
    assert_eq!(fresh, 6);
}

#[test]
fn tenant_mode_writes_one_tenant_per_request_and_batches_are_bounded() {
    let mut s = snapshot();
    s.families[0].series = (0..MAX_SERIES_PER_REQUEST + 10)
        .map(|i| {
            series(
                tenant(1 + (i % 2) as u128),
                &format!("/{i}"),
                0,
                ValueSnapshot::Counter(1.0),
            )
        })
        .collect();
    let plan = Plan {
        snapshot: &s,
        changed_since: None,
        removals: &[],
        instance: "i",
        per_tenant: true,
        max_series: MAX_SERIES_PER_REQUEST,
    };
    let batches = run(&plan);
    let mut total = 0;
    for (who, req) in &batches {
        let who = who.unwrap().to_string();
        assert!(req.timeseries.len() <= MAX_SERIES_PER_REQUEST);
        for ts in &req.timeseries {
            assert!(
                ts.labels
                    .iter()
                    .any(|l| l.name == "tenant" && l.value == who)
            );
        }
        total += req.timeseries.len();
    }
    assert_eq!(total, MAX_SERIES_PER_REQUEST + 10 + 5);
    let mut unshared = plan;
    unshared.per_tenant = false;
    let batches = run(&unshared);
    assert_eq!(batches.len(), 2);
    assert_eq!(batches[0].1.timeseries.len(), MAX_SERIES_PER_REQUEST);
}

/// The whole request, exactly: every sample series with its labels sorted by name (`__name__`
/// first, as it is among lowercase names), its value (a zero gauge, the stale NaN's bits) and
/// the flush time; byte for byte what prost writes for that `WriteRequest`.
#[test]
fn the_direct_encoding_is_exactly_the_expected_write_request() {
    let own = || -> LabelSet {
        vec![("path".into(), "/".into()), ("status".into(), "200".into())].into()
    };
    let one = |value| SeriesSnapshot {
        tenant: tenant(1),
        labels: own(),
        touched: 0,
        declared: false,
        value,
    };
    let family = |name: &str, kind, value| FamilySnapshot {
        name: name.into(),
        kind,
        help: None,
        series: vec![one(value)],
    };
    let s = Snapshot {
        families: vec![
            family(
                "views_total",
                MetricKind::Counter,
                ValueSnapshot::Counter(3.0),
            ),
            family("depth", MetricKind::Gauge, ValueSnapshot::Gauge(0.0)),
            family(
                "load_seconds",
                MetricKind::Histogram,
                ValueSnapshot::Histogram {
                    bounds: vec![0.5, 1.0].into(),
                    counts: vec![2, 1].into(),
                    sum: 2.5,
                    count: 4,
                },
            ),
            family(
                "rtt",
                MetricKind::Summary,
                ValueSnapshot::Summary {
                    quantiles: vec![0.5, 0.99].into(),
                    values: vec![0.1, 0.7],
                    sum: 1.5,
                    count: 6,
                },
            ),
        ],
        ..Snapshot::default()
    };
    let removals = [Removal {
        generation: 1,
        family: "gone_total".into(),
        tenant: tenant(1),
        labels: own(),
        shape: RemovedShape::Counter,
    }];
    let plan = Plan {
        snapshot: &s,
        changed_since: None,
        removals: &removals,
        instance: "web-1",
        per_tenant: false,
        max_series: MAX_SERIES_PER_REQUEST,
    };
    let t = tenant(1).to_string();
    let ts = |name: &str, extra: Option<(&str, &str)>, value: f64| {
        let mut labels = vec![
            ("__name__", name),
            ("instance", "web-1"),
            ("job", "pushgate"),
        ];
        labels.extend(extra);
        labels.extend([("path", "/"), ("status", "200"), ("tenant", t.as_str())]);
        // `le` before `path`, `quantile` after it
        labels.sort_by_key(|l| l.0);
        TimeSeries {
            labels: labels
                .into_iter()
                .map(|(name, value)| Label {
                    name: name.into(),
                    value: value.into(),
                })
                .collect(),
            samples: vec![Sample {
                value,
                timestamp: 1_000,
            }],
        }
    };
    let stale = f64::from_bits(STALE_NAN);
    let expected = WriteRequest {
        timeseries: vec![
            ts("views_total", None, 3.0),
            ts("depth", None, 0.0),
            ts("load_seconds_bucket", Some(("le", "0.5")), 2.0),
            ts("load_seconds_bucket", Some(("le", "1")), 3.0),
            ts("load_seconds_bucket", Some(("le", "+Inf")), 4.0),
            ts("load_seconds_sum", None, 2.5),
            ts("load_seconds_count", None, 4.0),
            ts("rtt", Some(("quantile", "0.5")), 0.1),
            ts("rtt", Some(("quantile", "0.99")), 0.7),
            ts("rtt_sum", None, 1.5),
            ts("rtt_count", None, 6.0),
            ts("gone_total", None, stale),
        ],
    };
    let mut bodies = Vec::new();
    encode(&plan, 1_000, &mut |b| {
        bodies.push(b);
        true
    });
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].series, 12);
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&bodies[0].body)
        .unwrap();
    assert_eq!(raw, expected.encode_to_vec());
    let decoded = WriteRequest::decode(raw.as_slice()).unwrap();
    for ts in &decoded.timeseries {
        assert_eq!(ts.labels[0].name, "__name__");
        assert!(ts.labels.windows(2).all(|w| w[0].name < w[1].name));
    }
    // NaN is never equal to itself: the stale marker is compared by its bits
    let last = decoded.timeseries.len() - 1;
    assert_eq!(
        decoded.timeseries[last].samples[0].value.to_bits(),
        STALE_NAN
    );
    let mut without_nan = decoded.clone();
    without_nan.timeseries[last].samples[0].value = 0.0;
    let mut expected_without = expected.clone();
    expected_without.timeseries[last].samples[0].value = 0.0;
    assert_eq!(without_nan, expected_without);
}
