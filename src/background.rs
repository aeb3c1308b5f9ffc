//! Background tasks besides the forwarder: the registry reload (which also drops series of
//! deleted tenants and reshaped configs) and the bulk `last_used_at` write.

use crate::aggregator::SeriesShape;
use crate::models::ApiKey;
use crate::state::AppState;
use actix_web::web;
use anyhow::Context;
use std::time::Duration;

const TOUCH_KEYS_EVERY: Duration = Duration::from_secs(30);

/// Drops series that the registry no longer allows: a deleted tenant, a deleted config, or a
/// config whose type, buckets or quantiles changed (possibly on another instance).
pub fn reconcile(state: &AppState) {
    let registry = state.registry.current();
    state
        .aggregator
        .reconcile(|tenant, name, declared, shape: &SeriesShape<'_>| {
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
        let mut tick = tokio::time::interval(crate::ingest::registry::REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match state.registry.reload(&state.pool).await {
                Ok(()) => reconcile(&state),
                Err(e) => {
                    tracing::debug!(
                        error = format!("{e:#}"),
                        "registry reload failed; serving the cached one"
                    )
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
                let mut conn = state.pool.get().await.context("no database connection")?;
                ApiKey::touch_last_used(&mut conn, &ids, chrono::Utc::now()).await?;
                anyhow::Ok(())
            }
            .await;
            if let Err(e) = result {
                tracing::debug!(
                    error = format!("{e:#}"),
                    "could not record key use; will retry"
                );
                state.used_keys.lock().extend(ids);
            }
        }
    });
}
