//! The group semantics (PUT, POST, DELETE, refusal, TTL, restore) and data points, through
//! the aggregator's handle. Longer than 300 lines: one scenario per rule, each small.

use crate::aggregator::pushed::{
    CurrentValue, GroupFamily, HistogramCounts, PointSample, SummaryValues, Temporality,
};
use crate::aggregator::snapshot::ValueSnapshot;
use crate::aggregator::{Aggregator, GROUP_PUSH_TIME, GroupMode, GroupRefusal, Reason, unix_now};
use crate::domain::{LabelSet, MetricKind, MetricSchema, NameClaims, UserId};
use uuid::Uuid;

const A: UserId = UserId(Uuid::from_u128(1));
const B: UserId = UserId(Uuid::from_u128(2));

fn set(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn job(name: &str) -> LabelSet {
    set(&[("exported_job", name)])
}

fn family(name: &str, kind: MetricKind, series: Vec<(LabelSet, CurrentValue)>) -> GroupFamily {
    GroupFamily {
        name: name.into(),
        schema: MetricSchema::undeclared(kind),
        declared: false,
        series,
    }
}

fn gauge(name: &str, group: &str, v: f64) -> GroupFamily {
    family(
        name,
        MetricKind::Gauge,
        vec![(job(group), CurrentValue::Gauge(v))],
    )
}

fn put(
    agg: &Aggregator,
    tenant: UserId,
    group: &str,
    families: &[GroupFamily],
) -> Result<usize, GroupRefusal> {
    agg.push_group(
        tenant,
        job(group),
        GroupMode::Replace,
        families,
        &NameClaims::default(),
    )
}

fn post(
    agg: &Aggregator,
    tenant: UserId,
    group: &str,
    families: &[GroupFamily],
) -> Result<usize, GroupRefusal> {
    agg.push_group(
        tenant,
        job(group),
        GroupMode::Merge,
        families,
        &NameClaims::default(),
    )
}

/// (family, tenant, labels, value) of every series but the push-time gauge, sorted.
fn series(agg: &Aggregator) -> Vec<(String, UserId, String, String)> {
    let mut out: Vec<_> = agg
        .snapshot(3600)
        .families
        .into_iter()
        .filter(|f| f.name != GROUP_PUSH_TIME)
        .flat_map(|f| {
            let name = f.name.clone();
            f.series.into_iter().map(move |s| {
                (
                    name.clone(),
                    s.tenant,
                    format!("{:?}", s.labels),
                    format!("{:?}", s.value),
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn put_replaces_the_whole_group_and_post_only_its_families() {
    let agg = Aggregator::new(100);
    assert_eq!(
        put(
            &agg,
            A,
            "nightly",
            &[gauge("rows", "nightly", 1.0), gauge("took", "nightly", 2.0)]
        ),
        Ok(2)
    );
    assert_eq!(
        put(&agg, A, "nightly", &[gauge("rows", "nightly", 5.0)]),
        Ok(1)
    );
    let s = series(&agg);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].3.contains("5.0"));
    assert_eq!(
        post(&agg, A, "nightly", &[gauge("took", "nightly", 3.0)]),
        Ok(2)
    );
    assert_eq!(
        post(&agg, A, "nightly", &[gauge("took", "nightly", 4.0)]),
        Ok(2)
    );
    let s = series(&agg);
    assert_eq!(
        s.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["rows", "took"]
    );
    assert!(s[1].3.contains("4.0"));
    assert_eq!(agg.series_count(), 2);
}

#[test]
fn delete_drops_the_group_and_its_series_only() {
    let agg = Aggregator::new(100);
    put(&agg, A, "a", &[gauge("rows", "a", 1.0)]).unwrap();
    put(&agg, A, "b", &[gauge("rows", "b", 2.0)]).unwrap();
    put(&agg, B, "a", &[gauge("rows", "a", 3.0)]).unwrap();
    assert!(agg.delete_group(A, job("a")));
    assert!(!agg.delete_group(A, job("a")));
    let s = series(&agg);
    assert_eq!(s.len(), 2);
    assert!(!s.iter().any(|x| x.1 == A && x.2.contains("\"a\"")));
    assert_eq!(agg.tenant_groups(A).len(), 1);
    assert_eq!(agg.series_count(), 2);
}

#[test]
fn a_refused_push_changes_nothing() {
    let agg = Aggregator::new(100);
    put(&agg, A, "a", &[gauge("rows", "a", 1.0)]).unwrap();
    put(
        &agg,
        B,
        "b",
        &[family(
            "shared",
            MetricKind::Counter,
            vec![(job("b"), CurrentValue::Counter(1.0))],
        )],
    )
    .unwrap();
    let before = series(&agg);
    // `shared` is another tenant's counter: the whole push is refused, `rows` stays as it was
    let refused = put(
        &agg,
        A,
        "a",
        &[gauge("rows", "a", 9.0), gauge("shared", "a", 1.0)],
    )
    .unwrap_err();
    assert_eq!(refused.family, "shared");
    assert!(matches!(
        refused.reason,
        Reason::KindConflict {
            existing: MetricKind::Counter
        }
    ));
    assert_eq!(series(&agg), before);
    // a histogram's series names are claimed too
    put(
        &agg,
        B,
        "h",
        &[family(
            "lat",
            MetricKind::Histogram,
            vec![(
                job("h"),
                CurrentValue::Histogram(HistogramCounts {
                    bounds: vec![1.0].into(),
                    counts: vec![1].into(),
                    sum: 1.0,
                    count: 1,
                }),
            )],
        )],
    )
    .unwrap();
    let refused = put(&agg, A, "a", &[gauge("lat_count", "a", 1.0)]).unwrap_err();
    assert!(
        matches!(refused.reason, Reason::NameConflict(_)),
        "{refused:?}"
    );
}

#[test]
fn a_group_that_alone_holds_a_name_may_change_its_type() {
    let agg = Aggregator::new(100);
    put(&agg, A, "a", &[gauge("rows", "a", 1.0)]).unwrap();
    let counter = family(
        "rows",
        MetricKind::Counter,
        vec![(job("a"), CurrentValue::Counter(2.0))],
    );
    assert_eq!(put(&agg, A, "a", &[counter]), Ok(1));
    let snapshot = agg.snapshot(3600);
    let rows = snapshot.families.iter().find(|f| f.name == "rows").unwrap();
    assert_eq!(rows.kind, MetricKind::Counter);
}

#[test]
fn series_of_other_pushes_are_not_taken_over() {
    let agg = Aggregator::new(100);
    let point = |labels: LabelSet| PointSample {
        name: "rows".into(),
        schema: MetricSchema::undeclared(MetricKind::Gauge),
        declared: false,
        labels,
        value: CurrentValue::Gauge(1.0),
        temporality: Temporality::Cumulative,
    };
    assert!(
        agg.apply_points(A, &[point(job("a"))], &NameClaims::default())
            .is_empty()
    );
    let refused = put(&agg, A, "a", &[gauge("rows", "a", 2.0)]).unwrap_err();
    assert_eq!(refused.reason, Reason::SeriesTaken { group: None });
    put(&agg, A, "b", &[gauge("rows", "b", 2.0)]).unwrap();
    let refused = agg.apply_points(A, &[point(job("b"))], &NameClaims::default());
    assert_eq!(
        refused,
        vec![(
            0,
            Reason::SeriesTaken {
                group: Some(job("b"))
            }
        )]
    );
}

#[test]
fn the_series_limit_counts_what_the_push_replaces() {
    let agg = Aggregator::new(2);
    let two = |v| {
        family(
            "rows",
            MetricKind::Gauge,
            vec![
                (
                    set(&[("exported_job", "a"), ("t", "1")]),
                    CurrentValue::Gauge(v),
                ),
                (
                    set(&[("exported_job", "a"), ("t", "2")]),
                    CurrentValue::Gauge(v),
                ),
            ],
        )
    };
    assert_eq!(put(&agg, A, "a", &[two(1.0)]), Ok(2));
    // replacing two series by two stays within the limit
    assert_eq!(put(&agg, A, "a", &[two(2.0)]), Ok(2));
    let refused = put(&agg, A, "b", &[gauge("rows", "b", 1.0)]).unwrap_err();
    assert!(matches!(
        refused.reason,
        Reason::SeriesLimit {
            active: 2,
            limit: 2
        }
    ));
}

#[test]
fn groups_expire_with_the_ttl_and_go_with_their_tenant() {
    let agg = Aggregator::new(100);
    put(&agg, A, "a", &[gauge("rows", "a", 1.0)]).unwrap();
    put(&agg, B, "b", &[gauge("rows", "b", 1.0)]).unwrap();
    agg.remove_tenant(B);
    assert!(agg.tenant_groups(B).is_empty());
    assert_eq!(agg.tenant_groups(A).len(), 1);
    // a TTL below zero: everything is older than it
    let snapshot = agg.snapshot(-1);
    assert!(snapshot.families.is_empty() && snapshot.groups.is_empty());
    assert!(agg.tenant_groups(A).is_empty());
    assert_eq!(agg.series_count(), 0);
}

#[test]
fn each_group_exposes_its_last_push_time() {
    let agg = Aggregator::new(100);
    put(&agg, A, "a", &[]).unwrap();
    let snapshot = agg.snapshot(3600);
    let times = snapshot
        .families
        .iter()
        .find(|f| f.name == GROUP_PUSH_TIME)
        .unwrap();
    assert_eq!(times.kind, MetricKind::Gauge);
    assert_eq!(times.series.len(), 1);
    assert_eq!(times.series[0].labels, job("a"));
    let ValueSnapshot::Gauge(at) = times.series[0].value else {
        panic!()
    };
    assert!((at - unix_now() as f64).abs() <= 2.0);
    let groups = agg.tenant_groups(A);
    assert_eq!((groups[0].series, groups[0].last_push), (0, at as i64));
}

#[test]
fn restore_keeps_groups_and_pushed_summaries() {
    let agg = Aggregator::new(100);
    let summary = family(
        "rtt",
        MetricKind::Summary,
        vec![(
            job("a"),
            CurrentValue::Summary(SummaryValues {
                quantiles: vec![0.5, 0.9].into(),
                values: vec![f64::NAN, 2.0].into(),
                sum: 3.0,
                count: 2,
            }),
        )],
    );
    put(&agg, A, "a", &[summary, gauge("rows", "a", 1.0)]).unwrap();
    let restored = Aggregator::new(100);
    restored.restore(agg.snapshot(3600));
    assert_eq!(series(&restored), series(&agg));
    assert_eq!(restored.tenant_groups(A), agg.tenant_groups(A));
    // the restored group is still the owner: a PUT replaces its series
    assert_eq!(put(&restored, A, "a", &[gauge("rows", "a", 7.0)]), Ok(1));
    assert_eq!(series(&restored).len(), 1);
}

#[test]
fn points_set_when_cumulative_and_add_when_delta() {
    let agg = Aggregator::new(100);
    let labels = set(&[("exported_job", "svc")]);
    let point = |kind, value, temporality| PointSample {
        name: "n".into(),
        schema: MetricSchema::undeclared(kind),
        declared: false,
        labels: labels.clone(),
        value,
        temporality,
    };
    let claims = NameClaims::default();
    let delta = point(
        MetricKind::Counter,
        CurrentValue::Counter(2.0),
        Temporality::Delta,
    );
    agg.apply_points(A, &[delta.clone(), delta], &claims);
    assert!(series(&agg)[0].3.contains("4.0"));
    agg.apply_points(
        A,
        &[point(
            MetricKind::Counter,
            CurrentValue::Counter(10.0),
            Temporality::Cumulative,
        )],
        &claims,
    );
    assert!(series(&agg)[0].3.contains("10.0"));
    let h = |bounds: Vec<f64>| {
        CurrentValue::Histogram(HistogramCounts {
            counts: vec![1; bounds.len()].into(),
            bounds: bounds.into(),
            sum: 1.0,
            count: 2,
        })
    };
    let hist = |value| PointSample {
        name: "h".into(),
        ..point(MetricKind::Histogram, value, Temporality::Delta)
    };
    assert!(
        agg.apply_points(A, &[hist(h(vec![1.0])), hist(h(vec![1.0]))], &claims)
            .is_empty()
    );
    let snapshot = agg.snapshot(3600);
    let hf = snapshot.families.iter().find(|f| f.name == "h").unwrap();
    let ValueSnapshot::Histogram {
        counts, count, sum, ..
    } = &hf.series[0].value
    else {
        panic!()
    };
    assert_eq!((&**counts, *count, *sum), (&[2u64][..], 4, 2.0));
    assert_eq!(
        agg.apply_points(A, &[hist(h(vec![5.0]))], &claims),
        vec![(0, Reason::BoundsChanged)]
    );
}

#[test]
fn removals_are_logged_for_replaced_and_deleted_groups_once_tracked() {
    let agg = Aggregator::new(100);
    put(&agg, A, "untracked", &[gauge("a", "untracked", 1.0)]).unwrap();
    assert!(agg.delete_group(A, job("untracked")));
    assert!(
        agg.drain_removals(u64::MAX).removals.is_empty(),
        "off until a sink asks"
    );
    agg.track_removals();
    put(&agg, A, "j", &[gauge("a", "j", 1.0), gauge("b", "j", 2.0)]).unwrap();
    let before = agg.snapshot(3600).generation;
    // PUT without `b`: `b` leaves; `a` is replaced by itself and stays in the snapshot
    put(&agg, A, "j", &[gauge("a", "j", 3.0)]).unwrap();
    assert!(
        agg.drain_removals(before).removals.is_empty(),
        "not before it happened"
    );
    let after = agg.snapshot(3600).generation;
    let mut names: Vec<String> = agg
        .drain_removals(after)
        .removals
        .into_iter()
        .map(|r| r.family)
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b"]);
    assert!(agg.delete_group(A, job("j")));
    let gone = agg.drain_removals(agg.snapshot(3600).generation).removals;
    let mut names: Vec<&str> = gone.iter().map(|r| r.family.as_str()).collect();
    names.sort();
    assert_eq!(names, ["a", GROUP_PUSH_TIME]);
    assert!(gone.iter().all(|r| r.tenant == A));
}
