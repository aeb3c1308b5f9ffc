//! Every active API key and every metric config, in memory, so a push is authenticated and
//! validated in microseconds: no bcrypt, no database round-trip per request. Reloaded whole
//! from Postgres every few seconds (changes made on another instance arrive within
//! `REFRESH_EVERY`) and at once after a change made through this instance.

use crate::db::Pool;
use crate::domain::{ApiKeyId, DeclaredLabels, MetricSchema, NameClaims, Scopes, UserId};
use crate::models::{ApiKey, MetricConfig, User};
use anyhow::Context;
use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

pub const REFRESH_EVERY: Duration = Duration::from_secs(3);

pub struct CachedKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub secret_hash: Vec<u8>,
    pub allowed_origins: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Scopes,
}

/// A tenant's declared metric, as ingestion needs it.
pub struct DeclaredMetric {
    pub schema: Arc<MetricSchema>,
    pub labels: DeclaredLabels,
    pub is_active: bool,
}

#[derive(Default)]
pub struct Registry {
    pub keys: HashMap<String, Arc<CachedKey>>,
    pub metrics: HashMap<UserId, HashMap<String, Arc<DeclaredMetric>>>,
    /// names claimed by every tenant's configs (cross-tenant conflicts)
    pub claims: NameClaims,
    pub tenants: HashSet<UserId>,
}

impl Registry {
    pub fn declared(&self, tenant: UserId, name: &str) -> Option<&Arc<DeclaredMetric>> {
        self.metrics.get(&tenant)?.get(name)
    }
}

#[derive(Clone, Default)]
pub struct RegistryCache {
    current: Arc<RwLock<Arc<Registry>>>,
    /// serialises reloads so that an older read never replaces a newer one
    reload_lock: Arc<tokio::sync::Mutex<()>>,
}

impl RegistryCache {
    /// The registry as of the last reload: cheap (one `Arc` clone), never blocks on I/O.
    pub fn current(&self) -> Arc<Registry> {
        self.current.read().clone()
    }

    /// Reloads everything from Postgres.
    pub async fn reload(&self, pool: &Pool) -> anyhow::Result<()> {
        let _guard = self.reload_lock.lock().await;
        let mut conn = pool.get().await.context("no database connection")?;
        let keys = ApiKey::load_all_active(&mut conn)
            .await
            .context("reading the API keys")?;
        let configs = MetricConfig::load_all(&mut conn)
            .await
            .context("reading the metric configs")?;
        let tenants = User::active_ids(&mut conn)
            .await
            .context("reading the accounts")?;
        drop(conn);
        *self.current.write() = Arc::new(build_registry(keys, configs, tenants));
        Ok(())
    }
}

fn build_registry(keys: Vec<ApiKey>, configs: Vec<MetricConfig>, tenants: Vec<UserId>) -> Registry {
    let mut registry = Registry {
        tenants: tenants.into_iter().collect(),
        ..Registry::default()
    };
    for key in keys {
        registry.keys.insert(
            key.api_key.clone(),
            Arc::new(CachedKey {
                id: key.id,
                user_id: key.user_id,
                secret_hash: key.secret_hash,
                allowed_origins: key.allowed_origins,
                expires_at: key.expires_at,
                scopes: Scopes::from_stored(&key.scopes),
            }),
        );
    }
    for config in configs {
        let (name, kind) = (config.metric_name.as_ref(), config.metric_type);
        if registry.claims.conflict(name, kind).is_none() {
            registry.claims.claim(name, kind);
        }
        registry
            .metrics
            .entry(config.user_id)
            .or_default()
            .insert(name.to_owned(), Arc::new(DeclaredMetric::of(config)));
    }
    registry
}

impl DeclaredMetric {
    /// What ingestion applies for a stored config.
    pub fn of(config: MetricConfig) -> Self {
        Self {
            schema: Arc::new(MetricSchema::declared(
                config.metric_type,
                config.help,
                config.buckets.as_deref(),
                config.quantiles.as_deref(),
            )),
            labels: config.labels,
            is_active: config.is_active,
        }
    }
}
