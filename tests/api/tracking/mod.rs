//! The tracking code as the server serves it: the loader snippet, the per-key and per-config
//! scripts (configs embedded safely, ETag, CORS), browser pushes (origins, declared metrics,
//! built-ins), the live view and the dashboard's files. In process: a socket adds nothing.

mod compression;

use crate::helpers::{TestApp, in_process_app};
use serde_json::json;

#[tokio::test]
async fn snippet_is_small_async_and_has_no_secret() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let r = app
        .session(&a.token)
        .snippet(&json!({"api_key_id": a.key.id, "auto_track": true, "custom_events": true}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let snippet = r.body["snippet"].as_str().unwrap();
    assert!(snippet.len() <= 250, "{} bytes", snippet.len());
    assert!(
        snippet.contains("async")
            && snippet.contains(&a.key.public)
            && !snippet.contains(&a.key.secret)
    );
    assert!(r.body["tracker_url"].as_str().unwrap().ends_with("a=1&c=1"));
    let other = app.signup().await;
    let r = app
        .session(&other.token)
        .snippet(&json!({"api_key_id": a.key.id}))
        .await;
    assert_eq!(r.status, 404, "another tenant's key");
}

#[tokio::test]
async fn tracker_js_embeds_configs_safely_with_etag_and_cors() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let r = app.create_config(&a, json!({"name": "</script><script>alert(1)</script>", "metric_name": "clicks_total", "metric_type": "counter", "labels": {"button": "\"</script>"}})).await;
    assert_eq!(r.status, 201);
    let path = format!("/api/v1/tracker.js?k={}&a=1&c=1", a.key.public);
    let resp = app.request("GET", &path).send().await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.headers["access-control-allow-origin"], "*");
    assert!(
        resp.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let etag = resp.headers["etag"].to_str().unwrap().to_owned();
    let body = resp.body.as_str().unwrap();
    // The library's short keys (name, type, labels), the value escaped for a <script>.
    assert!(
        body.contains(
            r#"{"l":{"button":"\"\u003c/script\u003e"},"n":"clicks_total","t":"counter"}"#
        ),
        "{body}"
    );
    assert!(
        !body.contains("</script>"),
        "a config value must not close the script"
    );
    assert!(!body.contains(&a.key.secret));
    assert!(!body.contains("/*PUSHGATE_CONFIG*/null"));
    let again = app
        .request("GET", &path)
        .header("If-None-Match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);

    let unknown = app
        .request("GET", "/api/v1/tracker.js?k=pk_nope")
        .send()
        .await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.body.as_str().unwrap().contains("console.warn"));

    let code = app
        .session(&a.token)
        .generate_code(r.body["id"].as_str().unwrap(), &a.key.id)
        .await;
    assert_eq!(code.status, 200);
    let code = code.body["code"].as_str().unwrap();
    assert!(
        code.starts_with("<script>")
            && code.matches("</script>").count() == 1
            && code.contains("clicks_total")
    );

    let client = app.request("GET", "/api/v1/client").send().await;
    assert!(client.body["size_bytes"].as_u64().unwrap() > 1000);
    let script = app.request("GET", "/api/v1/client/script.js").send().await;
    assert_eq!(script.status, 200);
}

