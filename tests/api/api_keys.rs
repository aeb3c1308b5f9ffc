//! API keys: created with a secret shown once, listed without it, changed, deleted; another
//! tenant's key is not found; a deactivated or expired key stops working at once.

use crate::helpers::in_process_app;
use serde_json::json;

#[tokio::test]
async fn create_list_update_delete() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let session = app.session(&a.token);
    let r = session
        .create_key(&json!({"key_name": "Shop", "allowed_origins": ["https://Shop.example.com/"], "expires_at": "2099-01-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(r.body["api_secret"].as_str().unwrap().starts_with("sk_"));
    assert_eq!(
        r.body["allowed_origins"],
        json!(["https://shop.example.com"])
    );
    let id = r.body["id"].as_str().unwrap().to_owned();

    let list = session.keys().await;
    let keys = list.body["api_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        let fields: Vec<_> = k.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            fields,
            vec![
                "allowed_origins",
                "api_key",
                "created_at",
                "expires_at",
                "id",
                "is_active",
                "key_name",
                "last_used_at",
                "scopes"
            ]
        );
    }

    let r = session
        .update_key(&id, &json!({"key_name": "Shop 2", "is_active": false}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["key_name"], "Shop 2");
    assert_eq!(r.body["is_active"], false);
    assert_eq!(
        r.body["allowed_origins"],
        json!(["https://shop.example.com"]),
        "PATCH leaves other fields alone"
    );

    assert_eq!(session.delete_key(&id).await.status, 204);
    assert_eq!(session.delete_key(&id).await.status, 404);
}

#[tokio::test]
async fn key_validation() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let session = app.session(&a.token);
    let cases = [
        (json!({"key_name": ""}), "key_name"),
        (
            json!({"key_name": "x", "allowed_origins": ["example.com"]}),
            "allowed_origins",
        ),
        (
            json!({"key_name": "x", "allowed_origins": ["https://example.com/path"]}),
            "allowed_origins",
        ),
        (
            json!({"key_name": "x", "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
        ),
    ];
    for (body, field) in cases {
        let r = session.create_key(&body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(
            r.body["error"]["details"]["fields"][field].is_string(),
            "{body} -> {:?}",
            r.body
        );
    }
    let r = session
        .create_key(&json!({"key_name": "x", "expires_at": "tomorrow"}))
        .await;
    assert_eq!((r.status, r.error_code()), (400, "invalid_json"));
    let anonymous = app
        .request("POST", "/api/v1/apikeys")
        .json(&json!({"key_name": "x"}))
        .send()
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn another_tenants_key_is_not_found_before_the_body_is_judged() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let as_b = app.session(&b.token);
    let r = as_b.update_key(&a.key.id, &json!({"key_name": ""})).await;
    assert_eq!(r.status, 404, "ownership first, even with an invalid body");
    assert_eq!(as_b.delete_key(&a.key.id).await.status, 404);
    assert_eq!(as_b.update_key("not-a-uuid", &json!({})).await.status, 404);
    // and A's key still works
    let push = app
        .push(
            &a.key,
            json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]}),
        )
        .await;
    assert_eq!(push.status, 200);
}

#[tokio::test]
async fn deactivated_or_expired_keys_stop_working_at_once() {
    let app = in_process_app().await;
    let a = app.signup().await;
    let session = app.session(&a.token);
    let batch = json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]});
    assert_eq!(app.push(&a.key, batch.clone()).await.status, 200);
    let r = session
        .update_key(&a.key.id, &json!({"is_active": false}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.push(&a.key, batch.clone()).await.status,
        401,
        "the very next request is refused"
    );
    session
        .update_key(&a.key.id, &json!({"is_active": true}))
        .await;
    assert_eq!(app.push(&a.key, batch.clone()).await.status, 200);

    app.db.execute(&format!(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = '{}'",
        a.key.id
    ));
    app.state.registry_changed().await;
    let r = app.push(&a.key, batch).await;
    assert_eq!(r.status, 401);
    assert!(r.error_message().contains("expired"));
}
