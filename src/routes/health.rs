//! Liveness and readiness.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use diesel_async::RunQueryDsl;
use serde_json::json;
use std::collections::BTreeMap;

pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when Postgres and every sink answer, else 503 naming which do not.
/// `checks.prometheus` names the read path's Prometheus: when it is down, only reads fail,
/// so it does not make the instance unready (a load balancer must keep sending pushes).
pub async fn get_ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sinks = futures_util::future::join_all(state.sinks.iter().map(|sink| async move {
        let answer = sink.ready().await.map_err(|e| e.to_string());
        (sink.name(), sink.description(), answer)
    }));
    let (database, sinks, prometheus) = tokio::join!(
        check_database(&state),
        sinks,
        super::prometheus::readiness(&state)
    );
    let checks = std::iter::once(("database", "PostgreSQL", database))
        .chain(sinks)
        .collect::<Vec<_>>();
    let down: Vec<&str> = checks
        .iter()
        .filter(|(_, _, answer)| answer.is_err())
        .map(|(_, description, _)| *description)
        .collect();
    let mut checks: BTreeMap<String, String> = checks
        .iter()
        .map(|(name, _, answer)| {
            let text = answer.as_ref().map_or_else(Clone::clone, |_| "ok".into());
            ((*name).to_owned(), text)
        })
        .collect();
    checks.insert("prometheus".into(), prometheus);
    if down.is_empty() {
        return Ok(HttpResponse::Ok().json(json!({ "status": "ready", "checks": checks })));
    }
    Err(ApiError::NotReady {
        down: down.join(" and "),
        checks,
    })
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
