//! The rate limits of SPEC §7, each built once per server from the settings and shared by
//! every worker (`routes::configure` runs once per worker): a limit is per client IP, key or
//! user for the whole server, whichever worker a connection lands on.

use super::prometheus::reader::ByReader;
use crate::auth::JwtKeys;
use crate::rate_limit::{BrowserIp, ByApiKey, ByIp, ByUser, SharedLimiter};
use crate::settings::RateLimits;
use std::sync::Arc;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct RateLimiters {
    /// signup, signin and refresh: one budget per client IP for the three
    pub auth: SharedLimiter<ByIp>,
    /// every ingestion route (`/api/v1/metrics`, the Pushgateway API, OTLP): one budget per key
    pub ingest: SharedLimiter<ByApiKey>,
    /// key-only (browser) pushes, per client IP
    pub browser: SharedLimiter<BrowserIp>,
    /// the rest of `/api/v1`, per signed-in user
    pub api: SharedLimiter<ByUser>,
    /// `/prometheus/api/v1`, per reading tenant (session or read key), at the API rate
    pub read: SharedLimiter<ByReader>,
}

impl RateLimiters {
    pub fn new(limits: &RateLimits, jwt: JwtKeys) -> Self {
        let proxies = Arc::new(limits.trusted_proxies.0.clone());
        Self {
            auth: SharedLimiter::new(
                ByIp(proxies.clone()),
                limits.auth_rate_per_min,
                MINUTE,
                limits.auth_rate_per_min,
            ),
            ingest: SharedLimiter::new(
                ByApiKey,
                limits.ingest_rate_per_key,
                SECOND,
                limits.ingest_rate_per_key.saturating_mul(2),
            ),
            browser: SharedLimiter::new(
                BrowserIp(proxies),
                limits.browser_rate_per_ip,
                SECOND,
                limits.browser_rate_per_ip.saturating_mul(5),
            ),
            api: SharedLimiter::new(
                ByUser(jwt),
                limits.api_rate_per_user,
                MINUTE,
                limits.api_rate_per_user,
            ),
            read: SharedLimiter::new(
                ByReader,
                limits.api_rate_per_user,
                MINUTE,
                limits.api_rate_per_user,
            ),
        }
    }
}
