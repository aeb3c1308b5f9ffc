//! Rate limits answer 429 in the JSON error shape with Retry-After, per IP for the auth
//! endpoints and per key for ingestion. Over the socket: the limit is per peer address. Each
//! limit holds for the whole server, whichever worker a connection lands on.

use crate::helpers::{Response, TestApp, spawn_app_with};
use base64::Engine;
use pushgate::settings::Settings;
use serde_json::json;
use std::future::Future;
use std::time::{Duration, Instant};

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

/// Every limit below is checked against a server with this many workers, each request on a
/// new connection: consecutive connections go to different workers, so a limit kept per
/// worker would let `WORKERS` times its budget through.
const WORKERS: usize = 3;

async fn spawn_with_workers(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.workers = Some(WORKERS);
        adjust(s)
    })
    .await
    .with_fresh_connections()
}

/// The statuses of `n` requests sent one after the other, and how long they took.
async fn statuses<F, Fut>(n: usize, mut send: F) -> (Vec<u16>, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Response>,
{
    let started = Instant::now();
    let mut statuses = Vec::new();
    for i in 0..n {
        let r = send(i).await;
        if r.status == 429 {
            assert!(r.headers.contains_key("retry-after"), "{:?}", r.body);
        }
        statuses.push(r.status);
    }
    (statuses, started.elapsed())
}

/// Exactly `burst` requests are served, plus one for each `refill` that passed meanwhile, and
/// those are the first ones.
fn assert_budget(what: &str, statuses: &[u16], burst: usize, refill: Duration, took: Duration) {
    let served = statuses.iter().filter(|s| **s != 429).count();
    let refilled = (took.as_secs_f64() / refill.as_secs_f64()).floor() as usize;
    eprintln!(
        "{what}: {served} of {} served in {took:?} by {WORKERS} workers, a new connection each",
        statuses.len()
    );
    assert!(
        (burst..=burst + refilled).contains(&served),
        "{what}: {served} of {} requests served in {took:?} by {WORKERS} workers; the budget is \
         {burst} (+{refilled} refilled): {statuses:?}",
        statuses.len()
    );
    assert!(
        statuses[..burst].iter().all(|s| *s != 429),
        "{what}: the first {burst} are served: {statuses:?}"
    );
}

#[tokio::test]
async fn one_auth_budget_per_ip_across_workers_and_auth_endpoints() {
    let app = spawn_with_workers(|s| s.rate_limits.auth_rate_per_min = 5).await;
    let (statuses, took) = statuses(15, |i| {
        let app = &app;
        async move {
            match i % 3 {
                0 => app.signin("nobody@example.com", "whatever1").await,
                1 => app.refresh("not-a-refresh-token").await,
                _ => {
                    let email = format!("auth-{i}@example.com");
                    app.signup_with(&json!({"email": email, "password": "long enough"}))
                        .await
                }
            }
        }
    })
    .await;
    assert_budget(
        "signin, refresh and signup",
        &statuses,
        5,
        Duration::from_secs(12),
        took,
    );
}

#[tokio::test]
async fn one_ingestion_budget_per_key_across_workers_and_protocols() {
    let app = spawn_with_workers(|s| s.rate_limits.ingest_rate_per_key = 1).await;
    let a = app.signup().await;
    let b = app.signup().await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", a.key.public, a.key.secret))
    );
    let batch = json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]});
    let (statuses, took) = statuses(12, |i| {
        let (app, a, basic, batch) = (&app, &a, &basic, &batch);
        async move {
            match i % 3 {
                0 => app.push(&a.key, batch.clone()).await,
                1 => {
                    app.request("PUT", "/metrics/job/limited")
                        .header("Authorization", basic)
                        .header("Content-Type", "text/plain")
                        .body("x 1\n")
                        .send()
                        .await
                }
                _ => {
                    app.request("POST", "/v1/metrics")
                        .header("Authorization", basic)
                        .header("Content-Type", "application/json")
                        .body("{}")
                        .send()
                        .await
                }
            }
        }
    })
    .await;
    // burst: twice the rate per second
    assert_budget(
        "key A on /api/v1/metrics, /metrics/job and /v1/metrics",
        &statuses,
        2,
        Duration::from_secs(1),
        took,
    );
    assert_eq!(app.push(&b.key, batch).await.status, 200, "key B is not");
}

#[tokio::test]
async fn browser_ingestion_budget_per_ip_holds_across_workers() {
    let app = spawn_with_workers(|s| s.rate_limits.browser_rate_per_ip = 1).await;
    let a = app.signup().await;
    let batch = json!({"metrics": [{"name": "page_views_total", "type": "counter", "value": 1, "labels": {"path": "/"}}]});
    let path = format!("/api/v1/metrics?k={}", a.key.public);
    let (statuses, took) = statuses(20, |_| {
        app.request("POST", &path)
            .header("Origin", "https://site.example")
            .header("Content-Type", "text/plain")
            .body(batch.to_string())
            .send()
    })
    .await;
    // burst: five times the rate per second
    assert_budget(
        "key-only pushes",
        &statuses,
        5,
        Duration::from_secs(1),
        took,
    );
}

#[tokio::test]
async fn api_and_read_budgets_per_user_hold_across_workers() {
    let app = spawn_with_workers(|s| s.rate_limits.api_rate_per_user = 3).await;
    let a = app.signup().await;
    let (statuses_api, took) = statuses(12, |_| {
        app.request("GET", "/api/v1/auth/me")
            .bearer(&*a.token)
            .send()
    })
    .await;
    assert_budget(
        "GET /api/v1/auth/me",
        &statuses_api,
        3,
        Duration::from_secs(20),
        took,
    );
    let (statuses_read, took) = statuses(12, |_| {
        app.request("GET", "/prometheus/api/v1/query?query=up")
            .bearer(&*a.token)
            .send()
    })
    .await;
    assert_budget(
        "GET /prometheus/api/v1/query",
        &statuses_read,
        3,
        Duration::from_secs(20),
        took,
    );
}
