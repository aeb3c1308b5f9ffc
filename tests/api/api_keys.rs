use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn create_list_update_delete() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let r = app
        .call("POST", "/api/v1/apikeys", Some(&a.token), Some(json!({"key_name": "Shop", "allowed_origins": ["https://Shop.example.com/"], "expires_at": "2099-01-01T00:00:00Z"})))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(r.body["api_secret"].as_str().unwrap().starts_with("sk_"));
    assert_eq!(
        r.body["allowed_origins"],
        json!(["https://shop.example.com"])
    );
    let id = r.body["id"].as_str().unwrap().to_owned();

    let list = app
        .call("GET", "/api/v1/apikeys", Some(&a.token), None)
        .await;
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

    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/apikeys/{id}"),
            Some(&a.token),
            Some(json!({"key_name": "Shop 2", "is_active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["key_name"], "Shop 2");
    assert_eq!(r.body["is_active"], false);
    assert_eq!(
        r.body["allowed_origins"],
        json!(["https://shop.example.com"]),
        "PATCH leaves other fields alone"
    );

    assert_eq!(
        app.call(
            "DELETE",
            &format!("/api/v1/apikeys/{id}"),
            Some(&a.token),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("/api/v1/apikeys/{id}"),
            Some(&a.token),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn key_validation() {
    let app = spawn_app().await;
    let a = app.signup().await;
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
        let r = app
            .call(
                "POST",
                "/api/v1/apikeys",
                Some(&a.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 400, "{body}");
        assert!(
            r.body["error"]["details"]["fields"][field].is_string(),
            "{body} -> {:?}",
            r.body
        );
    }
    let r = app
        .call(
            "POST",
            "/api/v1/apikeys",
            Some(&a.token),
            Some(json!({"key_name": "x", "expires_at": "tomorrow"})),
        )
        .await;
    assert_eq!((r.status, r.error_code()), (400, "invalid_json"));
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/apikeys",
            None,
            Some(json!({"key_name": "x"}))
        )
        .await
        .status,
        401
    );
}

#[tokio::test]
async fn another_tenants_key_is_not_found_before_the_body_is_judged() {
    let app = spawn_app().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let path = format!("/api/v1/apikeys/{}", a.key.id);
    let r = app
        .call(
            "PATCH",
            &path,
            Some(&b.token),
            Some(json!({"key_name": ""})),
        )
        .await;
    assert_eq!(r.status, 404, "ownership first, even with an invalid body");
    assert_eq!(
        app.call("DELETE", &path, Some(&b.token), None).await.status,
        404
    );
    assert_eq!(
        app.call(
            "PATCH",
            "/api/v1/apikeys/not-a-uuid",
            Some(&b.token),
            Some(json!({}))
        )
        .await
        .status,
        404
    );
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
    let app = spawn_app().await;
    let a = app.signup().await;
    let batch = json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]});
    assert_eq!(app.push(&a.key, batch.clone()).await.status, 200);
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/apikeys/{}", a.key.id),
            Some(&a.token),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.push(&a.key, batch.clone()).await.status,
        401,
        "the very next request is refused"
    );
    app.call(
        "PATCH",
        &format!("/api/v1/apikeys/{}", a.key.id),
        Some(&a.token),
        Some(json!({"is_active": true})),
    )
    .await;
    assert_eq!(app.push(&a.key, batch.clone()).await.status, 200);

    app.db.execute(&format!(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = '{}'",
        a.key.id
    ));
    app.state.registry_changed().await;
    let r = app.push(&a.key, batch).await;
    assert_eq!(r.status, 401);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}
