//! The one `AppState` every handler sees, registered once.

use crate::aggregator::Aggregator;
use crate::auth::JwtKeys;
use crate::db::Pool;
use crate::ingest::live::LiveStats;
use crate::ingest::pipeline::Pipeline;
use crate::ingest::registry::{Registry, RegistryCache};
use crate::own_metrics::OwnMetrics;
use crate::settings::Settings;
use crate::sinks::Sinks;
use std::sync::Arc;

pub struct AppState {
    pub pool: Pool,
    pub jwt: JwtKeys,
    pub settings: Arc<Settings>,
    pub registry: RegistryCache,
    pub aggregator: Aggregator,
    pub metrics: OwnMetrics,
    pub live: LiveStats,
    /// keys that authenticated since the last `last_used_at` write
    pub used_keys: crate::used_keys::UsedKeys,
    /// where the aggregate goes (the forwarder's sinks), for readiness
    pub sinks: Sinks,
    /// the read path's Prometheus (`PUSHGATE_PROMETHEUS_URL`)
    pub prometheus: crate::query::client::PrometheusClient,
    pub instance: String,
    /// the base URL written into generated code
    pub public_url: String,
}

impl AppState {
    /// The ingest pipeline over this state, judging against `registry` (one request's view).
    pub fn pipeline<'a>(&'a self, registry: &'a Registry) -> Pipeline<'a> {
        Pipeline {
            registry,
            aggregator: &self.aggregator,
            live: &self.live,
            metrics: &self.metrics,
            limits: &self.settings.limits,
        }
    }

    /// Reloads the registry after a change made through this instance, so the very next
    /// push sees it. A failure is logged: the periodic refresh will catch up.
    pub async fn registry_changed(&self) {
        if let Err(e) = self.registry.reload(&self.pool).await {
            tracing::warn!(error = format!("{e:#}"), "registry reload failed");
        }
    }
}
