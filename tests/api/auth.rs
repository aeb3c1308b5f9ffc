use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn signup_returns_user_tokens_and_a_default_key_once() {
    let app = spawn_app().await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/signup",
            None,
            Some(
                json!({"email": "Ann@Example.com", "password": "long enough", "first_name": "Ann"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["user"]["email"], "ann@example.com");
    assert_eq!(r.body["user"]["first_name"], "Ann");
    assert!(r.body["user"].get("password_hash").is_none());
    assert!(r.body["access_token"].is_string());
    assert!(r.body["refresh_token"].is_string());
    assert_eq!(r.body["expires_in"], 900);
    assert!(
        r.body["api_key"]["api_key"]
            .as_str()
            .unwrap()
            .starts_with("pk_")
    );
    assert!(
        r.body["api_key"]["api_secret"]
            .as_str()
            .unwrap()
            .starts_with("sk_")
    );
    let cookies: Vec<_> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("pushgate_access=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")),
        "{cookies:?}"
    );

    let token = r.body["access_token"].as_str().unwrap();
    let keys = app.call("GET", "/api/v1/apikeys", Some(token), None).await;
    assert_eq!(keys.body["api_keys"].as_array().unwrap().len(), 1);
    assert!(
        keys.body["api_keys"][0].get("api_secret").is_none(),
        "the secret is shown once only"
    );
}

#[tokio::test]
async fn signup_validation_errors_name_each_field() {
    let app = spawn_app().await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/signup",
            None,
            Some(json!({"email": "nope", "password": "short"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "validation_failed");
    assert!(r.body["error"]["details"]["fields"]["email"].is_string());
    assert!(
        r.body["error"]["details"]["fields"]["password"]
            .as_str()
            .unwrap()
            .contains("8")
    );
}

#[tokio::test]
async fn duplicate_email_is_a_conflict_whatever_the_case() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .call(
            "POST",
            "/api/v1/auth/signup",
            None,
            Some(json!({"email": a.email.to_uppercase(), "password": "another password"})),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
}

#[tokio::test]
async fn malformed_bodies_get_json_errors() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Option<&str>, u16, &str)> = vec![
        ("{not json", Some("application/json"), 400, "invalid_json"),
        (
            r#"{"email":"a@b.co","password":"12345678","admin":true}"#,
            Some("application/json"),
            400,
            "invalid_json",
        ),
        (
            r#"{"email":5,"password":"12345678"}"#,
            Some("application/json"),
            400,
            "invalid_json",
        ),
        (
            r#"{"email":"a@b.co","password":"12345678"}"#,
            Some("text/plain"),
            415,
            "unsupported_media_type",
        ),
        (
            r#"{"email":"a@b.co","password":"12345678"}"#,
            None,
            415,
            "unsupported_media_type",
        ),
    ];
    for (body, ctype, status, code) in cases {
        let mut req = app
            .client
            .post(app.url("/api/v1/auth/signup"))
            .body(body.to_owned());
        if let Some(c) = ctype {
            req = req.header("Content-Type", c);
        }
        let r = crate::helpers::TestApp::read(req.send().await.unwrap()).await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code),
            "{body} -> {:?}",
            r.body
        );
        assert!(r.body["error"]["message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn oversized_body_gets_413_without_a_reset() {
    let app = spawn_app().await;
    let body = format!(
        r#"{{"email":"a@b.co","password":"{}"}}"#,
        "x".repeat(200_000)
    );
    let r = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the client gets an answer, not a reset connection");
    let r = crate::helpers::TestApp::read(r).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.error_code(), "payload_too_large");
}

