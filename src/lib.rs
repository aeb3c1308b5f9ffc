//! pushgate: a multi-tenant ingestion gateway that validates custom metrics, aggregates them
//! across many clients, and forwards the aggregate to a Prometheus Pushgateway.
//!
//! A request's path: `routes` → `ingest` (registry, validation) → `aggregator` → `forwarder`
//! (`checkpoint` to Postgres, then every `sinks::Sink`: the Pushgateway).

pub mod aggregator;
pub mod auth;
pub mod background;
pub mod checkpoint;
pub mod db;
pub mod domain;
pub mod error;
pub mod exposition;
pub mod extract;
pub mod forwarder;
pub mod ingest;
pub mod lock_wait;
pub mod models;
pub mod own_metrics;
pub mod query;
pub mod rate_limit;
pub mod routes;
pub mod security_headers;
pub mod settings;
pub mod shutdown;
pub mod sinks;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod used_keys;
