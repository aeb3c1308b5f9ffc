//! Who may read and push: scopes on keys (default push only), basic auth with a read key,
//! sessions by Bearer or cookie. No Prometheus runs here: a read that passes authentication
//! gets Prometheus's absence (503 `unavailable`), which tells it apart from a 401/403.

use super::{As, key_with_scopes, read};
use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn keys_have_scopes_push_by_default() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let list = app.session(&a.token).keys().await;
    assert_eq!(
        list.body["api_keys"][0]["scopes"],
        json!(["push"]),
        "the signup key pushes only"
    );

    let r = app
        .session(&a.token)
        .create_key(&json!({"key_name": "plain"}))
        .await;
    assert_eq!(r.body["scopes"], json!(["push"]));
    let r = app
        .session(&a.token)
        .create_key(&json!({"key_name": "grafana", "scopes": ["read", "push", "read"]}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["scopes"], json!(["push", "read"]));
    let id = r.body["id"].as_str().unwrap().to_owned();

    let r = app
        .session(&a.token)
        .update_key(&id, &json!({"scopes": ["read"]}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["scopes"], json!(["read"]));
    let list = app.session(&a.token).keys().await;
    let listed = list.body["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["scopes"], json!(["read"]));

    for bad in [json!([]), json!(["admin"]), json!("read"), json!([1])] {
        let r = app
            .session(&a.token)
            .create_key(&json!({"key_name": "x", "scopes": bad}))
            .await;
        assert_eq!(r.status, 400, "{bad}: {:?}", r.body);
        if bad.is_array() && bad.as_array().unwrap().iter().all(|v| v.is_string()) {
            assert!(
                r.body["error"]["details"]["fields"]["scopes"]
                    .as_str()
                    .unwrap()
                    .contains("scope"),
                "{:?}",
                r.body
            );
        }
    }
    let r = app
        .session(&a.token)
        .update_key(&id, &json!({"scopes": []}))
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn a_read_only_key_cannot_push_and_a_push_key_cannot_read() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let (read_pk, read_sk) = key_with_scopes(&app, &a, &["read"]).await;
    let (both_pk, both_sk) = key_with_scopes(&app, &a, &["push", "read"]).await;
    let item = json!({"metrics": [{"name": "jobs_total", "type": "counter", "value": 1}]});

    let push = |pk: String, sk: String| {
        let app = &app;
        let body = item.to_string();
        async move {
            app.client
                .post(app.url("/api/v1/metrics"))
                .header("X-API-Key", pk)
                .header("X-API-Secret", sk)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = push(read_pk.clone(), read_sk.clone()).await;
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"push\" scope"),
        "{body}"
    );
    // key-only (browser) pushes are refused the same way
    let r = app
        .client
        .post(app.url(&format!("/api/v1/metrics?k={read_pk}")))
        .header("Origin", "https://site.example")
        .header("Content-Type", "text/plain")
        .body(item.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(push(both_pk.clone(), both_sk.clone()).await.status(), 200);

    let q = [("query", "up".to_owned())];
    // the signup key has push only
    let r = read(
        &app,
        As::Basic(&a.key.public, &a.key.secret),
        "GET",
        "/query",
        &q,
    )
    .await;
    assert!(r.assert_error(403, "forbidden").contains("\"read\" scope"));
    // read keys pass authentication: no Prometheus runs here, so the read is unavailable
    for (pk, sk) in [(&read_pk, &read_sk), (&both_pk, &both_sk)] {
        let r = read(&app, As::Basic(pk, sk), "GET", "/query", &q).await;
        let message = r.assert_error(503, "unavailable");
        assert!(
            message.contains("Prometheus cannot be reached")
                && message.contains("pushes are unaffected"),
            "{message}"
        );
    }
    let r = read(&app, As::Basic(&read_pk, "sk_wrong"), "GET", "/query", &q).await;
    assert!(r.assert_error(401, "unauthorized").contains("wrong secret"));
    let r = read(&app, As::Basic("pk_nope", "x"), "POST", "/query", &q).await;
    r.assert_error(401, "unauthorized");
    let r = read(&app, As::Nobody, "GET", "/query", &q).await;
    assert!(r.assert_error(401, "unauthorized").contains("basic auth"));

    // a deactivated read key stops reading
    let keys = app.session(&a.token).keys().await;
    let id = keys.body["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["api_key"] == read_pk.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.session(&a.token)
        .update_key(&id, &json!({"is_active": false}))
        .await;
    let r = read(&app, As::Basic(&read_pk, &read_sk), "GET", "/query", &q).await;
    r.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn sessions_read_by_bearer_and_by_cookie() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let q = [("query", "up".to_owned())];
    read(&app, As::Bearer(&a), "GET", "/query", &q)
        .await
        .assert_error(503, "unavailable");
    let r = app
        .client
        .get(app.url("/prometheus/api/v1/query?query=up"))
        .header("Cookie", format!("pushgate_access={}", a.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "the session cookie authenticates");
    let r = app
        .client
        .get(app.url("/prometheus/api/v1/query?query=up"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // unknown endpoints answer in Prometheus's shape
    read(&app, As::Bearer(&a), "GET", "/targets", &[])
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn reads_count_against_the_per_user_rate_limit() {
    let app = crate::helpers::spawn_app_with(|s| s.rate_limits.api_rate_per_user = 3).await;
    let a = app.signup().await;
    let (pk, sk) = key_with_scopes(&app, &a, &["read"]).await;
    let q = [("query", "up".to_owned())];
    // session and key reads of one tenant share its budget
    for who in [As::Bearer(&a), As::Basic(&pk, &sk), As::Bearer(&a)] {
        read(&app, who, "GET", "/query", &q)
            .await
            .assert_error(503, "unavailable");
    }
    let r = read(&app, As::Basic(&pk, &sk), "GET", "/query", &q).await;
    assert!(
        r.assert_error(429, "too_many_requests")
            .contains("slow down"),
        "{}",
        r.text
    );
    // another tenant has its own budget
    let b = app.signup().await;
    read(&app, As::Bearer(&b), "GET", "/query", &q)
        .await
        .assert_error(503, "unavailable");
}
