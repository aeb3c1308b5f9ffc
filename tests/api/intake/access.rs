//! Who may push through either protocol: server keys only (basic auth or the key headers,
//! never a browser's key alone), each key within its rate limit.

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_push_api_takes_server_credentials_only() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let put = || {
        app.client
            .put(app.url("/metrics/job/auth_check"))
            .body("up_thing 1\n")
    };
    let r = put().send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let r = put()
        .basic_auth(&a.key.public, Some("sk_wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // a browser's key-only request is never enough here
    let r = put()
        .header("X-API-Key", &a.key.public)
        .header("Origin", "https://site.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = put()
        .header("X-API-Key", &a.key.public)
        .header("X-API-Secret", &a.key.secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // the key headers and basic auth reach the same tenant
    app.pushgateway_shows("up_thing", &[("tenant", a.user_id.as_str())], 1.0)
        .await;
    // other methods are answered 405 in the JSON error shape
    let r = app
        .client
        .get(app.url("/metrics/job/auth_check"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    // DELETE is accepted as the Pushgateway accepts it
    let r = app
        .client
        .delete(app.url("/metrics/job/auth_check"))
        .basic_auth(&a.key.public, Some(&a.key.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
}

#[tokio::test]
async fn both_protocols_are_rate_limited_per_key_with_a_retry_after() {
    let app = spawn_app_with(|s| s.rate_limits.ingest_rate_per_key = 1).await;
    let a = app.signup().await;
    for (method, path, content_type) in [
        ("POST", "/v1/metrics", "application/json"),
        ("PUT", "/metrics/job/limited", "text/plain"),
    ] {
        let mut limited = None;
        for _ in 0..10 {
            let r = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .basic_auth(&a.key.public, Some(&a.key.secret))
                .header("Content-Type", content_type)
                .body(if path == "/v1/metrics" { "{}" } else { "x 1\n" })
                .send()
                .await
                .unwrap();
            if r.status() == 429 {
                limited = Some(r);
                break;
            }
            assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
        }
        let r = limited.unwrap_or_else(|| panic!("{path} is not limited"));
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait >= 1, "{path}");
    }
}

#[tokio::test]
async fn a_read_only_key_cannot_push_through_either_protocol() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let (read_pk, read_sk) = crate::read_path::key_with_scopes(&app, &a, &["read"]).await;
    for (method, path, content_type, body) in [
        (
            "PUT",
            "/metrics/job/read_only",
            "text/plain",
            "read_only_thing 1\n",
        ),
        ("POST", "/v1/metrics", "application/json", "{}"),
    ] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .basic_auth(&read_pk, Some(&read_sk))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
        // JSON escapes the quotes of the message; OTLP's JSON status spells them the same way
        let text = r.text().await.unwrap().replace("\\\"", "\"");
        assert!(text.contains("\"push\" scope"), "{path}: {text}");
    }
}
