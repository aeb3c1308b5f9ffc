//! The Pushgateway push API with Python's `prometheus_client` (and a Go-style protobuf body):
//! the values appear in the real Pushgateway under the tenant, a push replaces them, a
//! `pushadd` replaces only its families, a delete removes the group.
//! Over 300 lines: one scenario per Pushgateway rule a client library relies on, each small.

use super::{pushgateway_lacks, samples_of};
use crate::helpers::prometheus::TestPrometheus;
use crate::helpers::{Account, TestApp, clients, eventually, spawn_app, spawn_app_with};
use prometheus::{Encoder, ProtobufEncoder};
use serde_json::{Value, json};
use std::time::Duration;

async fn client_push(app: &TestApp, a: &Account, op: &str, job: &str, metrics: Value) {
    client_push_with(app, a, op, job, json!({}), metrics).await
}

async fn client_push_with(
    app: &TestApp,
    a: &Account,
    op: &str,
    job: &str,
    grouping_key: Value,
    metrics: Value,
) {
    let command = json!({
        "gateway": app.address, "key": a.key.public, "secret": a.key.secret,
        "op": op, "job": job, "grouping_key": grouping_key, "metrics": metrics,
    });
    clients::run("prometheus_push.py", command)
        .await
        .unwrap_or_else(|e| panic!("prometheus_client {op} failed: {e}"));
}

#[tokio::test]
async fn prometheus_client_pushes_replace_add_and_delete_a_group() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let t = a.user_id.as_str();
    let metrics = json!([
        {"type": "counter", "name": "rows", "help": "Rows copied.", "labels": {"table": "users"}, "value": 5},
        {"type": "gauge", "name": "last_run_ok", "value": 1},
        {"type": "histogram", "name": "copy_seconds", "buckets": [0.5, 1], "observe": [0.2, 0.7, 3]},
        {"type": "summary", "name": "batch_bytes", "observe": [10, 20]}
    ]);
    client_push_with(
        &app,
        &a,
        "push",
        "nightly",
        json!({"instance": "db1"}),
        metrics,
    )
    .await;
    let group = [
        ("tenant", t),
        ("job", "pushgate"),
        ("exported_job", "nightly"),
        ("exported_instance", "db1"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut labels = group.to_vec();
        labels.extend_from_slice(extra);
        labels
    };
    app.pushgateway_shows("rows_total", &with(&[("table", "users")]), 5.0)
        .await;
    app.pushgateway_shows("last_run_ok", &group, 1.0).await;
    app.pushgateway_shows("copy_seconds_bucket", &with(&[("le", "0.5")]), 1.0)
        .await;
    app.pushgateway_shows("copy_seconds_bucket", &with(&[("le", "1")]), 2.0)
        .await;
    app.pushgateway_shows("copy_seconds_count", &group, 3.0)
        .await;
    app.pushgateway_shows("batch_bytes_sum", &group, 30.0).await;
    let pushed_at = samples_of(&app, &a, "pushgate_group_push_time_seconds").await;
    assert_eq!(pushed_at.len(), 1, "{pushed_at:?}");
    assert_eq!(pushed_at[0].label("exported_job"), Some("nightly"));
    assert!((pushed_at[0].value - chrono::Utc::now().timestamp() as f64).abs() < 60.0);

    // push_to_gateway is a PUT: the group becomes exactly what it sends
    client_push_with(
        &app,
        &a,
        "push",
        "nightly",
        json!({"instance": "db1"}),
        json!([{"type": "counter", "name": "rows", "labels": {"table": "users"}, "value": 7}]),
    )
    .await;
    app.pushgateway_shows("rows_total", &with(&[("table", "users")]), 7.0)
        .await;
    pushgateway_lacks(&app, &a, "last_run_ok").await;
    pushgateway_lacks(&app, &a, "copy_seconds_count").await;

    // pushadd_to_gateway is a POST: only the families it sends are replaced
    client_push_with(
        &app,
        &a,
        "pushadd",
        "nightly",
        json!({"instance": "db1"}),
        json!([{"type": "gauge", "name": "last_run_ok", "value": 0}]),
    )
    .await;
    app.pushgateway_shows("last_run_ok", &group, 0.0).await;
    app.pushgateway_shows("rows_total", &with(&[("table", "users")]), 7.0)
        .await;

    client_push_with(
        &app,
        &a,
        "delete",
        "nightly",
        json!({"instance": "db1"}),
        json!([]),
    )
    .await;
    pushgateway_lacks(&app, &a, "rows_total").await;
    pushgateway_lacks(&app, &a, "last_run_ok").await;
    pushgateway_lacks(&app, &a, "pushgate_group_push_time_seconds").await;
}

/// prometheus_client writes a job or grouping value with a `/` in base64
/// (`/metrics/job@base64/…/path@base64/…`) and an empty one as `@base64/=`: the same group as
/// the plain path names, with the decoded values as labels; an empty value is no label.
#[tokio::test]
async fn prometheus_client_base64_grouping_keys_are_decoded() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let key = json!({"path": "/var/lib/db", "shard": ""});
    let rows = |v: f64| json!([{"type": "counter", "name": "rows", "value": v}]);
    client_push_with(&app, &a, "push", "backup/daily", key.clone(), rows(4.0)).await;
    let labels = [
        ("tenant", a.user_id.as_str()),
        ("exported_job", "backup/daily"),
        ("path", "/var/lib/db"),
    ];
    app.pushgateway_shows("rows_total", &labels, 4.0).await;
    let samples = samples_of(&app, &a, "rows_total").await;
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert_eq!(
        samples[0].label("shard"),
        None,
        "an empty value is no label"
    );

    // the same group again: replaced, not a second one
    client_push_with(&app, &a, "push", "backup/daily", key.clone(), rows(6.0)).await;
    app.pushgateway_shows("rows_total", &labels, 6.0).await;
    assert_eq!(samples_of(&app, &a, "rows_total").await.len(), 1);
    client_push_with(&app, &a, "delete", "backup/daily", key, json!([])).await;
    pushgateway_lacks(&app, &a, "rows_total").await;
}

