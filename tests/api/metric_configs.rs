//! Metric configs: CRUD, validation of every field, names unique per tenant, cross-tenant
//! type and suffix conflicts refused, another tenant's config not found.

use crate::helpers::in_process_app;
use serde_json::{Value, json};

fn counter(name: &str) -> Value {
    json!({"name": "Signups", "metric_name": name, "metric_type": "counter", "labels": {"plan": null, "source": "web"}})
}

#[tokio::test]
async fn crud_round_trip() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let r = app.create_config(&a, counter("signups_total")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["labels"], json!({"plan": null, "source": "web"}));
    assert_eq!(r.body["is_active"], true);
    let session = app.session(&a.token);

    let list = session.configs().await;
    assert_eq!(list.body["metric_configs"].as_array().unwrap().len(), 1);
    assert_eq!(
        session.config(&id).await.body["metric_name"],
        "signups_total"
    );

    let put = session
        .replace_config(&id, &json!({"name": "Latency", "metric_name": "checkout_seconds", "metric_type": "histogram", "buckets": [0.1, 0.5, 1]}))
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["buckets"], json!([0.1, 0.5, 1.0]));
    assert_eq!(put.body["labels"], json!({}), "PUT replaces every field");

    assert_eq!(session.delete_config(&id).await.status, 204);
    assert_eq!(session.delete_config(&id).await.status, 404);
    assert_eq!(session.config(&id).await.status, 404);
}

#[tokio::test]
async fn validation_table() {
    let app = in_process_app().await;
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
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    assert_eq!(
        app.create_config(&a, counter("signups_total")).await.status,
        201
    );
    let dup = app.create_config(&a, counter("signups_total")).await;
    assert_eq!(dup.status, 409);
    assert!(dup.error_message().contains("signups_total"));
    assert_eq!(
        app.create_config(&b, counter("signups_total")).await.status,
        201,
        "same name, same type, another tenant"
    );
}

#[tokio::test]
async fn cross_tenant_type_and_suffix_conflicts_are_refused() {
    let app = in_process_app().await;
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
    assert!(r.error_message().contains("histogram"), "{:?}", r.body);
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
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let id = app.create_config(&a, counter("signups_total")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let as_b = app.session(&b.token);
    assert_eq!(as_b.config(&id).await.status, 404);
    assert_eq!(
        as_b.replace_config(&id, &json!({"bad": true})).await.status,
        404
    );
    assert_eq!(as_b.delete_config(&id).await.status, 404);
    assert_eq!(as_b.generate_code(&id, &b.key.id).await.status, 404);
    assert_eq!(as_b.configs().await.body["metric_configs"], json!([]));
    assert_eq!(app.session(&a.token).config(&id).await.status, 200);
}