async fn browser_push(app: &TestApp, key: &str, origin: &str, body: serde_json::Value) -> u16 {
    app.request("POST", &format!("/api/v1/metrics?k={key}"))
        .header("Origin", origin)
        .header("Content-Type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .status
}

#[tokio::test]
async fn browser_pushes_are_limited_to_allowed_origins_declared_metrics_and_builtins() {
    let app = in_process_app().await;
    let a = app.signup().await;
    app.create_config(&a, json!({"name": "c", "metric_name": "clicks_total", "metric_type": "counter", "labels": {"button": null}})).await;
    let r = app
        .session(&a.token)
        .update_key(&a.key.id, &json!({"allowed_origins": ["http://shop.test"]}))
        .await;
    assert_eq!(r.status, 200);
    let declared = json!({"metrics": [{"name": "clicks_total", "type": "counter", "value": 1, "labels": {"button": "buy"}}, {"name": "page_views_total", "type": "counter", "value": 1, "labels": {"path": "/"}}]});
    assert_eq!(
        browser_push(&app, &a.key.public, "http://shop.test", declared.clone()).await,
        200
    );
    assert_eq!(
        browser_push(&app, &a.key.public, "http://evil.test", declared).await,
        403
    );
    let undeclared = json!({"metrics": [{"name": "other_total", "type": "counter", "value": 1}]});
    assert_eq!(
        browser_push(&app, &a.key.public, "http://shop.test", undeclared).await,
        422
    );
    let bad_label =
        json!({"metrics": [{"name": "clicks_total", "value": 1, "labels": {"user": "x"}}]});
    assert_eq!(
        browser_push(&app, &a.key.public, "http://shop.test", bad_label).await,
        422
    );
    app.pushgateway_shows(
        "page_views_total",
        &[("tenant", a.user_id.as_str()), ("path", "/")],
        1.0,
    )
    .await;
    app.pushgateway_shows(
        "clicks_total",
        &[("tenant", a.user_id.as_str()), ("button", "buy")],
        1.0,
    )
    .await;

    let pre = app
        .request("OPTIONS", "/api/v1/metrics")
        .header("Origin", "http://anything.test")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await;
    assert!((200..300).contains(&pre.status));
    assert_eq!(
        pre.headers["access-control-allow-origin"],
        "http://anything.test"
    );
}

#[tokio::test]
async fn live_view_shows_what_arrived_for_this_tenant_only() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    app.push(&a.key, json!({"metrics": [{"name": "seen_total", "type": "counter", "value": 1}, {"name": "seen_total", "type": "counter", "value": -1}]})).await;
    app.push(
        &b.key,
        json!({"metrics": [{"name": "b_only_total", "type": "counter", "value": 1}]}),
    )
    .await;
    let r = app.session(&a.token).live().await;
    assert_eq!(r.status, 200);
    let metrics = r.body["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    assert_eq!(metrics[0]["metric_name"], "seen_total");
    assert_eq!(metrics[0]["samples"], 1);
    assert_eq!(metrics[0]["rejected"], 1);
    assert_eq!(metrics[0]["series"], 1);
    assert_eq!(r.body["recent_rejections"][0]["code"], "invalid_value");
}

#[tokio::test]
async fn live_view_groups_rejections_by_metric_and_code_newest_first() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let bad = json!({"metrics": [
        {"name": "ok_total", "type": "counter", "value": 1},
        {"name": "cart_total", "type": "counter", "value": -1},
    ]});
    for _ in 0..3 {
        assert_eq!(app.push(&a.key, bad.clone()).await.status, 200);
    }
    let other = json!({"metrics": [
        {"name": "ok_total", "type": "counter", "value": 1},
        {"name": "cart_total", "type": "counter", "value": 1, "labels": {"__x": "y"}},
    ]});
    assert_eq!(app.push(&a.key, other).await.status, 200);
    let r = app.session(&a.token).live().await;
    let groups = r.body["recent_rejections"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:#?}");
    // the newest group first: the bad label came last
    assert_eq!(groups[0]["metric_name"], "cart_total");
    assert_ne!(groups[0]["code"], "invalid_value");
    assert_eq!(groups[0]["count"], 1);
    assert_eq!(groups[1]["code"], "invalid_value");
    assert_eq!(groups[1]["count"], 3);
    assert!(!groups[1]["message"].as_str().unwrap().is_empty());
    let seen = |g: &serde_json::Value, k: &str| {
        chrono::DateTime::parse_from_rfc3339(g[k].as_str().unwrap()).unwrap()
    };
    assert!(seen(&groups[1], "first_seen") <= seen(&groups[1], "last_seen"));
    assert!(seen(&groups[1], "last_seen") <= seen(&groups[0], "last_seen"));
}

#[tokio::test]
async fn dashboard_is_served_with_its_security_headers() {
    let app = in_process_app().await;
    let r = app.request("GET", "/").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-frame-options"], "DENY");
    let csp = r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(r.body.as_str().unwrap().contains("app.js"));
    let js = app.request("GET", "/app.js").send().await;
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
}

#[tokio::test]
async fn tracker_routes_serve_the_minified_copy_and_spell_out_only_options_that_are_off() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let get = |query: String| {
        let path = format!("/api/v1/tracker.js?k={}&{query}", a.key.public);
        let app = &app;
        async move {
            let r = app.request("GET", &path).send().await;
            r.body.as_str().unwrap().to_owned()
        }
    };
    let on = get("a=1&c=1".into()).await;
    assert!(
        !on.contains(r#""auto_track""#) && !on.contains(r#""custom_events""#),
        "absent means on"
    );
    let off = get("a=0&c=1".into()).await;
    assert!(off.contains(r#""auto_track":false"#) && !off.contains(r#""custom_events""#));
    let off = get("a=1&c=0".into()).await;
    assert!(off.contains(r#""custom_events":false"#) && !off.contains(r#""auto_track""#));

    // What the server sends is the committed minified copy (CI checks it matches tracker.js).
    let min = include_str!("../../../frontend/tracker/tracker.min.js");
    let generic = app.request("GET", "/api/v1/client/script.js").send().await;
    assert_eq!(generic.body.as_str().unwrap(), min);
    let (head, tail) = min.split_once("/*PUSHGATE_CONFIG*/null").unwrap();
    assert!(on.starts_with(head) && on.ends_with(tail));
}
