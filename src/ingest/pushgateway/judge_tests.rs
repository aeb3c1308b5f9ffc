use super::super::body::parse;
use super::*;
use crate::domain::{DeclaredLabels, LabelName};
use uuid::Uuid;

fn limits() -> Limits {
    Limits::default()
}

const TENANT: UserId = UserId(Uuid::from_u128(7));

fn registry_with(name: &str, schema: MetricSchema, labels: &[(&str, Option<&str>)]) -> Registry {
    let mut registry = Registry::default();
    let declared = DeclaredMetric {
        schema: Arc::new(schema),
        labels: DeclaredLabels::new(
            labels
                .iter()
                .map(|(l, d)| (LabelName::parse(l, 200).unwrap(), d.map(str::to_owned)))
                .collect(),
        ),
        is_active: true,
    };
    registry
        .metrics
        .entry(TENANT)
        .or_default()
        .insert(name.to_owned(), Arc::new(declared));
    registry
}

fn judge_with(registry: &Registry, text: &str) -> Result<Vec<GroupFamily>, Vec<FamilyError>> {
    let l = limits();
    let key = GroupingKey::parse("job/nightly/instance/db1", &l).unwrap();
    let judge = GroupJudge {
        registry,
        tenant: TENANT,
        limits: &l,
    };
    judge.judge(parse(None, text.as_bytes()).unwrap(), &key)
}

fn judge(text: &str) -> Result<Vec<GroupFamily>, Vec<FamilyError>> {
    judge_with(&Registry::default(), text)
}

