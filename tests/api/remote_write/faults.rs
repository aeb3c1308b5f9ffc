//! Answers a real receiver will not give on demand, from a stand-in that records every
//! request: a 500 then a 204, a 429 with `Retry-After`, a 400; and the tenant-header mode.

use super::{own_metric, spawn_writing_to};
use crate::helpers::eventually;
use crate::helpers::remote_receiver::{Received, Reply, StandInReceiver};
use reqwest::header::HeaderName;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(40);

fn count(n: f64) -> serde_json::Value {
    json!({"metrics": [{"name": "x_total", "type": "counter", "value": n}]})
}

/// Waits for a request that was answered `answered` and carries `x_total`.
async fn request_with_x(receiver: &StandInReceiver, answered: u16) -> Vec<Received> {
    eventually(WAIT, "a request carrying x_total", || async {
        let all = receiver.received();
        all.iter()
            .any(|r| r.answered == answered && r.value_of("x_total").is_some())
            .then_some(all)
    })
    .await
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_body_and_timestamps() {
    let receiver = StandInReceiver::start(vec![Reply::status(500, "ingester down")]);
    let app = spawn_writing_to(&receiver.url, |_| {}).await;
    let a = app.signup().await;
    assert_eq!(app.push(&a.key, count(3.0)).await.status, 200);
    let all = request_with_x(&receiver, 204).await;
    let refused = all.iter().position(|r| r.answered == 500).unwrap();
    let retried = &all[refused + 1];
    assert_eq!(retried.answered, 204);
    assert_eq!(
        retried.body, all[refused].body,
        "the same bytes, so the same timestamps"
    );
    assert_eq!(retried.value_of("x_total"), Some(3.0));
    let labels = [("sink", "remote_write"), ("status", "500")];
    assert_eq!(
        own_metric(&app, "pushgate_sink_failures_total", &labels).await,
        1.0
    );
    assert_eq!(
        own_metric(
            &app,
            "pushgate_sink_retries_total",
            &[("sink", "remote_write")]
        )
        .await,
        1.0
    );
    assert!(
        own_metric(
            &app,
            "pushgate_sink_samples_sent_total",
            &[("sink", "remote_write")]
        )
        .await
            >= 1.0
    );
    assert!(
        own_metric(
            &app,
            "pushgate_sink_last_success_timestamp_seconds",
            &[("sink", "remote_write")]
        )
        .await
            > 1.7e9
    );
    // readiness names each configured sink: here remote write only
    let ready = app.ready().await;
    assert_eq!(ready.status, 200, "{:?}", ready.body);
    assert_eq!(ready.body["checks"]["remote_write"], "ok");
    assert!(ready.body["checks"].get("pushgateway").is_none());
    for header in [
        ("content-encoding", "snappy"),
        ("content-type", "application/x-protobuf"),
        ("x-prometheus-remote-write-version", "0.1.0"),
    ] {
        assert_eq!(retried.header(header.0), Some(header.1), "{header:?}");
    }
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let receiver = StandInReceiver::start(vec![Reply {
        status: 429,
        retry_after: Some(2),
        body: "slow down",
    }]);
    let app = spawn_writing_to(&receiver.url, |_| {}).await;
    let a = app.signup().await;
    assert_eq!(app.push(&a.key, count(1.0)).await.status, 200);
    let all = request_with_x(&receiver, 204).await;
    let refused = all.iter().position(|r| r.answered == 429).unwrap();
    let (first, again) = (&all[refused], &all[refused + 1]);
    assert_eq!(again.body, first.body);
    let waited = again.at - first.at;
    assert!(waited >= Duration::from_millis(1900), "waited {waited:?}");
}

#[tokio::test]
async fn a_400_is_counted_named_and_not_retried_then_fresh_totals_go_out() {
    let refusal = Reply::status(400, "label value too long for this tenant");
    let receiver = StandInReceiver::start(vec![refusal.clone(), refusal.clone(), refusal]);
    let app = spawn_writing_to(&receiver.url, |_| {}).await;
    let a = app.signup().await;
    assert_eq!(app.push(&a.key, count(1.0)).await.status, 200);
    let labels = [("sink", "remote_write"), ("status", "400")];
    eventually(WAIT, "a counted 400", || async {
        (own_metric(&app, "pushgate_sink_failures_total", &labels).await >= 1.0).then_some(())
    })
    .await;
    // readiness names the sink and the receiver's message while it refuses
    eventually(WAIT, "readiness to name the refusal", || async {
        let ready = app.ready().await;
        let text = ready.body.to_string();
        (ready.status == 503 && text.contains("remote_write") && text.contains("too long"))
            .then_some(())
    })
    .await;
    assert_eq!(app.push(&a.key, count(2.0)).await.status, 200);
    let all = request_with_x(&receiver, 204).await;
    let refused: Vec<&Received> = all.iter().filter(|r| r.answered == 400).collect();
    assert_eq!(refused.len(), 3);
    for pair in refused.windows(2) {
        assert_ne!(
            pair[0].body, pair[1].body,
            "a 400 is final: the next try is a new flush"
        );
    }
    assert_eq!(
        own_metric(
            &app,
            "pushgate_sink_retries_total",
            &[("sink", "remote_write")]
        )
        .await,
        0.0
    );
    let accepted = all
        .iter()
        .find(|r| r.answered == 204 && r.value_of("x_total").is_some());
    assert_eq!(
        accepted.unwrap().value_of("x_total"),
        Some(3.0),
        "the complete total"
    );
    assert_eq!(
        own_metric(&app, "pushgate_sink_failures_total", &labels).await,
        3.0
    );
}

#[tokio::test]
async fn tenant_header_mode_writes_each_tenant_in_requests_of_its_own() {
    let receiver = StandInReceiver::start(vec![]);
    let app = spawn_writing_to(&receiver.url, |s| {
        s.remote_write.remote_write_tenant_header = Some(HeaderName::from_static("x-scope-orgid"));
        s.remote_write.remote_write_headers.0.insert(
            "authorization",
            reqwest::header::HeaderValue::from_static("Bearer managed-endpoint-token"),
        );
    })
    .await;
    let (a, b) = (app.signup().await, app.signup().await);
    assert_eq!(app.push(&a.key, count(1.0)).await.status, 200);
    assert_eq!(app.push(&b.key, count(2.0)).await.status, 200);
    let all = eventually(WAIT, "both tenants' requests", || async {
        let all = receiver.received();
        let tenants: Vec<&str> = all
            .iter()
            .filter_map(|r| r.header("x-scope-orgid"))
            .collect();
        (tenants.contains(&a.user_id.as_str()) && tenants.contains(&b.user_id.as_str()))
            .then_some(all)
    })
    .await;
    for r in &all {
        let tenant = r
            .header("x-scope-orgid")
            .expect("every request names its tenant");
        let labels = r.label_values("tenant");
        assert!(!labels.is_empty());
        assert!(labels.iter().all(|t| t == tenant), "one tenant per request");
        assert_eq!(
            r.header("authorization"),
            Some("Bearer managed-endpoint-token")
        );
    }
    let of = |who: &str| {
        all.iter()
            .filter(|r| r.header("x-scope-orgid") == Some(who))
            .find_map(|r| r.value_of("x_total"))
    };
    assert_eq!(of(&a.user_id), Some(1.0));
    assert_eq!(of(&b.user_id), Some(2.0));
}
