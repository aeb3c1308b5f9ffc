//! Background tasks besides the forwarder: the registry reload (which also drops series of
//! deleted tenants and reshaped configs) and the bulk `last_used_at` write. Both stop with
//! the server's `Shutdown` and are joined before it exits.

use crate::aggregator::SeriesShape;
use crate::models::ApiKey;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use actix_web::web;
use anyhow::Context;
use std::time::Duration;
use tokio::task::JoinHandle;

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

/// Reloads the registry every `REFRESH_EVERY` until the stop.
pub fn spawn_key_refresh(state: web::Data<AppState>, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(crate::ingest::registry::REFRESH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.requested() => return,
            }
            // a reload under way at the stop is finished: it is one short query
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
    })
}

/// Writes `last_used_at` of the keys used since the last write, every `TOUCH_KEYS_EVERY`, and
/// once more at the stop (after the HTTP server stopped, so every request is counted).
pub fn spawn_touch_keys(state: web::Data<AppState>, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TOUCH_KEYS_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => touch_keys(&state).await,
                deadline = shutdown.requested() => {
                    if tokio::time::timeout_at(deadline.into(), touch_keys(&state)).await.is_err() {
                        tracing::warn!("the last use of some API keys was not recorded: the database did not answer before the shutdown deadline");
                    }
                    return;
                }
            }
        }
    })
}

/// One bulk write of the keys used since the last; on failure they are kept for the next.
async fn touch_keys(state: &AppState) {
    let ids = state.used_keys.take();
    if ids.is_empty() {
        return;
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
        state.used_keys.give_back(ids);
    }
}
