//! Background tasks besides the forwarder: the key-cache refresh (which also drops series of
//! deleted tenants and reshaped configs) and the bulk `last_used_at` write.

use crate::aggregator::SeriesShape;
use crate::models::ApiKey;
use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

const TOUCH_KEYS_EVERY: Duration = Duration::from_secs(30);

/// Drops series that the registry no longer allows: a deleted tenant, a deleted config, or a
/// config whose type, buckets or quantiles changed (possibly on another instance).
pub fn reconcile(state: &AppState) {
    let registry = state.keys.registry();
    state
        .aggregator
        .reconcile(|tenant, name, declared, shape: &SeriesShape| {
            if !registry.tenants.contains(&tenant) {
                return false;
            }
            match registry.declared(tenant, name) {
                Some(config) => shape.matches(&config.schema),
                None => !declared,
            }
        });
}

pub fn spawn_key_refresh(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::ingest::key_cache::REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match state.keys.reload(&state.pool).await {
                Ok(()) => reconcile(&state),
                Err(e) => {
                    tracing::debug!(error = %e, "key cache refresh failed; serving the cached keys")
                }
            }
        }
    });
}

pub fn spawn_touch_keys(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TOUCH_KEYS_EVERY);
        loop {
            tick.tick().await;
            let ids: Vec<_> = state.used_keys.lock().drain().collect();
            if ids.is_empty() {
                continue;
            }
            let result = async {
                let mut conn = state.pool.get().await?;
                ApiKey::touch_last_used(&mut conn, &ids, chrono::Utc::now()).await?;
                Ok::<_, crate::error::ApiError>(())
            }
            .await;
            if let Err(e) = result {
                tracing::debug!(error = %e, "could not record key use; will retry");
                state.used_keys.lock().extend(ids);
            }
        }
    });
}
