//! What tenants' choices can and cannot do: clashing types never break the push, a deleted
//! config or account takes its series along, the series limit and the idle-series TTL.

use super::one;
use crate::helpers::{eventually, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn tenants_choosing_clashing_types_never_break_the_push() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    assert_eq!(
        app.push(&a.key, one("shared", "counter", json!(1)))
            .await
            .status,
        200
    );
    let r = app.push(&b.key, one("shared", "gauge", json!(5))).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"]["details"]["errors"][0]["code"],
        "type_conflict"
    );
    let r = app.push(&b.key, one("lat", "histogram", json!(1))).await;
    assert_eq!(r.status, 200);
    let r = app
        .push(&a.key, one("lat_bucket", "counter", json!(1)))
        .await;
    assert_eq!(
        r.body["error"]["details"]["errors"][0]["code"], "type_conflict",
        "{:?}",
        r.body
    );
    // a config of the other type is refused while the name is in use
    let r = app
        .create_config(
            &b,
            json!({"name": "x", "metric_name": "shared", "metric_type": "gauge"}),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    // same type is shared in one family
    assert_eq!(
        app.push(&b.key, one("shared", "counter", json!(4)))
            .await
            .status,
        200
    );
    app.pushgateway_shows("shared", &[("tenant", b.user_id.as_str())], 4.0)
        .await;
    app.pushgateway_shows("shared", &[("tenant", a.user_id.as_str())], 1.0)
        .await;
    app.pushgateway.assert_never_refused_a_push().await;
    let text = app.pushgateway.metrics_text().await;
    assert_eq!(text.matches("# TYPE shared counter").count(), 1);
}

#[tokio::test]
async fn deleting_a_config_or_an_account_removes_its_series() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let id = app
        .create_config(
            &a,
            json!({"name": "x", "metric_name": "gone_total", "metric_type": "counter"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.push(&a.key, one("gone_total", "counter", json!(1)))
        .await;
    app.push(&b.key, one("stays_total", "counter", json!(1)))
        .await;
    app.push(&b.key, one("gone_with_account", "counter", json!(1)))
        .await;
    app.pushgateway_shows("gone_total", &[("tenant", a.user_id.as_str())], 1.0)
        .await;
    app.pushgateway_shows("gone_with_account", &[("tenant", b.user_id.as_str())], 1.0)
        .await;

    app.session(&a.token).delete_config(&id).await;
    app.session(&b.token).delete_account(&b.password).await;
    eventually(Duration::from_secs(10), "series removed", || async {
        let text = app.pushgateway.metrics_text().await;
        (!text.contains("gone_total")
            && !text.contains("gone_with_account")
            && !text.contains("stays_total"))
        .then_some(())
    })
    .await;
}

#[tokio::test]
async fn series_limit_and_idle_series_ttl() {
    let app = spawn_app_with(|s| {
        s.limits.max_series_per_tenant = 2;
        s.series_ttl = Duration::from_secs(2);
    })
    .await;
    let a = app.signup().await;
    let items: Vec<Value> = (0..3).map(|i| json!({"name": "per_page_total", "type": "counter", "value": 1, "labels": {"page": i.to_string()}})).collect();
    let r = app.push(&a.key, json!({"metrics": items})).await;
    assert_eq!(r.body["accepted"], 2);
    assert_eq!(r.body["errors"][0]["code"], "series_limit");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is 2")
    );
    app.pushgateway_shows("per_page_total", &[("page", "0")], 1.0)
        .await;
    eventually(
        Duration::from_secs(15),
        "idle series to leave the push",
        || async {
            (!app
                .pushgateway
                .metrics_text()
                .await
                .contains("per_page_total"))
            .then_some(())
        },
    )
    .await;
    // and the freed slots can be used again
    let r = app.push(&a.key, json!({"metrics": [{"name": "per_page_total", "type": "counter", "value": 1, "labels": {"page": "9"}}]})).await;
    assert_eq!(r.status, 200);
}
