//! `POST /api/v1/metrics`: the ingestion endpoint (SPEC §5). Route → key cache → validator →
//! aggregator; the forwarder pushes the aggregate later.

use crate::aggregator::{BatchKey, Sample};
use crate::error::{ApiError, error_body};
use crate::extract::read_limited;
use crate::ingest::credentials::authenticate;
use crate::ingest::outcome::{BatchOutcome, ItemError};
use crate::ingest::validate::Judge;
use crate::state::AppState;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

const MAX_BATCH_ID_LEN: usize = 128;

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
    let outcome_label = match &result {
        Ok(o) if o.duplicate => "duplicate",
        Ok(o) if o.accepted == 0 => "rejected",
        Ok(o) if o.rejected > 0 => "partial",
        Ok(_) => "accepted",
        Err(ApiError::Unauthorized(_) | ApiError::Forbidden(_)) => "unauthorized",
        Err(_) => "invalid",
    };
    state
        .metrics
        .ingest_requests
        .with_label_values(&[outcome_label])
        .inc();
    let outcome = result?;
    if outcome.accepted == 0 {
        let message = format!(
            "none of the {} items was accepted: see details.errors for what to fix in each",
            outcome.rejected
        );
        let mut details = serde_json::to_value(&outcome).map_err(ApiError::internal)?;
        if let Some(d) = details.as_object_mut() {
            d.insert("accepted".into(), json!(0));
        }
        return Ok(HttpResponse::UnprocessableEntity().json(error_body(
            "nothing_accepted",
            &message,
            details,
        )));
    }
    Ok(HttpResponse::Ok().json(outcome))
}

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
    let registry = state.keys.registry();
    let pusher = authenticate(
        &registry,
        api_key.as_deref(),
        header_str(headers, "x-api-secret"),
        header_str(headers, header::ORIGIN.as_str()),
    )?;
    let tenant = pusher.key.user_id;
    let span = tracing::debug_span!("ingest", tenant = %tenant, key_id = %pusher.key.id);
    let _enter = span.enter();
    state.used_keys.lock().insert(pusher.key.id);

    let body = read_limited(req, payload, state.settings.limits.max_body_bytes).await?;
    let batch: Value = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON ({e}); send {{\"metrics\": [{{\"name\": …, \"type\": …, \"value\": …}}]}}"),
    })?;
    let (items, batch_id) = parse_envelope(&batch, state.settings.limits.max_batch_items)
        .inspect_err(|e| {
            state.live.record_refusal(tenant, e.code(), e.to_string());
        })?;

    let judge = Judge {
        registry: &registry,
        tenant,
        caller: pusher.caller,
        limits: &state.settings.limits,
    };
    let mut samples = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match judge.judge(index, item) {
            Ok(sample) => samples.push(sample),
            Err(e) => errors.push(e),
        }
    }
    let batch_key = batch_id.map(|id| BatchKey {
        key_id: pusher.key.id,
        batch_id: id.into(),
    });
    let outcome = state.aggregator.apply_batch(
        tenant,
        batch_key,
        items.len(),
        &samples,
        errors,
        &registry.claims,
    );
    if !outcome.duplicate {
        record(state, tenant, &samples, &outcome.errors);
    }
    Ok(outcome)
}

fn record(
    state: &AppState,
    tenant: crate::domain::UserId,
    samples: &[Sample],
    errors: &[ItemError],
) {
    // borrowed from the samples: the live view costs no copy of the names
    let accepted: Vec<&str> = samples
        .iter()
        .filter(|s| errors.binary_search_by_key(&s.index, |e| e.index).is_err())
        .map(|s| s.name.as_str())
        .collect();
    state.metrics.items_accepted.inc_by(accepted.len() as u64);
    for e in errors {
        state
            .metrics
            .items_rejected
            .with_label_values(&[e.code])
            .inc();
    }
    state.live.record(tenant, &accepted, errors);
}

/// `{"metrics": [...], "batch_id"?: "..."}`: the envelope is judged as a whole (public for the
/// fuzz target in `fuzz/`).
pub fn parse_envelope(
    batch: &Value,
    max_items: usize,
) -> Result<(&Vec<Value>, Option<&str>), ApiError> {
    let shape = || ApiError::BadRequest {
        code: "invalid_batch",
        message: "send an object {\"metrics\": [ … ]} with an optional \"batch_id\" string".into(),
    };
    let obj = batch.as_object().ok_or_else(shape)?;
    if let Some(field) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "metrics" | "batch_id"))
    {
        return Err(ApiError::BadRequest {
            code: "unknown_field",
            message: format!(
                "unknown top-level field {field:?}: a batch has only \"metrics\" and \"batch_id\""
            ),
        });
    }
    let items = obj
        .get("metrics")
        .and_then(Value::as_array)
        .ok_or_else(shape)?;
    let batch_id = match obj.get("batch_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_BATCH_ID_LEN => Some(s.as_str()),
        Some(_) => {
            return Err(ApiError::BadRequest {
                code: "invalid_batch_id",
                message: format!(
                    "batch_id must be a non-empty string of at most {MAX_BATCH_ID_LEN} characters"
                ),
            });
        }
    };
    if items.is_empty() {
        return Err(ApiError::BadRequest {
            code: "empty_batch",
            message: "the batch has no items: send at least one metric in \"metrics\"".into(),
        });
    }
    if items.len() > max_items {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            message: format!(
                "the batch has {} items; the limit (max_batch_items) is {max_items}: split it into smaller batches",
                items.len()
            ),
        });
    }
    Ok((items, batch_id))
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
