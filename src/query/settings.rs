//! The read path's settings, flattened into `pushgate serve`'s (`settings::Settings::query`).

use crate::settings::parse_duration;
use clap::Args;
use std::time::Duration;

/// Limits of the read path (`/prometheus/api/v1/…`).
#[derive(Args, Debug, Clone)]
pub struct QuerySettings {
    /// Base URL of the Prometheus that scrapes the Pushgateway: the tenant-scoped read path.
    #[arg(
        long,
        env = "PUSHGATE_PROMETHEUS_URL",
        default_value = "http://127.0.0.1:9090"
    )]
    pub prometheus_url: String,
    /// The longest time span a query may read (its range plus its range selectors).
    #[arg(long, env = "PUSHGATE_QUERY_MAX_RANGE", default_value = "32d", value_parser = parse_duration)]
    pub query_max_range: Duration,
    /// The longest a query may run; passed on as Prometheus's `timeout`.
    #[arg(long, env = "PUSHGATE_QUERY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub query_timeout: Duration,
}

impl QuerySettings {
    /// The defaults, with Prometheus on a closed port: tests that read start one and set it.
    pub fn for_tests() -> Self {
        Self {
            prometheus_url: "http://127.0.0.1:9".into(),
            query_max_range: Duration::from_secs(32 * 86400),
            query_timeout: Duration::from_secs(30),
        }
    }
}
