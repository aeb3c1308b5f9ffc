//! Tenant isolation and session safety (issue 8): another tenant's ids are never found, a
//! deleted user's tokens stop working everywhere, a key only ever writes its own tenant's
//! series, cookies and headers are safe (`web`), no secret reaches a response or a log line
//! (`logs`), and a flood from one key does not slow another (`flood`).

mod flood;
mod logs;
mod web;

use crate::helpers::{Account, Response, TestApp, exposition, in_process_app};
use serde_json::{Value, json};

/// Every route that needs a session, with a body it would accept from its owner.
fn authenticated_routes(own: &Account, cfg: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", "/api/v1/auth/me".into(), None),
        ("POST", "/api/v1/auth/signout".into(), None),
        (
            "POST",
            "/api/v1/apikeys".into(),
            Some(json!({"key_name": "k"})),
        ),
        ("GET", "/api/v1/apikeys".into(), None),
        (
            "PATCH",
            format!("/api/v1/apikeys/{}", own.key.id),
            Some(json!({"key_name": "k"})),
        ),
        ("DELETE", format!("/api/v1/apikeys/{}", own.key.id), None),
        (
            "POST",
            "/api/v1/metric-configs".into(),
            Some(counter("iso_new_total")),
        ),
        ("GET", "/api/v1/metric-configs".into(), None),
        ("GET", format!("/api/v1/metric-configs/{cfg}"), None),
        (
            "PUT",
            format!("/api/v1/metric-configs/{cfg}"),
            Some(counter("iso_total")),
        ),
        ("DELETE", format!("/api/v1/metric-configs/{cfg}"), None),
        (
            "POST",
            format!("/api/v1/metric-configs/{cfg}/generate-code"),
            Some(json!({"api_key_id": own.key.id})),
        ),
        (
            "POST",
            "/api/v1/code-generation".into(),
            Some(json!({"api_key_id": own.key.id, "auto_track": true, "custom_events": true})),
        ),
        ("GET", "/api/v1/live".into(), None),
        (
            "DELETE",
            "/api/v1/auth/me".into(),
            Some(json!({"password": own.password})),
        ),
    ]
}

fn counter(name: &str) -> Value {
    json!({"name": name, "metric_name": name, "metric_type": "counter", "labels": {"plan": null}})
}

async fn config_id(app: &TestApp, who: &Account, name: &str) -> String {
    let r = app.create_config(who, counter(name)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap_or_default().to_owned()
}

/// One row of a route table: `method path` with an optional token and JSON body.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let request = app.request(method, path).bearer(token);
    match body {
        Some(body) => request.json(body).send().await,
        None => request.send().await,
    }
}

fn is_error(r: &Response, status: u16) -> bool {
    r.status == status
        && r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
}

#[tokio::test]
async fn another_tenants_ids_are_not_found_on_every_route() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let a_cfg = config_id(&app, &a, "iso_total").await;
    let b_cfg = config_id(&app, &b, "iso_b_total").await;
    let a_cfg_path = format!("/api/v1/metric-configs/{a_cfg}");
    let a_key_path = format!("/api/v1/apikeys/{}", a.key.id);
    let random = uuid::Uuid::new_v4();
    let cases: Vec<(&str, String, Option<Value>)> = vec![
        (
            "PATCH",
            a_key_path.clone(),
            Some(json!({"is_active": false})),
        ),
        ("DELETE", a_key_path.clone(), None),
        ("GET", a_cfg_path.clone(), None),
        ("PUT", a_cfg_path.clone(), Some(counter("stolen_total"))),
        ("DELETE", a_cfg_path.clone(), None),
        (
            "POST",
            format!("{a_cfg_path}/generate-code"),
            Some(json!({"api_key_id": b.key.id})),
        ),
        (
            "POST",
            format!("{a_cfg_path}/generate-code"),
            Some(json!({"api_key_id": a.key.id})),
        ),
        // B's own config, A's key: the key must not be found either
        (
            "POST",
            format!("/api/v1/metric-configs/{b_cfg}/generate-code"),
            Some(json!({"api_key_id": a.key.id})),
        ),
        (
            "POST",
            "/api/v1/code-generation".into(),
            Some(json!({"api_key_id": a.key.id, "auto_track": true, "custom_events": false})),
        ),
        (
            "PATCH",
            format!("/api/v1/apikeys/{random}"),
            Some(json!({"key_name": "x"})),
        ),
        ("GET", format!("/api/v1/metric-configs/{random}"), None),
        (
            "POST",
            format!("/api/v1/metric-configs/{b_cfg}/generate-code"),
            Some(json!({"api_key_id": random})),
        ),
    ];
    for (method, path, body) in &cases {
        let r = send(&app, method, path, Some(&b.token), body.as_ref()).await;
        assert!(
            is_error(&r, 404),
            "{method} {path} as B -> {} {:?}",
            r.status,
            r.body
        );
        assert_eq!(r.error_code(), "not_found");
    }
    // nothing of A's leaks into B's lists or live view, and A's things are untouched
    let push = json!({"metrics": [{"name": "iso_total", "type": "counter", "value": 1}]});
    assert_eq!(
        app.push(&a.key, push).await.status,
        200,
        "A's key still works"
    );
    let as_b = app.session(&b.token);
    let keys = as_b.keys().await;
    assert!(
        !keys.body.to_string().contains(&a.key.id),
        "{:?}",
        keys.body
    );
    let configs = as_b.configs().await;
    assert!(!configs.body.to_string().contains(&a_cfg));
    let live = as_b.live().await;
    assert!(
        !live.body.to_string().contains("\"iso_total\""),
        "{:?}",
        live.body
    );
    let mine = app.session(&a.token).config(&a_cfg).await;
    assert_eq!(
        (mine.status, mine.body["metric_name"].as_str()),
        (200, Some("iso_total"))
    );
}

