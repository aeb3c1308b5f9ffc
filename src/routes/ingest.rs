//! `POST /api/v1/metrics`: the ingestion endpoint (SPEC §5). The handler authenticates against
//! the registry, reads the body within its limit, and maps what `ingest::pipeline` answers to
//! HTTP; the forwarder pushes the aggregate later.

use super::intake::count;
use crate::error::ApiError;
use crate::extract::read_limited;
use crate::ingest::credentials::authenticate;
use crate::ingest::outcome::{BatchOutcome, BatchRefused};
use crate::state::AppState;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The public key from `X-API-Key`, or from `?k=` (sendBeacon cannot set headers).
fn key_from_query(query: &str) -> Option<String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(query)
        .ok()
        .and_then(|q| q.get("k").cloned())
}

pub async fn push_metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let result = ingest(&req, &state, &mut payload).await;
    count(&state, &result, |o| match o {
        o if o.duplicate => "duplicate",
        o if o.accepted == 0 => "rejected",
        o if o.rejected > 0 => "partial",
        _ => "accepted",
    });
    let outcome = result?;
    if outcome.accepted == 0 {
        return Err(ApiError::Unprocessable {
            code: "nothing_accepted",
            message: format!(
                "none of the {} items was accepted: see details.errors for what to fix in each",
                outcome.rejected
            ),
            details: serde_json::to_value(&outcome).map_err(ApiError::internal)?,
        });
    }
    Ok(HttpResponse::Ok().json(outcome))
}

/// Authenticates the request, reads its body and hands both to the pipeline.
async fn ingest(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<BatchOutcome, ApiError> {
    let headers = req.headers();
    let api_key = match header_str(headers, "x-api-key") {
        Some(key) => Some(key.to_owned()),
        None => key_from_query(req.query_string()),
    };
    let registry = state.registry.current();
    let pusher = authenticate(
        &registry,
        api_key.as_deref(),
        header_str(headers, "x-api-secret"),
        header_str(headers, header::ORIGIN.as_str()),
    )?;
    let span =
        tracing::debug_span!("ingest", tenant = %pusher.key.user_id, key_id = %pusher.key.id);
    let _enter = span.enter();
    state.used_keys.mark(pusher.key.id);

    let body = read_limited(req, payload, state.settings.limits.max_body_bytes).await?;
    let pipeline = state.pipeline(&registry);
    pipeline
        .ingest_json(&pusher, &body)
        .map_err(|BatchRefused { code, message }| ApiError::BadRequest { code, message })
}

/// CORS preflight: answered for any origin (it carries no key); the POST's own `Origin` is
/// checked against the key.
pub async fn preflight(req: HttpRequest) -> HttpResponse {
    let origin = header_str(req.headers(), header::ORIGIN.as_str())
        .unwrap_or("*")
        .to_owned();
    HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Content-Type, X-API-Key",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .insert_header((header::VARY, "Origin"))
        .finish()
}
