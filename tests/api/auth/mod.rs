//! Accounts and sessions: sign-up, sign-in, tokens, refresh rotation, sign-out, deletion.
//! In process: the socket adds nothing here but for the 413 (`bodies`).

mod bodies;

use crate::helpers::in_process_app;
use serde_json::json;

#[tokio::test]
async fn signup_returns_user_tokens_and_a_default_key_once() {
    let app = in_process_app().await;
    let r = app
        .signup_with(
            &json!({"email": "Ann@Example.com", "password": "long enough", "first_name": "Ann"}),
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
    let cookies = r.cookies();
    assert!(
        cookies.iter().any(|c| c.starts_with("pushgate_access=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")),
        "{cookies:?}"
    );

    let token = r.body["access_token"].as_str().unwrap();
    let keys = app.session(token).keys().await;
    assert_eq!(keys.body["api_keys"].as_array().unwrap().len(), 1);
    assert!(
        keys.body["api_keys"][0].get("api_secret").is_none(),
        "the secret is shown once only"
    );
}

#[tokio::test]
async fn signup_validation_errors_name_each_field() {
    let app = in_process_app().await;
    let r = app
        .signup_with(&json!({"email": "nope", "password": "short"}))
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
    let app = in_process_app().await;
    let a = app.signup().await;
    let r = app
        .signup_with(&json!({"email": a.email.to_uppercase(), "password": "another password"}))
        .await;
    assert_eq!(r.status, 409);
    assert!(r.error_message().contains("already exists"));
}

#[tokio::test]
async fn signin_and_me() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let wrong = app.signin(&a.email, "wrong password").await;
    assert_eq!(
        (wrong.status, wrong.error_code()),
        (401, "invalid_credentials")
    );
    let unknown = app.signin("ghost@example.com", "whatever1").await;
    assert_eq!(unknown.status, 401);
    let ok = app.signin(&a.email.to_uppercase(), &a.password).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let token = ok.body["access_token"].as_str().unwrap();
    let me = app.session(token).me().await;
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
    let app = in_process_app().await;
    let a = app.signup().await;
    let r = app
        .request("GET", "/api/v1/auth/me")
        .header("Cookie", &format!("pushgate_access={}", a.token))
        .send()
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = in_process_app().await;
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
        let r = app
            .request("GET", "/api/v1/auth/me")
            .bearer(token)
            .send()
            .await;
        assert_eq!((r.status, r.error_code()), (401, "unauthorized"), "{what}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let first = app.refresh(&a.refresh_token).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let second_token = first.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, a.refresh_token);
    let access = first.body["access_token"].as_str().unwrap();
    assert_eq!(app.session(access).me().await.status, 200);

    // The old token stops working, and presenting it revokes the newer one too.
    let reuse = app.refresh(&a.refresh_token).await;
    assert_eq!(reuse.status, 401);
    let after = app.refresh(&second_token).await;
    assert_eq!(after.status, 401, "the whole family is revoked");

    // Refresh via cookie works as well.
    let b = app.signup().await;
    let r = app
        .request("POST", "/api/v1/auth/refresh")
        .header("Cookie", &format!("pushgate_refresh={}", b.refresh_token))
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.refresh("rt_nonsense").await.status, 401);
}

#[tokio::test]
async fn signout_revokes_the_refresh_token() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let anonymous = app.request("POST", "/api/v1/auth/signout").send().await;
    assert_eq!(anonymous.status, 401);
    let r = app.session(&a.token).signout(Some(&a.refresh_token)).await;
    assert_eq!(r.status, 204);
    assert_eq!(app.refresh(&a.refresh_token).await.status, 401);
}

#[tokio::test]
async fn account_deletion_needs_the_password_and_removes_everything() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let session = app.session(&a.token);
    assert_eq!(session.delete_account("not it at all").await.status, 401);
    assert_eq!(session.delete_account(&a.password).await.status, 204);
    assert_eq!(
        session.me().await.status,
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
    assert_eq!(app.signin(&a.email, &a.password).await.status, 401);
}