/// The Pushgateway keeps a group forever; pushgate lets it go after `PUSHGATE_SERIES_TTL`
/// without a push, with all its series and its push time, while a group pushed again stays.
#[tokio::test]
async fn groups_not_pushed_for_the_ttl_leave_the_pushgateway() {
    let app = spawn_app_with(|s| s.series_ttl = Duration::from_secs(3)).await;
    let a = app.signup().await;
    let rows = |v: f64| json!([{"type": "counter", "name": "rows", "value": v}]);
    client_push(&app, &a, "push", "stale", rows(1.0)).await;
    client_push(&app, &a, "push", "fresh", rows(2.0)).await;
    let t = a.user_id.as_str();
    app.pushgateway_shows(
        "rows_total",
        &[("tenant", t), ("exported_job", "stale")],
        1.0,
    )
    .await;
    // "fresh" is pushed again every second; "stale" never
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        client_push(&app, &a, "push", "fresh", rows(2.0)).await;
        let jobs: Vec<String> = samples_of(&app, &a, "rows_total")
            .await
            .iter()
            .filter_map(|s| s.label("exported_job").map(str::to_owned))
            .collect();
        if jobs == ["fresh"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the stale group stayed: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let push_times = samples_of(&app, &a, "pushgate_group_push_time_seconds").await;
    assert_eq!(push_times.len(), 1, "{push_times:?}");
    assert_eq!(push_times[0].label("exported_job"), Some("fresh"));
}

#[tokio::test]
async fn groups_are_per_tenant_and_per_grouping_key() {
    let app = spawn_app().await;
    let (a, b) = (app.signup().await, app.signup().await);
    let counter = |v: f64| json!([{"type": "counter", "name": "batches", "value": v}]);
    client_push(&app, &a, "push", "import", counter(3.0)).await;
    client_push(&app, &a, "push", "export", counter(4.0)).await;
    client_push(&app, &b, "push", "import", counter(10.0)).await;
    let (ta, tb) = (a.user_id.as_str(), b.user_id.as_str());
    app.pushgateway_shows(
        "batches_total",
        &[("tenant", ta), ("exported_job", "import")],
        3.0,
    )
    .await;
    app.pushgateway_shows(
        "batches_total",
        &[("tenant", ta), ("exported_job", "export")],
        4.0,
    )
    .await;
    app.pushgateway_shows(
        "batches_total",
        &[("tenant", tb), ("exported_job", "import")],
        10.0,
    )
    .await;
    // B's delete of its own "import" group leaves A's alone
    client_push(&app, &b, "delete", "import", json!([])).await;
    pushgateway_lacks(&app, &b, "batches_total").await;
    assert_eq!(samples_of(&app, &a, "batches_total").await.len(), 2);
    // the live view lists A's groups with their last push
    let live = app.session(&a.token).live().await;
    let groups = live.body["groups"]
        .as_array()
        .expect("groups in the live view");
    let jobs: Vec<&str> = groups
        .iter()
        .filter_map(|g| g["labels"]["exported_job"].as_str())
        .collect();
    assert_eq!(jobs, ["export", "import"]);
    // prometheus_client sends a counter with its `_created` gauge: two series per group
    assert!(
        groups
            .iter()
            .all(|g| g["last_push"].is_string() && g["series"] == 2),
        "{groups:?}"
    );
}

#[tokio::test]
async fn a_go_style_protobuf_push_is_read() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new("jobs_processed_total", "Jobs."),
        &["queue"],
    )
    .unwrap();
    counter.with_label_values(&["mail"]).inc_by(12);
    let mut body = Vec::new();
    ProtobufEncoder::new()
        .encode(&prometheus::core::Collector::collect(&counter), &mut body)
        .unwrap();
    let r = app
        .client
        .put(app.url("/metrics/job/worker/instance/w1"))
        .basic_auth(&a.key.public, Some(&a.key.secret))
        .header(
            "Content-Type",
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    app.pushgateway_shows(
        "jobs_processed_total",
        &[
            ("tenant", a.user_id.as_str()),
            ("exported_job", "worker"),
            ("exported_instance", "w1"),
            ("queue", "mail"),
        ],
        12.0,
    )
    .await;
}

#[tokio::test]
async fn a_counter_pushed_by_two_jobs_sums_without_exported_job() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let prom = TestPrometheus::builder()
        .scrape("pushgateway", &app.pushgateway.url)
        .start()
        .await;
    let counter = |v: f64| json!([{"type": "counter", "name": "orders_synced", "value": v}]);
    client_push(&app, &a, "push", "sync_eu", counter(3.0)).await;
    client_push(&app, &a, "push", "sync_us", counter(4.0)).await;
    let query = format!(
        "sum without (exported_job) (orders_synced_total{{tenant=\"{}\"}})",
        a.user_id
    );
    eventually(
        Duration::from_secs(30),
        "the two jobs' sum in Prometheus",
        || async {
            let result = prom.query(&query).await;
            (result.as_array()?.len() == 1 && result[0]["value"][1] == "7").then_some(())
        },
    )
    .await;
    // the next push of one job replaces its value; the sum follows
    client_push(&app, &a, "push", "sync_eu", counter(10.0)).await;
    eventually(
        Duration::from_secs(30),
        "the new sum in Prometheus",
        || async { (prom.query(&query).await[0]["value"][1] == "14").then_some(()) },
    )
    .await;
}
