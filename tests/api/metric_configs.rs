use crate::helpers::spawn_app;
use serde_json::{Value, json};

fn counter(name: &str) -> Value {
    json!({"name": "Signups", "metric_name": name, "metric_type": "counter", "labels": {"plan": null, "source": "web"}})
}

#[tokio::test]
async fn crud_round_trip() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app.create_config(&a, counter("signups_total")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["labels"], json!({"plan": null, "source": "web"}));
    assert_eq!(r.body["is_active"], true);
    let path = format!("/api/v1/metric-configs/{id}");

    let list = app
        .call("GET", "/api/v1/metric-configs", Some(&a.token), None)
        .await;
    assert_eq!(list.body["metric_configs"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.call("GET", &path, Some(&a.token), None).await.body["metric_name"],
        "signups_total"
    );

    let put = app
        .call("PUT", &path, Some(&a.token), Some(json!({"name": "Latency", "metric_name": "checkout_seconds", "metric_type": "histogram", "buckets": [0.1, 0.5, 1]})))
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["buckets"], json!([0.1, 0.5, 1.0]));
    assert_eq!(put.body["labels"], json!({}), "PUT replaces every field");

    assert_eq!(
        app.call("DELETE", &path, Some(&a.token), None).await.status,
        204
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&a.token), None).await.status,
        404
    );
    assert_eq!(
        app.call("GET", &path, Some(&a.token), None).await.status,
        404
    );
}

#[tokio::test]
async fn validation_table() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let cases = [
        (
            json!({"name": "x", "metric_name": "1bad", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "a-b", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "go_things", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "pushgate_x", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "page_views_total", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "web_vitals_lcp_seconds_bucket", "metric_type": "counter"}),
            "metric_name",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "timer"}),
            "metric_type",
        ),
        (
            json!({"name": "", "metric_name": "ok", "metric_type": "counter"}),
            "name",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "histogram", "buckets": [1, 1]}),
            "buckets",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "histogram", "buckets": [2, 1]}),
            "buckets",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "buckets": [1]}),
            "buckets",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "summary", "quantiles": [0.5, 1]}),
            "quantiles",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "summary", "quantiles": [0]}),
            "quantiles",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "gauge", "quantiles": [0.5]}),
            "quantiles",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "labels": {"le": null}}),
            "labels",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "labels": {"tenant": null}}),
            "labels",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "labels": {"__x": null}}),
            "labels",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "labels": {"bad-name": null}}),
            "labels",
        ),
        (
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "labels": {"plan": 5}}),
            "labels",
        ),
    ];
    for (body, field) in cases {
        let r = app.create_config(&a, body.clone()).await;
        assert_eq!(r.status, 400, "{body} -> {:?}", r.body);
        assert!(
            r.body["error"]["details"]["fields"][field].is_string(),
            "{body} -> {:?}",
            r.body
        );
    }
    let r = app
        .create_config(
            &a,
            json!({"name": "x", "metric_name": "ok", "metric_type": "counter", "colour": "red"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "invalid_json"),
        "unknown fields are refused"
    );
    let r = app
        .create_config(&a, json!({"name": "x", "metric_type": "counter"}))
        .await;
    assert_eq!(r.status, 400, "missing metric_name");
}

#[tokio::test]
async fn metric_name_is_unique_per_user_only() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    assert_eq!(
        app.create_config(&a, counter("signups_total")).await.status,
        201
    );
    let dup = app.create_config(&a, counter("signups_total")).await;
    assert_eq!(dup.status, 409);
    assert!(
        dup.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signups_total")
    );
    assert_eq!(
        app.create_config(&b, counter("signups_total")).await.status,
        201,
        "same name, same type, another tenant"
    );
}

#[tokio::test]
async fn cross_tenant_type_and_suffix_conflicts_are_refused() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    assert_eq!(
        app.create_config(
            &a,
            json!({"name": "x", "metric_name": "latency", "metric_type": "histogram"})
        )
        .await
        .status,
        201
    );
    let r = app
        .create_config(
            &b,
            json!({"name": "x", "metric_name": "latency", "metric_type": "gauge"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("histogram"),
        "{:?}",
        r.body
    );
    let r = app
        .create_config(
            &b,
            json!({"name": "x", "metric_name": "latency_count", "metric_type": "counter"}),
        )
        .await;
    assert_eq!(r.status, 409, "collides with the histogram's _count");
    let r = app.create_config(&b, json!({"name": "x", "metric_name": "latency", "metric_type": "histogram", "buckets": [1, 2]})).await;
    assert_eq!(r.status, 201, "same type, own buckets: fine");
}

#[tokio::test]
async fn another_tenants_config_is_not_found() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let id = app.create_config(&a, counter("signups_total")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/metric-configs/{id}");
    assert_eq!(
        app.call("GET", &path, Some(&b.token), None).await.status,
        404
    );
    assert_eq!(
        app.call("PUT", &path, Some(&b.token), Some(json!({"bad": true})))
            .await
            .status,
        404
    );
    assert_eq!(
        app.call("DELETE", &path, Some(&b.token), None).await.status,
        404
    );
    assert_eq!(
        app.call(
            "POST",
            &format!("{path}/generate-code"),
            Some(&b.token),
            Some(json!({"api_key_id": b.key.id}))
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.call("GET", "/api/v1/metric-configs", Some(&b.token), None)
            .await
            .body["metric_configs"],
        json!([])
    );
    assert_eq!(
        app.call("GET", &path, Some(&a.token), None).await.status,
        200
    );
}
