//! The Pushgateway's push API, routed exactly as the Pushgateway routes it: `PUT`, `POST` and
//! `DELETE` on `/metrics/job/{job}{/label/value…}` (and `/metrics/job@base64/…`). The handler
//! authenticates a server-side key (basic auth or the key headers) and maps what the pipeline
//! answers to HTTP; the group goes out with pushgate's next push.

use super::intake::{count, header, read_body, server_pusher};
use crate::aggregator::GroupMode;
use crate::error::ApiError;
use crate::ingest::pushgateway::GroupingKey;
use crate::ingest::pushgateway::pipeline::GroupRefused;
use crate::state::AppState;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::json;

/// Every path of the push API.
pub const PATHS: [&str; 2] = ["/metrics/job/{tail:.*}", "/metrics/job@base64/{tail:.*}"];

pub async fn push_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> HttpResponse {
    let result = handle(&req, &state, &mut payload).await;
    count(&state, &result, |_| "accepted");
    match result {
        Ok(response) => response,
        Err(e) => {
            let mut response = e.error_response();
            if matches!(e, ApiError::Unauthorized(_)) {
                // the client libraries' basic-auth handlers, and curl -u, speak Basic
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Basic realm=\"pushgate\""),
                );
            }
            response
        }
    }
}

async fn handle(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limits = &state.settings.limits;
    let tail = req.path().strip_prefix("/metrics/").unwrap_or_default();
    let key = GroupingKey::parse(tail, limits).map_err(|e| ApiError::BadRequest {
        code: e.code,
        message: e.message,
    })?;
    let pusher = server_pusher(req, state)?;
    let span = tracing::debug_span!("push_group", tenant = %pusher.key.user_id, key_id = %pusher.key.id, job = key.job());
    let _enter = span.enter();
    let registry = state.registry.current();
    let pipeline = state.pipeline(&registry);
    let mode = match *req.method() {
        Method::PUT => GroupMode::Replace,
        Method::POST => GroupMode::Merge,
        _ => {
            pipeline.delete_group(&pusher, &key);
            // as the Pushgateway answers a delete, known group or not
            return Ok(HttpResponse::Accepted().finish());
        }
    };
    let body = read_body(req, state, payload).await?;
    let content_type = header(req, header::CONTENT_TYPE);
    let outcome = pipeline
        .push_group(&pusher, &key, mode, content_type, &body)
        .map_err(refused)?;
    let group: serde_json::Map<String, serde_json::Value> = key
        .labels()
        .iter()
        .map(|(n, v)| (n.to_string(), json!(v)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "group": group,
        "families": outcome.families,
        "series": outcome.series,
        "group_series": outcome.group_series,
    })))
}

/// 400 naming the (first) family and its reason, every family in `details.errors`.
fn refused(r: GroupRefused) -> ApiError {
    match r {
        GroupRefused::Malformed(message) => ApiError::BadRequest {
            code: "invalid_body",
            message: format!("the push was refused and nothing changed: {message}"),
        },
        GroupRefused::Families(errors) => {
            let first = errors.first().map_or_else(String::new, |e| {
                format!("metric family {:?}: {}", e.family, e.message)
            });
            let more = match errors.len() {
                0 | 1 => String::new(),
                n => format!(" (and {} more, see details.errors)", n - 1),
            };
            ApiError::Refused {
                code: "push_refused",
                message: format!("the push was refused whole and nothing changed: {first}{more}"),
                details: json!({ "errors": errors }),
            }
        }
    }
}
