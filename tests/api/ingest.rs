use crate::helpers::{Key, TestApp, eventually, exposition, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::time::Duration;

fn one(name: &str, kind: &str, value: Value) -> Value {
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
    let text = app.pushgateway.metrics_text().await;
    assert_eq!(
        exposition::find(&text, "push_failure_time_seconds", &[("job", "pushgate")]),
        Some(0.0)
    );
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
    let text = app.pushgateway.metrics_text().await;
    assert_eq!(
        exposition::find(&text, "push_failure_time_seconds", &[("job", "pushgate")]),
        Some(0.0)
    );
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
    let text = app.pushgateway.metrics_text().await;
    assert_eq!(
        exposition::find(&text, "push_failure_time_seconds", &[("job", "pushgate")]),
        Some(0.0)
    );
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

    app.call(
        "DELETE",
        &format!("/api/v1/metric-configs/{id}"),
        Some(&a.token),
        None,
    )
    .await;
    app.call(
        "DELETE",
        "/api/v1/auth/me",
        Some(&b.token),
        Some(json!({"password": b.password})),
    )
    .await;
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