fn refused(text: &str) -> FamilyError {
    let errors = judge(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

fn labels(set: &LabelSet) -> Vec<(&str, &str)> {
    set.iter().map(|(n, v)| (&**n, &**v)).collect()
}

#[test]
fn series_carry_the_grouping_labels_and_values_are_set_whole() {
    let families = judge(
        "# HELP rows_total Rows.\n# TYPE rows_total counter\nrows_total{table=\"users\"} 5\n\
         # TYPE temp gauge\ntemp -3.5\nuntyped_thing 2\n",
    )
    .unwrap();
    let rows = families.iter().find(|f| f.name == "rows_total").unwrap();
    assert_eq!(rows.schema.kind, MetricKind::Counter);
    assert_eq!(rows.schema.help.as_deref(), Some("Rows."));
    assert!(!rows.declared);
    let (set, value) = &rows.series[0];
    assert_eq!(value, &CurrentValue::Counter(5.0));
    assert!(labels(set).contains(&("exported_instance", "db1")));
    assert!(labels(set).contains(&("table", "users")));
    let temp = families.iter().find(|f| f.name == "temp").unwrap();
    assert_eq!(temp.series[0].1, CurrentValue::Gauge(-3.5));
    let untyped = families.iter().find(|f| f.name == "untyped_thing").unwrap();
    assert_eq!(untyped.schema.kind, MetricKind::Gauge);
}

#[test]
fn a_metric_label_that_disagrees_with_the_grouping_key_is_refused() {
    let e = refused("rows_total{job=\"other\"} 5\n");
    assert_eq!(
        (e.family.as_str(), e.code),
        ("rows_total", "label_conflict")
    );
    // the same value is only said twice
    assert!(judge("rows_total{job=\"nightly\"} 5\n").is_ok());
}

#[test]
fn histograms_become_per_bucket_counts() {
    let families = judge(
        "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_sum 2.5\nh_count 4\n",
    )
    .unwrap();
    let CurrentValue::Histogram(h) = &families[0].series[0].1 else {
        panic!("{families:?}")
    };
    assert_eq!((&*h.bounds, &*h.counts), (&[0.1, 1.0][..], &[1, 2][..]));
    assert_eq!((h.sum, h.count), (2.5, 4));
}

#[test]
fn summaries_keep_their_quantiles_and_nan_means_no_observation() {
    let families = judge(
        "# TYPE s summary\ns{quantile=\"0.5\"} NaN\ns{quantile=\"0.9\"} 3\ns_sum 0\ns_count 0\n",
    )
    .unwrap();
    let CurrentValue::Summary(s) = &families[0].series[0].1 else {
        panic!()
    };
    assert_eq!(&*s.quantiles, &[0.5, 0.9]);
    assert!(s.values[0].is_nan());
}

#[test]
fn invalid_families_are_named_with_their_reason() {
    for (text, family, code) in [
        (
            "push_time_seconds 1\n",
            "push_time_seconds",
            "reserved_name",
        ),
        ("go_goroutines 1\n", "go_goroutines", "reserved_name"),
        ("page_views_total 1\n", "page_views_total", "reserved_name"),
        ("pushgate_x 1\n", "pushgate_x", "reserved_name"),
        ("# TYPE g gauge\ng NaN\n", "g", "invalid_value"),
        ("# TYPE g gauge\ng +Inf\n", "g", "invalid_value"),
        ("x 1 1700000000000\n", "x", "timestamp_not_allowed"),
        ("x{__bad=\"1\"} 1\n", "x", "invalid_label_name"),
        (
            "x{job=\"nightly\"} 1\nx{job=\"\"} 2\n",
            "x",
            "duplicate_series",
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 1\n",
            "h",
            "invalid_value",
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1.5\nh_bucket{le=\"+Inf\"} 2\n",
            "h",
            "invalid_value",
        ),
    ] {
        let e = refused(text);
        assert_eq!(
            (e.family.as_str(), e.code),
            (family, code),
            "{text}: {}",
            e.message
        );
    }
}

#[test]
fn conflicting_families_within_one_push_are_refused() {
    let errors = judge(
        "# TYPE req summary\nreq_sum 1\nreq_count 1\n# TYPE req_count_x gauge\nreq_count_x 1\n",
    );
    assert!(errors.is_ok(), "{errors:?}");
    let errors =
        judge("# TYPE lat histogram\nlat_bucket{le=\"+Inf\"} 1\nlat_count 1\nlat_sum 1\n# TYPE lat_bucket gauge\nlat_bucket 2\n")
            .unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.code == "type_conflict" && e.message.contains("lat_bucket")),
        "{errors:?}"
    );
}

#[test]
fn every_bad_family_is_reported() {
    let errors = judge("go_x 1\nok_metric 1\n# TYPE g gauge\ng NaN\n").unwrap_err();
    let names: Vec<&str> = errors.iter().map(|e| e.family.as_str()).collect();
    assert_eq!(names, ["g", "go_x"]);
}

#[test]
fn a_declared_metric_keeps_its_type_labels_and_buckets() {
    let counter = registry_with(
        "signups_total",
        MetricSchema::declared(MetricKind::Counter, None, None, None),
        &[("plan", Some("free"))],
    );
    let families = judge_with(&counter, "signups_total 3\n").unwrap();
    assert!(families[0].declared);
    assert!(labels(&families[0].series[0].0).contains(&("plan", "free")));
    let e = judge_with(&counter, "# TYPE signups_total gauge\nsignups_total 3\n").unwrap_err();
    assert_eq!(e[0].code, "type_mismatch");
    let e = judge_with(&counter, "signups_total{region=\"eu\"} 3\n").unwrap_err();
    assert_eq!(e[0].code, "label_not_declared");

    let histogram = registry_with(
        "checkout_seconds",
        MetricSchema::declared(MetricKind::Histogram, None, Some(&[1.0, 2.0]), None),
        &[],
    );
    let ok = "# TYPE checkout_seconds histogram\ncheckout_seconds_bucket{le=\"1\"} 1\ncheckout_seconds_bucket{le=\"2\"} 1\ncheckout_seconds_bucket{le=\"+Inf\"} 1\ncheckout_seconds_sum 1\ncheckout_seconds_count 1\n";
    assert!(judge_with(&histogram, ok).is_ok());
    let other = "# TYPE checkout_seconds histogram\ncheckout_seconds_bucket{le=\"5\"} 1\ncheckout_seconds_bucket{le=\"+Inf\"} 1\ncheckout_seconds_sum 1\ncheckout_seconds_count 1\n";
    assert_eq!(
        judge_with(&histogram, other).unwrap_err()[0].code,
        "buckets_mismatch"
    );
}

#[test]
fn families_without_samples_are_left_out() {
    assert!(
        judge("# HELP lonely Nothing.\n# TYPE lonely gauge\n")
            .unwrap()
            .is_empty()
    );
}
