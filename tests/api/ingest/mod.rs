//! Ingestion end to end (SPEC §5): what a push does in the real Pushgateway, exactly, under
//! concurrency and across an outage; the rules each item is judged by (`validation`) and what
//! tenants' choices can and cannot do to each other (`tenants`). Over the socket: concurrency
//! and the Pushgateway are what is tested.

mod tenants;
mod validation;

use crate::helpers::{Key, TestApp, exposition, spawn_app};
use serde_json::{Value, json};

pub fn one(name: &str, kind: &str, value: Value) -> Value {
    json!({"metrics": [{"name": name, "type": kind, "value": value}]})
}

#[tokio::test]
async fn a_curl_push_reaches_the_pushgateway_with_the_tenant_label() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .push(
            &a.key,
            json!({"metrics": [
                {"name": "signups_total", "type": "counter", "value": 1, "labels": {"plan": "pro"}},
                {"name": "cart_items", "type": "gauge", "value": 3, "op": "set"},
                {"name": "checkout_seconds", "type": "histogram", "value": 0.42}
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body, json!({"accepted": 3, "rejected": 0, "errors": []}));
    let t = a.user_id.as_str();
    app.pushgateway_shows(
        "signups_total",
        &[
            ("tenant", t),
            ("plan", "pro"),
            ("job", "pushgate"),
            ("instance", "test"),
        ],
        1.0,
    )
    .await;
    app.pushgateway_shows("cart_items", &[("tenant", t)], 3.0)
        .await;
    app.pushgateway_shows(
        "checkout_seconds_bucket",
        &[("tenant", t), ("le", "0.5")],
        1.0,
    )
    .await;
    app.pushgateway_shows(
        "checkout_seconds_bucket",
        &[("tenant", t), ("le", "0.25")],
        0.0,
    )
    .await;
    app.pushgateway_shows("checkout_seconds_sum", &[("tenant", t)], 0.42)
        .await;
    // and the Pushgateway accepted every push
    app.pushgateway.assert_never_refused_a_push().await;
}

#[tokio::test]
async fn gauges_set_inc_dec_and_summaries() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .push(
            &a.key,
            json!({"metrics": [
                {"name": "queue", "type": "gauge", "value": 10},
                {"name": "queue", "type": "gauge", "value": 4, "op": "inc"},
                {"name": "queue", "type": "gauge", "value": 5, "op": "dec"},
                {"name": "rt", "type": "summary", "value": 1},
                {"name": "rt", "type": "summary", "value": 3}
            ]}),
        )
        .await;
    assert_eq!(r.body["accepted"], 5);
    let t = a.user_id.as_str();
    app.pushgateway_shows("queue", &[("tenant", t)], 9.0).await;
    app.pushgateway_shows("rt_count", &[("tenant", t)], 2.0)
        .await;
    app.pushgateway_shows("rt_sum", &[("tenant", t)], 4.0).await;
    let text = app.pushgateway.metrics_text().await;
    let median = exposition::find(&text, "rt", &[("tenant", t), ("quantile", "0.5")])
        .expect("quantile series");
    assert!((0.95..=3.05).contains(&median), "{median}");
}

async fn concurrent_increments(app: &TestApp, key: &Key, clients: usize, batches: usize) -> f64 {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = app.client.clone();
        let url = app.url("/api/v1/metrics");
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0.0;
            for b in 0..batches {
                let inc = ((c + b) % 5 + 1) as f64;
                let body = json!({"metrics": [
                    {"name": "orders_total", "type": "counter", "value": inc},
                    {"name": "order_value", "type": "histogram", "value": inc}
                ]});
                let r = client
                    .post(&url)
                    .header("X-API-Key", &key.public)
                    .header("X-API-Secret", &key.secret)
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                sent += inc;
            }
            sent
        }));
    }
    let mut total = 0.0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total
}

#[tokio::test]
async fn concurrent_increments_add_up_exactly() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let (clients, batches) = (8, 500);
    let total = concurrent_increments(&app, &a.key, clients, batches).await;
    let t = a.user_id.as_str();
    app.pushgateway_shows("orders_total", &[("tenant", t)], total)
        .await;
    app.pushgateway_shows(
        "order_value_count",
        &[("tenant", t)],
        (clients * batches) as f64,
    )
    .await;
    app.pushgateway_shows("order_value_sum", &[("tenant", t)], total)
        .await;
    // every increment is 1..=5, so all fall at or below le=5
    app.pushgateway_shows(
        "order_value_bucket",
        &[("tenant", t), ("le", "5")],
        (clients * batches) as f64,
    )
    .await;
    app.pushgateway_shows("order_value_bucket", &[("tenant", t), ("le", "0.5")], 0.0)
        .await;
}

#[tokio::test]
async fn label_values_with_special_characters_arrive_intact() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let nasty = "quote\" back\\slash\nnewline ünïcødé 🚀 } # {x=\"y\"}";
    let r = app.push(&a.key, json!({"metrics": [{"name": "weird_total", "type": "counter", "value": 1, "labels": {"v": nasty}}]})).await;
    assert_eq!(r.status, 200);
    app.pushgateway_shows(
        "weird_total",
        &[("tenant", a.user_id.as_str()), ("v", nasty)],
        1.0,
    )
    .await;
}

#[tokio::test]
async fn batch_id_makes_retries_safe() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let batch = json!({"batch_id": "b-1", "metrics": [{"name": "retry_total", "type": "counter", "value": 1}]});
    let first = app.push(&a.key, batch.clone()).await;
    assert_eq!(first.body["accepted"], 1);
    assert!(first.body.get("duplicate").is_none());
    let again = app.push(&a.key, batch.clone()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["duplicate"], true);
    assert_eq!(again.body["accepted"], 1);
    // concurrently, ten copies of another batch count once
    let copies = json!({"batch_id": "b-2", "metrics": [{"name": "retry_total", "type": "counter", "value": 1}]});
    let sends: Vec<_> = (0..10).map(|_| app.push(&a.key, copies.clone())).collect();
    let results = futures_util::future::join_all(sends).await;
    assert!(results.iter().all(|r| r.status == 200));
    assert_eq!(
        results
            .iter()
            .filter(|r| r.body.get("duplicate").is_none())
            .count(),
        1
    );
    let other = json!({"batch_id": "b-3", "metrics": [{"name": "retry_total", "type": "counter", "value": 1}]});
    app.push(&a.key, other).await;
    app.pushgateway_shows("retry_total", &[("tenant", a.user_id.as_str())], 3.0)
        .await;
}

#[tokio::test]
async fn pushgateway_outage_loses_nothing() {
    let mut app = spawn_app().await;
    let a = app.signup().await;
    let t = a.user_id.clone();
    let half = concurrent_increments(&app, &a.key, 4, 50).await;
    app.pushgateway_shows("orders_total", &[("tenant", &t)], half)
        .await;
    app.pushgateway.stop();
    let during = concurrent_increments(&app, &a.key, 4, 50).await;
    app.pushgateway.restart().await;
    let after = concurrent_increments(&app, &a.key, 2, 20).await;
    app.pushgateway_shows("orders_total", &[("tenant", &t)], half + during + after)
        .await;
}
