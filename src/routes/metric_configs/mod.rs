//! `/api/v1/metric-configs`: the metrics a tenant declares. A name whose type (or whose
//! histogram/summary series) would clash with another tenant's is refused here, so the
//! Pushgateway never rejects a push.

mod input;

use crate::domain::name_claims::names_that_could_clash;
use crate::domain::{MetricConfigId, NameClaims, UserId};
use crate::error::ApiError;
use crate::extract::{ApiJson, AuthUser, parse_json};
use crate::models::metric_config::MetricConfigFields;
use crate::models::{MetricConfig, MetricConfigResponse};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
pub use input::MetricConfigRequest;
use serde_json::json;

/// Advisory lock held while a config name is checked and written, so two tenants cannot
/// claim clashing names at the same moment.
const NAME_LOCK_KEY: i64 = 0x6d65_7472_6963; // "metric"

async fn check_name_free(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    user: UserId,
    fields: &MetricConfigFields,
) -> Result<(), ApiError> {
    let (name, kind) = (fields.metric_name.as_ref(), fields.metric_type);
    let mut claims = NameClaims::default();
    for (other, other_kind) in
        MetricConfig::others_named(conn, user, &names_that_could_clash(name, kind)).await?
    {
        if claims.conflict(other.as_ref(), other_kind).is_none() {
            claims.claim(other.as_ref(), other_kind);
        }
    }
    let conflict = claims
        .conflict(name, kind)
        .or_else(|| state.aggregator.live_conflict(name, kind, user));
    match conflict {
        Some(conflict) => Err(ApiError::Conflict(conflict.to_string())),
        None => Ok(()),
    }
}

fn duplicate_name(e: ApiError, metric_name: &str) -> ApiError {
    match e {
        ApiError::Conflict(_) => ApiError::Conflict(format!(
            "you already have a metric config for {metric_name:?}: edit that one or choose another metric_name"
        )),
        other => other,
    }
}

/// Writes a config (insert, or replace `id`) with the cross-tenant check in one transaction.
async fn save(
    state: &AppState,
    user: UserId,
    id: Option<MetricConfigId>,
    fields: MetricConfigFields,
) -> Result<MetricConfig, ApiError> {
    let mut conn = state.pool.get().await?;
    (*conn)
        .transaction::<_, ApiError, _>(async |conn| {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({NAME_LOCK_KEY})"))
                .execute(conn)
                .await?;
            check_name_free(state, conn, user, &fields).await?;
            let saved = match id {
                None => MetricConfig::insert(conn, user, &fields).await.map(Some),
                Some(id) => MetricConfig::replace_for_user(conn, user, id, &fields).await,
            };
            // Only the insert's unique violation means "you already have one".
            saved
                .map_err(|e| duplicate_name(e.into(), fields.metric_name.as_ref()))?
                .ok_or(ApiError::NotFound("metric config"))
        })
        .await
}

pub async fn create_metric_config(
    state: web::Data<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<MetricConfigRequest>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.validate(&state.settings.limits)?;
    let config = save(&state, user.0, None, fields).await?;
    state.registry_changed().await;
    tracing::info!(tenant = %user.0, metric = %config.metric_name, "metric config created");
    Ok(HttpResponse::Created().json(MetricConfigResponse::from(config)))
}

pub async fn list_metric_configs(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let configs: Vec<MetricConfigResponse> = MetricConfig::list_for_user(&mut conn, user.0)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "metric_configs": configs })))
}

pub async fn get_metric_config(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<MetricConfigId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let config = MetricConfig::find_for_user(&mut conn, user.0, id.into_inner())
        .await?
        .ok_or(ApiError::NotFound("metric config"))?;
    Ok(HttpResponse::Ok().json(MetricConfigResponse::from(config)))
}

/// Replaces every field. Changing metric_name, metric_type, buckets or quantiles resets that
/// metric's series (the old ones leave the next push).
pub async fn replace_metric_config(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<MetricConfigId>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let old = {
        let mut conn = state.pool.get().await?;
        MetricConfig::find_for_user(&mut conn, user.0, id)
            .await?
            .ok_or(ApiError::NotFound("metric config"))?
    };
    let body: MetricConfigRequest = parse_json(&req, &mut payload).await?;
    let fields = body.validate(&state.settings.limits)?;
    let config = save(&state, user.0, Some(id), fields).await?;
    let reshaped = old.metric_name != config.metric_name
        || old.metric_type != config.metric_type
        || old.buckets != config.buckets
        || old.quantiles != config.quantiles;
    if reshaped {
        state
            .aggregator
            .remove_metric(user.0, old.metric_name.as_ref());
    }
    state.registry_changed().await;
    Ok(HttpResponse::Ok().json(MetricConfigResponse::from(config)))
}

pub async fn delete_metric_config(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<MetricConfigId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let config = MetricConfig::delete_for_user(&mut conn, user.0, id.into_inner())
        .await?
        .ok_or(ApiError::NotFound("metric config"))?;
    drop(conn);
    state
        .aggregator
        .remove_metric(user.0, config.metric_name.as_ref());
    state.registry_changed().await;
    Ok(HttpResponse::NoContent().finish())
}