#[tokio::test]
async fn no_session_or_a_deleted_users_session_is_refused_everywhere() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let cfg = config_id(&app, &a, "iso_total").await;
    for (method, path, body) in authenticated_routes(&a, &cfg) {
        let r = send(&app, method, &path, None, body.as_ref()).await;
        assert!(
            is_error(&r, 401),
            "{method} {path} without a token -> {} {:?}",
            r.status,
            r.body
        );
    }
    let r = app.session(&a.token).delete_account(&a.password).await;
    assert_eq!(r.status, 204);
    for (method, path, body) in authenticated_routes(&a, &cfg) {
        let r = send(&app, method, &path, Some(&a.token), body.as_ref()).await;
        assert!(
            is_error(&r, 401),
            "{method} {path} as a deleted user -> {} {:?}",
            r.status,
            r.body
        );
        let cookie = app
            .request(method, &path)
            .header("Cookie", &format!("pushgate_access={}", a.token))
            .header("Content-Type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .send()
            .await;
        assert_eq!(
            cookie.status, 401,
            "{method} {path} with a deleted user's cookie"
        );
    }
    let r = app.refresh(&a.refresh_token).await;
    assert!(
        is_error(&r, 401),
        "a deleted user's refresh token: {} {:?}",
        r.status,
        r.body
    );
}

#[tokio::test]
async fn a_key_only_ever_writes_its_own_tenants_series() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let bt = b.user_id.as_str();
    let attempts = [
        json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1, "labels": {"tenant": bt}}]}),
        json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1}], "tenant": bt}),
        json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1, "tenant": bt}]}),
        json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1, "labels": {"Tenant": bt, "tenant_": bt}}]}),
        json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1, "labels": {"instance": "x", "job": "y"}}]}),
    ];
    for body in attempts {
        let r = app
            .request("POST", &format!("/api/v1/metrics?k={}", b.key.public))
            .header("X-API-Key", &a.key.public)
            .header("X-API-Secret", &a.key.secret)
            .header("X-Tenant", bt)
            .header("X-Scope-OrgID", bt)
            .body(body.to_string())
            .send()
            .await;
        assert!(r.status < 500);
    }
    // A's public key with B's secret is no credential at all
    let r = app
        .request("POST", "/api/v1/metrics")
        .header("X-API-Key", &a.key.public)
        .header("X-API-Secret", &b.key.secret)
        .body(
            json!({"metrics": [{"name": "iso_a_total", "type": "counter", "value": 1}]})
                .to_string(),
        )
        .send()
        .await;
    assert_eq!(r.status, 401);
    let marker = json!({"metrics": [{"name": "iso_done_total", "type": "counter", "value": 1}]});
    assert_eq!(app.push(&a.key, marker).await.status, 200);
    app.pushgateway_shows("iso_done_total", &[("tenant", a.user_id.as_str())], 1.0)
        .await;
    let samples = exposition::parse(&app.pushgateway.metrics_text().await);
    let iso: Vec<_> = samples
        .iter()
        .filter(|s| s.name.starts_with("iso_"))
        .collect();
    assert!(!iso.is_empty());
    for s in &iso {
        assert_eq!(s.label("tenant"), Some(a.user_id.as_str()), "{s:?}");
        assert_eq!(
            (s.label("job"), s.label("instance")),
            (Some("pushgate"), Some("test")),
            "{s:?}"
        );
    }
    assert!(
        samples.iter().all(|s| s.label("tenant") != Some(bt)),
        "B never pushed anything"
    );
}
