//! Liveness and readiness.

use crate::error::error_body;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use diesel_async::RunQueryDsl;
use serde_json::json;
use std::time::Duration;

#[get("/health")]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when Postgres and the Pushgateway both answer, else 503 naming which does not.
/// `checks.prometheus` names the read path's Prometheus: when it is down, only reads fail,
/// so it does not make the instance unready (a load balancer must keep sending pushes).
#[get("/health/ready")]
pub async fn get_ready(state: web::Data<AppState>) -> HttpResponse {
    let (database, pushgateway, prometheus) = tokio::join!(
        check_database(&state),
        check_pushgateway(&state),
        super::prometheus::readiness(&state)
    );
    let checks = json!({
        "database": database.as_ref().map_or_else(|e| e.clone(), |_| "ok".into()),
        "pushgateway": pushgateway.as_ref().map_or_else(|e| e.clone(), |_| "ok".into()),
        "prometheus": prometheus,
    });
    if database.is_ok() && pushgateway.is_ok() {
        return HttpResponse::Ok().json(json!({ "status": "ready", "checks": checks }));
    }
    let down: Vec<&str> = [
        ("PostgreSQL", database.is_err()),
        ("the Pushgateway", pushgateway.is_err()),
    ]
    .into_iter()
    .filter_map(|(name, bad)| bad.then_some(name))
    .collect();
    HttpResponse::ServiceUnavailable().json(error_body(
        "not_ready",
        &format!("not ready: {} unreachable", down.join(" and ")),
        json!({ "checks": checks }),
    ))
}

async fn check_database(state: &AppState) -> Result<(), String> {
    let mut conn = state
        .pool
        .get()
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map(drop)
        .map_err(|e| format!("error: {e}"))
}

async fn check_pushgateway(state: &AppState) -> Result<(), String> {
    let url = format!(
        "{}/-/ready",
        state.settings.pushgateway_url.trim_end_matches('/')
    );
    let response = state
        .http
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .map_err(|e| format!("unreachable: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered HTTP {}", response.status()))
    }
}
