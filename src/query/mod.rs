//! The read path: a Prometheus-compatible, tenant-scoped query API. `tenant` rewrites the
//! parsed query, `limits` checks ranges, steps and timeouts, `client` forwards to the
//! Prometheus of `PUSHGATE_PROMETHEUS_URL`; `routes::prometheus` is the HTTP side.

pub mod client;
pub mod error;
pub mod limits;
pub mod settings;
pub mod tenant;
