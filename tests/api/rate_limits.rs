//! Rate limits answer 429 in the JSON error shape with Retry-After, per IP for the auth
//! endpoints and per key for ingestion. Over the socket: the limit is per peer address.

use crate::helpers::spawn_app_with;
use serde_json::json;

#[tokio::test]
async fn auth_endpoints_are_limited_per_ip_with_a_json_429() {
    let app = spawn_app_with(|s| s.rate_limits.auth_rate_per_min = 5).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.signin("nobody@example.com", "whatever1").await);
    }
    assert!(statuses[..5].iter().all(|r| r.status == 401));
    let limited = &statuses[5];
    assert_eq!(
        (limited.status, limited.error_code()),
        (429, "rate_limited")
    );
    assert!(
        limited
            .headers
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // other endpoints are not affected
    let health = app.request("GET", "/api/v1/health").send().await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn ingestion_is_limited_per_key_not_across_keys() {
    let app = spawn_app_with(|s| s.rate_limits.ingest_rate_per_key = 2).await;
    let a = app.signup().await;
    let b = app.signup().await;
    let batch = json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]});
    let mut limited = 0;
    for _ in 0..10 {
        if app.push(&a.key, batch.clone()).await.status == 429 {
            limited += 1;
        }
    }
    assert!(limited >= 1, "key A is limited");
    assert_eq!(app.push(&b.key, batch).await.status, 200, "key B is not");
}
