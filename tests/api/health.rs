use crate::helpers::{eventually, spawn_app};
use std::time::Duration;

#[tokio::test]
async fn health_and_readiness() {
    let mut app = spawn_app().await;
    let r = app.call("GET", "/api/v1/health", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.contains_key("referrer-policy"));
    let r = app.call("GET", "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    app.pushgateway.stop();
    let r = app.call("GET", "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, 503);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Pushgateway"),
        "{:?}",
        r.body
    );

    app.pushgateway.restart().await;
    eventually(Duration::from_secs(5), "ready again", || async {
        (app.call("GET", "/api/v1/health/ready", None, None)
            .await
            .status
            == 200)
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn own_metrics_and_unknown_routes() {
    let app = spawn_app().await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("pushgate_active_series"));
    assert!(text.contains("pushgate_push_failures_total"));
    let r = app.call("GET", "/api/v1/nope", None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
}
