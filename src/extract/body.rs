//! Request bodies: read with a size limit that answers 413 in the JSON error shape without
//! resetting the connection under the client, and JSON decoded with errors in that shape too.

use crate::error::ApiError;
use actix_web::{
    FromRequest, HttpRequest, dev::Payload, error::PayloadError, http::header, web::Bytes,
};
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// Past the limit, the rest of the body is still read and thrown away up to this many bytes,
/// so the client sees the 413 instead of a reset connection.
const DRAIN_BOUND: usize = 64 * 1024 * 1024;

/// Reads the whole body if it fits in `limit` bytes.
pub async fn read_limited<S>(
    req: &HttpRequest,
    payload: &mut S,
    limit: usize,
) -> Result<Bytes, ApiError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_BOUND) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            code: "invalid_body",
            message: format!("the request body could not be read: {e}"),
        })?;
        seen += chunk.len();
        if seen <= limit {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_BOUND {
            break;
        }
    }
    if seen > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    Ok(Bytes::from(body))
}

pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Limit for the account endpoints' JSON bodies.
pub const ACCOUNT_BODY_LIMIT: usize = 64 * 1024;

/// A JSON body (`Content-Type: application/json` required: together with SameSite cookies
/// this is the dashboard's CSRF defence, since a cross-site form cannot send that type).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { parse_json(&req, &mut payload).await.map(ApiJson) })
    }
}

/// Decodes a JSON body; handlers that must check ownership before judging the body call this
/// themselves after the check.
pub async fn parse_json<T, S>(req: &HttpRequest, payload: &mut S) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    if !is_json(req) {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as JSON with the header Content-Type: application/json".into(),
        ));
    }
    let body = read_limited(req, payload, ACCOUNT_BODY_LIMIT).await?;
    serde_json::from_slice(&body).map_err(ApiError::bad_json)
}
