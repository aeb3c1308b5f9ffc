//! What the handlers of the ecosystem's push protocols share (`pushgateway.rs`, `otlp.rs`):
//! a server key from basic auth or the key headers, the body read within its limit and
//! inflated, the request counted in pushgate's own metrics.

use crate::error::ApiError;
use crate::extract::read_limited;
use crate::ingest::content_encoding;
use crate::ingest::credentials::{Pusher, authenticate, server_credentials};
use crate::state::AppState;
use actix_web::{HttpRequest, web};

/// A request header as text, if it is there and is text.
pub fn header(req: &HttpRequest, name: impl actix_web::http::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A key with its secret: these protocols are for servers and jobs, never for browsers.
pub fn server_pusher(req: &HttpRequest, state: &AppState) -> Result<Pusher, ApiError> {
    let (key, secret) = server_credentials(req.headers());
    if key.is_none() {
        return Err(ApiError::Unauthorized(
            "missing credentials: use HTTP basic auth with the API key as user and its secret as password, or send X-API-Key and X-API-Secret".into(),
        ));
    }
    let registry = state.registry.current();
    // no Origin is passed on: a key without its secret is refused here, whoever sends it
    let pusher = authenticate(&registry, key.as_deref(), secret.as_deref(), None)?;
    state.used_keys.mark(pusher.key.id);
    Ok(pusher)
}

/// The body within `PUSHGATE_MAX_BODY_BYTES`, inflated when it says `Content-Encoding: gzip`
/// (the limit holds for the inflated body too).
pub async fn read_body(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<Vec<u8>, ApiError> {
    let limit = state.settings.limits.max_body_bytes;
    let body = read_limited(req, payload, limit).await?;
    let encoding = header(req, actix_web::http::header::CONTENT_ENCODING);
    content_encoding::decode(encoding, &body, limit)
}

/// Counts the request in `pushgate_ingest_requests_total{outcome}`: a success as
/// `succeeded` names it (`accepted`, `partial`, …), a refusal as `unauthorized` or `invalid`.
pub fn count<T>(
    state: &AppState,
    result: &Result<T, ApiError>,
    succeeded: impl FnOnce(&T) -> &'static str,
) {
    let outcome = match result {
        Ok(done) => succeeded(done),
        Err(ApiError::Unauthorized(_) | ApiError::Forbidden(_)) => "unauthorized",
        Err(_) => "invalid",
    };
    state
        .metrics
        .ingest_requests
        .with_label_values(&[outcome])
        .inc();
}
