//! Bodies the account endpoints refuse: not JSON, unknown fields, the wrong type, too large.

use crate::helpers::{in_process_app, spawn_app};

#[tokio::test]
async fn malformed_bodies_get_json_errors() {
    let app = in_process_app().await;
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
        let mut req = app.request("POST", "/api/v1/auth/signup").body(body);
        if let Some(c) = ctype {
            req = req.header("Content-Type", c);
        }
        let r = req.send().await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code),
            "{body} -> {:?}",
            r.body
        );
        assert!(r.error_message().len() > 10);
    }
}

/// Over the socket: what is tested is that the connection is not reset under the client.
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
    let r = crate::helpers::Response::read(r).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.error_code(), "payload_too_large");
}
