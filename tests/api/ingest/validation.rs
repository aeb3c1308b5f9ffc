//! Each item judged on its own, whole-batch refusals, credentials, declared metrics.

use super::one;
use crate::helpers::{Key, spawn_app, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn validation_rules_each_item_on_its_own() {
    let app = spawn_app_with(|s| s.limits.max_label_value_len = 50).await;
    let a = app.signup().await;
    let long = "v".repeat(51);
    let cases: Vec<(Value, &str)> = vec![
        (json!("not an object"), "invalid_item"),
        (json!({"type": "counter", "value": 1}), "missing_field"),
        (
            json!({"name": "1bad", "type": "counter", "value": 1}),
            "invalid_name",
        ),
        (
            json!({"name": 7, "type": "counter", "value": 1}),
            "invalid_name",
        ),
        (json!({"name": "x", "value": 1}), "missing_field"),
        (
            json!({"name": "x", "type": "timer", "value": 1}),
            "invalid_type",
        ),
        (json!({"name": "x", "type": "counter"}), "missing_field"),
        (
            json!({"name": "x", "type": "counter", "value": "1"}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": "NaN"}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": null}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": true}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": -1}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "op": "inc"}),
            "invalid_op",
        ),
        (
            json!({"name": "g", "type": "gauge", "value": 1, "op": "mul"}),
            "invalid_op",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "timestamp": 1700000000}),
            "timestamp_not_allowed",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "extra": 1}),
            "unknown_field",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"__name__": "y"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"le": "1"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"quantile": "1"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"tenant": "other"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"instance": "i"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"job": "j"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"a-b": "j"}}),
            "invalid_label_name",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"a": 1}}),
            "invalid_label_value",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": ["a"]}),
            "invalid_labels",
        ),
        (
            json!({"name": "x", "type": "counter", "value": 1, "labels": {"a": long}}),
            "label_value_too_long",
        ),
        (
            json!({"name": "process_cpu_seconds_total", "type": "gauge", "value": 1}),
            "reserved_name",
        ),
        (
            json!({"name": "push_time_seconds", "type": "gauge", "value": 1}),
            "reserved_name",
        ),
        (
            json!({"name": "pushgate_things", "type": "gauge", "value": 1}),
            "reserved_name",
        ),
        (
            json!({"name": "page_views_total", "type": "counter", "value": 1}),
            "reserved_name",
        ),
        (
            json!({"name": "web_vitals_cls_bucket", "type": "counter", "value": 1}),
            "reserved_name",
        ),
    ];
    let mut items: Vec<Value> = cases.iter().map(|(item, _)| item.clone()).collect();
    items.push(json!({"name": "fine_total", "type": "counter", "value": 2}));
    let r = app.push(&a.key, json!({ "metrics": items })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["accepted"], 1);
    assert_eq!(r.body["rejected"], cases.len());
    let errors = r.body["errors"].as_array().unwrap();
    for (i, (item, code)) in cases.iter().enumerate() {
        let e = &errors[i];
        assert_eq!(e["index"], i, "{item}");
        assert_eq!(e["code"], *code, "{item} -> {e}");
        assert!(e["message"].as_str().unwrap().len() > 15, "{e}");
    }
    assert!(
        errors[25]["message"].as_str().unwrap().contains("50"),
        "names the limit value"
    );
    app.pushgateway_shows("fine_total", &[("tenant", a.user_id.as_str())], 2.0)
        .await;
    app.pushgateway.assert_never_refused_a_push().await;
}

#[tokio::test]
async fn whole_batch_errors() {
    let app = spawn_app_with(|s| {
        s.limits.max_batch_items = 5;
        s.limits.max_body_bytes = 2000;
    })
    .await;
    let a = app.signup().await;
    let r = app.push(&a.key, json!({"metrics": []})).await;
    assert_eq!((r.status, r.error_code()), (400, "empty_batch"));
    let items: Vec<Value> = (0..6)
        .map(|_| json!({"name": "x", "type": "counter", "value": 1}))
        .collect();
    let r = app.push(&a.key, json!({"metrics": items})).await;
    assert_eq!((r.status, r.error_code()), (400, "batch_too_large"));
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_batch_items) is 5")
    );
    let r = app
        .push_raw(
            &a.key,
            format!("{{\"metrics\": [], \"pad\": \"{}\"}}", "x".repeat(5000)),
        )
        .await;
    assert_eq!((r.status, r.error_code()), (413, "payload_too_large"));
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2000")
    );
    for bad in [
        "{",
        "[]",
        "{\"metrics\": {}}",
        "{\"metrics\": [], \"x\": 1}",
        "{\"metrics\": [1], \"batch_id\": 5}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":NaN}]}",
        "{\"metrics\":[{\"name\":\"x\",\"type\":\"counter\",\"value\":1e999}]}",
    ] {
        let r = app.push_raw(&a.key, bad.to_owned()).await;
        assert_eq!(r.status, 400, "{bad} -> {:?}", r.body);
        assert!(r.body["error"]["code"].is_string());
    }
    let r = app
        .push(
            &a.key,
            json!({"metrics": [{"name": "x", "type": "counter", "value": -1}]}),
        )
        .await;
    assert_eq!((r.status, r.error_code()), (422, "nothing_accepted"));
    assert_eq!(r.body["error"]["details"]["accepted"], 0);
    assert_eq!(r.body["error"]["details"]["rejected"], 1);
    assert_eq!(
        r.body["error"]["details"]["errors"][0]["code"],
        "invalid_value"
    );
}

#[tokio::test]
async fn credentials_are_checked() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let batch = one("x_total", "counter", json!(1));
    let wrong = Key {
        secret: "sk_wrong".into(),
        ..a.key.clone()
    };
    let unknown = Key {
        public: "pk_unknown".into(),
        ..a.key.clone()
    };
    for key in [wrong, unknown] {
        let r = app.push(&key, batch.clone()).await;
        assert_eq!((r.status, r.error_code()), (401, "unauthorized"));
    }
    let r = app
        .client
        .post(app.url("/api/v1/metrics"))
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(app.url("/api/v1/metrics"))
        .header("X-API-Key", &a.key.public)
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "key alone without a browser origin");
}

#[tokio::test]
async fn curl_form_without_content_type_is_accepted() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .client
        .post(app.url("/api/v1/metrics"))
        .header("X-API-Key", &a.key.public)
        .header("X-API-Secret", &a.key.secret)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(one("x_total", "counter", json!(1)).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn declared_metrics_take_type_defaults_and_only_declared_labels() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app.create_config(&a, json!({"name": "Signups", "metric_name": "signups_total", "metric_type": "counter", "help": "Sign-ups.", "labels": {"plan": null, "source": "web"}})).await;
    assert_eq!(r.status, 201);
    let r = app
        .push(
            &a.key,
            json!({"metrics": [
                {"name": "signups_total", "value": 2, "labels": {"plan": "pro"}},
                {"name": "signups_total", "type": "gauge", "value": 1},
                {"name": "signups_total", "value": 1, "labels": {"country": "fr"}}
            ]}),
        )
        .await;
    assert_eq!(r.body["accepted"], 1, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "type_mismatch");
    assert_eq!(r.body["errors"][1]["code"], "label_not_declared");
    app.pushgateway_shows(
        "signups_total",
        &[
            ("tenant", a.user_id.as_str()),
            ("plan", "pro"),
            ("source", "web"),
        ],
        2.0,
    )
    .await;
    assert!(
        app.pushgateway
            .metrics_text()
            .await
            .contains("# HELP signups_total Sign-ups.")
    );
}
