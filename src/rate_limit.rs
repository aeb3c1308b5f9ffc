//! Rate limits with actix-governor (SPEC §7), each a setting where 0 means "not installed".
//! Refusals are 429 in the JSON error shape with `Retry-After`. The client IP comes from
//! `X-Forwarded-For` only when the peer is a trusted proxy.

use crate::auth::JwtKeys;
use crate::domain::UserId;
use crate::error::ApiError;
use crate::extract::access_token;
use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor};
use actix_web::dev::ServiceRequest;
use actix_web::middleware::Condition;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The 429 of every limiter: `ApiError::RateLimited`, with `Retry-After`, instead of the
/// governor's plain-text answer (`_response` is that answer's builder: its status is the same).
fn too_many(negative: &NotUntil<QuantaInstant>, _response: HttpResponseBuilder) -> HttpResponse {
    let wait = negative
        .wait_time_from(DefaultClock::default().now())
        .as_secs()
        .max(1);
    ApiError::RateLimited {
        retry_after_secs: wait,
    }
    .error_response()
}

/// The client's IP: the peer, or the last untrusted address of X-Forwarded-For when the peer
/// is a trusted proxy.
pub fn client_ip(req: &ServiceRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.iter().any(|net| net.contains(ip)))
        .or(Some(peer))
}

/// Per client IP (auth endpoints).
#[derive(Clone)]
pub struct ByIp(pub Arc<Vec<IpNet>>);

impl KeyExtractor for ByIp {
    type Key = Option<IpAddr>;
    type KeyExtractionError = ApiError;
    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, ApiError> {
        Ok(client_ip(req, &self.0))
    }
    fn exceed_rate_limit_response(
        &self,
        n: &NotUntil<QuantaInstant>,
        r: HttpResponseBuilder,
    ) -> HttpResponse {
        too_many(n, r)
    }
}

/// Per client IP, for key-only (browser) pushes; pushes with a secret are not counted here.
#[derive(Clone)]
pub struct BrowserIp(pub Arc<Vec<IpNet>>);

impl KeyExtractor for BrowserIp {
    type Key = Option<IpAddr>;
    type KeyExtractionError = ApiError;
    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, ApiError> {
        if req.headers().contains_key("x-api-secret")
            || req.method() == actix_web::http::Method::OPTIONS
        {
            return Ok(None);
        }
        Ok(client_ip(req, &self.0))
    }
    fn exceed_rate_limit_response(
        &self,
        n: &NotUntil<QuantaInstant>,
        r: HttpResponseBuilder,
    ) -> HttpResponse {
        too_many(n, r)
    }
    fn whitelisted_keys(&self) -> Vec<Self::Key> {
        vec![None]
    }
}

/// Per API key (ingestion), from `X-API-Key`, `?k=` or the user of HTTP basic auth.
#[derive(Clone)]
pub struct ByApiKey;

impl KeyExtractor for ByApiKey {
    type Key = Option<String>;
    type KeyExtractionError = ApiError;
    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, ApiError> {
        let header = req
            .headers()
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let query = || {
            req.query_string()
                .split('&')
                .find_map(|p| p.strip_prefix("k="))
                .map(str::to_owned)
        };
        let basic = || {
            req.headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::ingest::credentials::basic_auth)
                .map(|(key, _)| key)
        };
        Ok(header.or_else(query).or_else(basic))
    }
    fn exceed_rate_limit_response(
        &self,
        n: &NotUntil<QuantaInstant>,
        r: HttpResponseBuilder,
    ) -> HttpResponse {
        too_many(n, r)
    }
    fn whitelisted_keys(&self) -> Vec<Self::Key> {
        vec![None]
    }
}

/// Per signed-in user (everything else); requests without a valid token are not counted.
#[derive(Clone)]
pub struct ByUser(pub JwtKeys);

impl KeyExtractor for ByUser {
    type Key = Option<UserId>;
    type KeyExtractionError = ApiError;
    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, ApiError> {
        Ok(access_token(req.request()).and_then(|t| self.0.verify(&t).ok()))
    }
    fn exceed_rate_limit_response(
        &self,
        n: &NotUntil<QuantaInstant>,
        r: HttpResponseBuilder,
    ) -> HttpResponse {
        too_many(n, r)
    }
    fn whitelisted_keys(&self) -> Vec<Self::Key> {
        vec![None]
    }
}

pub type Limiter<K> = Condition<Governor<K, NoOpMiddleware<QuantaInstant>>>;

/// One limit's state (its governor store), made once and shared: every worker's middleware
/// made by `middleware` counts against the same budgets, and so does every route it guards.
/// A store per worker (or per route) would multiply the limit by their number.
pub struct SharedLimiter<K: KeyExtractor> {
    enabled: bool,
    config: GovernorConfig<K, NoOpMiddleware<QuantaInstant>>,
}

impl<K: KeyExtractor> Clone for SharedLimiter<K> {
    fn clone(&self) -> Self {
        Self {
            enabled: self.enabled,
            config: self.config.clone(),
        }
    }
}

impl<K: KeyExtractor + Send + Sync> SharedLimiter<K>
where
    K::Key: Send + Sync + 'static,
{
    /// `per_period` requests each `period` with the given burst; off when `per_period` is 0.
    pub fn new(key: K, per_period: u32, period: Duration, burst: u32) -> Self {
        let enabled = per_period > 0;
        let interval = if enabled {
            period / per_period
        } else {
            Duration::from_secs(1)
        };
        let config = GovernorConfigBuilder::default()
            .key_extractor(key)
            .period(interval.max(Duration::from_nanos(1)))
            .burst_size(burst.max(1))
            .finish()
            .expect("a non-zero period and burst always make a valid governor config");
        Self { enabled, config }
    }

    /// The middleware for one route of one worker, counting in the shared store.
    pub fn middleware(&self) -> Limiter<K> {
        Condition::new(self.enabled, Governor::new(&self.config))
    }
}
