//! `GET /api/v1/live`: what arrived for the signed-in tenant in the last minutes (the
//! dashboard's live view). Only this tenant's numbers, from this instance's memory.

use crate::error::ApiError;
use crate::extract::AuthUser;
use crate::ingest::live::MINUTES;
use crate::models::MetricConfig;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The tenant's Pushgateway API groups: grouping key, last push, series.
fn groups(state: &AppState, tenant: crate::domain::UserId) -> Vec<Value> {
    state
        .aggregator
        .tenant_groups(tenant)
        .into_iter()
        .map(|g| {
            let labels: serde_json::Map<String, Value> = g
                .labels
                .iter()
                .map(|(n, v)| (n.to_string(), json!(v)))
                .collect();
            json!({
                "labels": labels,
                "last_push": chrono::DateTime::from_timestamp(g.last_push, 0),
                "series": g.series,
            })
        })
        .collect()
}

pub async fn get_live(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let configs = {
        let mut conn = state.pool.get().await?;
        MetricConfig::list_for_user(&mut conn, user.0).await?
    };
    let live = state.live.tenant(user.0);
    let series = state.aggregator.tenant_series(user.0);
    let now_minute = chrono::Utc::now().timestamp() / 60;

    let mut names: BTreeMap<String, (Option<String>, bool)> = BTreeMap::new();
    for c in &configs {
        names.insert(
            c.metric_name.to_string(),
            (Some(c.metric_type.as_str().to_owned()), true),
        );
    }
    for (name, (kind, _)) in &series {
        names
            .entry(name.clone())
            .or_insert((Some(kind.as_str().to_owned()), false));
    }
    for name in live.metrics.keys() {
        names.entry(name.clone()).or_insert((None, false));
    }
    let metrics: Vec<Value> = names
        .into_iter()
        .map(|(name, (kind, declared))| {
            let stats = live.metrics.get(&name).cloned().unwrap_or_default();
            let mut per_minute = vec![0u64; MINUTES];
            let mut rejected = 0;
            for (minute, accepted, refused) in &stats.minutes {
                let age = now_minute - minute;
                if (0..MINUTES as i64).contains(&age) {
                    per_minute[MINUTES - 1 - age as usize] += accepted;
                    rejected += refused;
                }
            }
            json!({
                "metric_name": name,
                "metric_type": kind,
                "declared": declared,
                "samples": per_minute.iter().sum::<u64>(),
                "last_seen": stats.last_seen,
                "series": series.get(&name).map_or(0, |(_, n)| *n),
                "per_minute": per_minute,
                "rejected": rejected,
            })
        })
        .collect();
    // grouped by (metric name, code), newest group first
    let rejections: Vec<Value> = live
        .rejections
        .groups()
        .map(|g| {
            json!({
                "metric_name": g.metric_name,
                "code": g.code,
                "count": g.count,
                "message": g.message,
                "first_seen": g.first_seen,
                "last_seen": g.last_seen,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "window_seconds": MINUTES * 60,
        "grafana_url": state.settings.grafana_url,
        "metrics": metrics,
        "groups": groups(&state, user.0),
        "recent_rejections": rejections,
    })))
}
