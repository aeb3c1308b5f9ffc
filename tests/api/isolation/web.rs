//! The dashboard's session: cookie flags, CSRF defences, security headers on every response.

use crate::helpers::{Account, TestApp, spawn_app, spawn_app_with};
use serde_json::json;

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

async fn signin_cookies(app: &TestApp, a: &Account, proto: Option<&str>) -> Vec<String> {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/signin"))
        .header("Content-Type", "application/json")
        .body(json!({"email": a.email, "password": a.password}).to_string());
    if let Some(p) = proto {
        req = req.header("X-Forwarded-Proto", p);
    }
    let r = req.send().await.expect("an answer");
    assert_eq!(r.status(), 200);
    set_cookies(&r)
}

#[tokio::test]
async fn session_cookies_are_http_only_same_site_and_secure_over_https() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let plain = signin_cookies(&app, &a, None).await;
    assert_eq!(plain.len(), 2, "{plain:?}");
    for c in &plain {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        assert!(
            !c.contains("Secure"),
            "plain HTTP on localhost: no Secure flag ({c})"
        );
    }
    assert!(
        plain
            .iter()
            .any(|c| c.starts_with("pushgate_refresh=") && c.contains("Path=/api/v1/auth"))
    );
    for c in signin_cookies(&app, &a, Some("https")).await {
        assert!(
            c.contains("Secure") && c.contains("HttpOnly"),
            "behind an HTTPS proxy: {c}"
        );
    }
    let https = spawn_app_with(|s| s.public_url = Some("https://metrics.example".into())).await;
    let h = https.signup().await;
    for c in signin_cookies(&https, &h, None).await {
        assert!(c.contains("Secure"), "an https public URL: {c}");
    }
}

#[tokio::test]
async fn dashboard_requests_are_csrf_safe_and_headers_are_everywhere() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let cookie = format!("pushgate_access={}", a.token);
    // a cross-site form can send a cookie but only form or text types: refused before any change
    for ctype in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/apikeys"))
            .header("Cookie", &cookie)
            .header("Content-Type", ctype)
            .header("Origin", "https://evil.example")
            .body(json!({"key_name": "csrf"}).to_string())
            .send()
            .await
            .expect("an answer");
        assert_eq!(r.status(), 415, "{ctype}");
    }
    let keys = app.session(&a.token).keys().await;
    assert_eq!(
        keys.body["api_keys"].as_array().map(Vec::len),
        Some(1),
        "no key was created"
    );
    // no CORS for the account API: a cross-origin script cannot read or send with cookies
    let pre = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/apikeys"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .expect("an answer");
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    assert!(
        pre.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    for path in [
        "/",
        "/api/v1/health",
        "/api/v1/auth/me",
        "/api/v1/nope",
        "/metrics",
        "/api/v1/client/script.js",
        "/api/v1/metrics",
    ] {
        let r = app
            .client
            .get(app.url(path))
            .send()
            .await
            .expect("an answer");
        let h = r.headers();
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
    }
    let r = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("an answer");
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
}
