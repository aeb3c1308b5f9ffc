//! Liveness, readiness (which names what does not answer), pushgate's own metrics, and the
//! JSON 404 of an unknown route.

use crate::helpers::{eventually, in_process_app, spawn_app};
use std::time::Duration;

#[tokio::test]
async fn health_and_readiness() {
    let mut app = spawn_app().await;
    let r = app.request("GET", "/api/v1/health").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers.contains_key("referrer-policy"));
    let r = app.ready().await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    app.pushgateway.stop();
    let r = app.ready().await;
    assert_eq!(r.status, 503);
    assert!(r.error_message().contains("Pushgateway"), "{:?}", r.body);

    app.pushgateway.restart().await;
    eventually(Duration::from_secs(5), "ready again", || async {
        (app.ready().await.status == 200).then_some(())
    })
    .await;
}

#[tokio::test]
async fn own_metrics_and_unknown_routes() {
    let app = in_process_app().await;
    let text = app.own_metrics().await;
    assert!(text.contains("pushgate_active_series"));
    assert!(text.contains("pushgate_push_failures_total"));
    let r = app.request("GET", "/api/v1/nope").send().await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
}