#[tokio::test]
async fn signin_and_me() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let wrong = app
        .call(
            "POST",
            "/api/v1/auth/signin",
            None,
            Some(json!({"email": a.email, "password": "wrong password"})),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.error_code()),
        (401, "invalid_credentials")
    );
    let unknown = app
        .call(
            "POST",
            "/api/v1/auth/signin",
            None,
            Some(json!({"email": "ghost@example.com", "password": "whatever1"})),
        )
        .await;
    assert_eq!(unknown.status, 401);
    let ok = app
        .call(
            "POST",
            "/api/v1/auth/signin",
            None,
            Some(json!({"email": a.email.to_uppercase(), "password": a.password})),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let token = ok.body["access_token"].as_str().unwrap();
    let me = app.call("GET", "/api/v1/auth/me", Some(token), None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["id"], a.user_id.as_str());
    assert_eq!(
        me.body["user"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        vec!["created_at", "email", "first_name", "id", "last_name"]
    );
}

#[tokio::test]
async fn session_cookie_authenticates_too() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("Cookie", format!("pushgate_access={}", a.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let user: uuid::Uuid = a.user_id.parse().unwrap();
    let expired = pushgate::auth::JwtKeys::new(b"test-secret-for-jwt-signing-0123456789")
        .issue_at(
            pushgate::domain::UserId(user),
            chrono::Utc::now().timestamp() - 3600,
        )
        .unwrap();
    let other_key = pushgate::auth::JwtKeys::new(b"some other key")
        .issue(pushgate::domain::UserId(user))
        .unwrap();
    let mut tampered = a.token.clone();
    tampered.insert(tampered.len() - 3, 'x');
    let header_none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let payload = a.token.split('.').nth(1).unwrap();
    let alg_none = format!("{header_none}.{payload}.");
    for (what, token) in [
        ("none", None),
        ("expired", Some(expired.as_str())),
        ("other key", Some(other_key.as_str())),
        ("tampered", Some(tampered.as_str())),
        ("alg none", Some(alg_none.as_str())),
        ("refresh token as access", Some(a.refresh_token.as_str())),
    ] {
        let r = app.call("GET", "/api/v1/auth/me", token, None).await;
        assert_eq!((r.status, r.error_code()), (401, "unauthorized"), "{what}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let first = app
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": a.refresh_token})),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let second_token = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, a.refresh_token);
    assert_eq!(
        app.call(
            "GET",
            "/api/v1/auth/me",
            first.body["access_token"].as_str(),
            None
        )
        .await
        .status,
        200
    );

    // The old token stops working, and presenting it revokes the newer one too.
    let reuse = app
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": a.refresh_token})),
        )
        .await;
    assert_eq!(reuse.status, 401);
    let after = app
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": second_token})),
        )
        .await;
    assert_eq!(after.status, 401, "the whole family is revoked");

    // Refresh via cookie works as well.
    let b = app.signup().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("Cookie", format!("pushgate_refresh={}", b.refresh_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": "rt_nonsense"}))
        )
        .await
        .status,
        401
    );
}

#[tokio::test]
async fn signout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let a = app.signup().await;
    assert_eq!(
        app.call("POST", "/api/v1/auth/signout", None, None)
            .await
            .status,
        401
    );
    let r = app
        .call(
            "POST",
            "/api/v1/auth/signout",
            Some(&a.token),
            Some(json!({"refresh_token": a.refresh_token})),
        )
        .await;
    assert_eq!(r.status, 204);
    let again = app
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": a.refresh_token})),
        )
        .await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn account_deletion_needs_the_password_and_removes_everything() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let wrong = app
        .call(
            "DELETE",
            "/api/v1/auth/me",
            Some(&a.token),
            Some(json!({"password": "not it at all"})),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let r = app
        .call(
            "DELETE",
            "/api/v1/auth/me",
            Some(&a.token),
            Some(json!({"password": a.password})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.call("GET", "/api/v1/auth/me", Some(&a.token), None)
            .await
            .status,
        401,
        "a deleted user's token stops working"
    );
    let push = app
        .push(
            &a.key,
            json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]}),
        )
        .await;
    assert_eq!(push.status, 401, "its keys are gone");
    let signin = app
        .call(
            "POST",
            "/api/v1/auth/signin",
            None,
            Some(json!({"email": a.email, "password": a.password})),
        )
        .await;
    assert_eq!(signin.status, 401);
}
