//! OTLP/HTTP with the OpenTelemetry Python SDK's protobuf exporter, cumulative and delta,
//! and the JSON form with curl: counters, up-down counters and histograms arrive exact.

use super::samples_of;
use crate::helpers::{Account, TestApp, clients, spawn_app};
use serde_json::{Value, json};

async fn export(app: &TestApp, a: &Account, temporality: &str, gzip: bool, rounds: Value) {
    let command = json!({
        "endpoint": app.address, "key": a.key.public, "secret": a.key.secret,
        "temporality": temporality, "gzip": gzip,
        "resource": {"service.name": "billing", "service.instance.id": "pod-1"},
        "rounds": rounds,
    });
    clients::run("otel_export.py", command)
        .await
        .unwrap_or_else(|e| panic!("the OTLP export failed: {e}"));
}

/// Two exports' worth of measurements: the totals are the same whatever the temporality.
fn two_rounds() -> Value {
    let m = |instrument: &str, name: &str, unit: &str, value: f64| {
        json!({"instrument": instrument, "name": name, "unit": unit, "value": value,
               "attributes": {"queue": "mail"}, "boundaries": [0.5, 1.0]})
    };
    json!([
        [
            m("counter", "jobs.done", "{job}", 5.0),
            m("up_down_counter", "queue.depth", "{job}", 5.0),
            m("histogram", "job.duration", "s", 0.3),
            m("histogram", "job.duration", "s", 0.7),
        ],
        [
            m("counter", "jobs.done", "{job}", 3.0),
            m("up_down_counter", "queue.depth", "{job}", -2.0),
            m("histogram", "job.duration", "s", 2.0),
        ]
    ])
}

async fn the_totals_are_exact(app: &TestApp, a: &Account) {
    let labels = [
        ("tenant", a.user_id.as_str()),
        ("exported_job", "billing"),
        ("exported_instance", "pod-1"),
        ("queue", "mail"),
    ];
    let with = |extra: (&'static str, &'static str)| {
        let mut l = labels.to_vec();
        l.push(extra);
        l
    };
    app.pushgateway_shows("jobs_done_total", &labels, 8.0).await;
    app.pushgateway_shows("queue_depth", &labels, 3.0).await;
    app.pushgateway_shows("job_duration_seconds_bucket", &with(("le", "0.5")), 1.0)
        .await;
    app.pushgateway_shows("job_duration_seconds_bucket", &with(("le", "1")), 2.0)
        .await;
    app.pushgateway_shows("job_duration_seconds_bucket", &with(("le", "+Inf")), 3.0)
        .await;
    app.pushgateway_shows("job_duration_seconds_count", &labels, 3.0)
        .await;
    app.pushgateway_shows("job_duration_seconds_sum", &labels, 3.0)
        .await;
    // types as the compatibility rules say: a counter, a gauge, a histogram
    let text = app.pushgateway.metrics_text().await;
    for (name, kind) in [
        ("jobs_done_total", "counter"),
        ("queue_depth", "gauge"),
        ("job_duration_seconds", "histogram"),
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} {kind}")),
            "{name} should be a {kind}"
        );
    }
}

#[tokio::test]
async fn the_sdk_exports_cumulative_totals_exactly() {
    let app = spawn_app().await;
    let a = app.signup().await;
    export(&app, &a, "cumulative", false, two_rounds()).await;
    the_totals_are_exact(&app, &a).await;
}

#[tokio::test]
async fn the_sdk_exports_delta_increments_that_add_up_exactly() {
    let app = spawn_app().await;
    let a = app.signup().await;
    export(&app, &a, "delta", true, two_rounds()).await;
    the_totals_are_exact(&app, &a).await;
}

fn curl(app: &TestApp, a: &Account, body: &str) -> (u16, Value) {
    let out = std::process::Command::new("curl")
        .args(["-sS", "-w", "\n%{http_code}", "-X", "POST"])
        .arg(app.url("/v1/metrics"))
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", &format!("X-API-Key: {}", a.key.public)])
        .args(["-H", &format!("X-API-Secret: {}", a.key.secret)])
        .args(["--data-binary", body])
        .output()
        .expect("curl is installed (scripts/install-deps)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", ""));
    (
        status.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn curl_posts_the_json_form_and_hears_which_points_were_rejected() {
    let app = spawn_app().await;
    let a = app.signup().await;
    // the OTLP JSON mapping: 64-bit integers as strings, enums as numbers, camelCase keys
    let body = r#"{"resourceMetrics":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"cron"}}]},
      "scopeMetrics":[{"metrics":[
        {"name":"backups.made","sum":{"aggregationTemporality":2,"isMonotonic":true,
          "dataPoints":[{"asInt":"42","timeUnixNano":"1700000000000000000"}]}},
        {"name":"disk.free","unit":"By","gauge":{"dataPoints":[{"asDouble":1.5e9}]}},
        {"name":"latency","exponentialHistogram":{"aggregationTemporality":2,
          "dataPoints":[{"count":"1","scale":1}]}}]}]}]}"#;
    let (status, answer) = curl(&app, &a, body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["partialSuccess"]["rejectedDataPoints"], json!("1"));
    let message = answer["partialSuccess"]["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("latency") && message.contains("exponential"),
        "{message}"
    );
    let t = a.user_id.as_str();
    app.pushgateway_shows(
        "backups_made_total",
        &[("tenant", t), ("exported_job", "cron")],
        42.0,
    )
    .await;
    app.pushgateway_shows("disk_free_bytes", &[("tenant", t)], 1.5e9)
        .await;
    assert!(samples_of(&app, &a, "latency").await.is_empty());
}
