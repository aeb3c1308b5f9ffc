//! `POST /v1/metrics`: OTLP/HTTP metrics, at the path OTLP exporters use by default, so
//! `OTEL_EXPORTER_OTLP_ENDPOINT=<public url>` is all an SDK needs besides its credentials
//! (`OTEL_EXPORTER_OTLP_HEADERS=X-API-Key=…,X-API-Secret=…`). Answers as OTLP/HTTP says:
//! an `ExportMetricsServiceResponse` in the request's encoding, errors as a `Status`.

use super::intake::{count, header, read_body, server_pusher};
use crate::error::ApiError;
use crate::ingest::otlp::Encoding;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

pub async fn export_metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> HttpResponse {
    let encoding = Encoding::from_content_type(header(&req, header::CONTENT_TYPE));
    let protobuf = !matches!(encoding, Ok(Encoding::Json));
    let result = match encoding {
        Ok(encoding) => handle(&req, &state, &mut payload, encoding).await,
        Err(e) => Err(e),
    };
    count(&state, &result, |_| "accepted");
    result.unwrap_or_else(|e| e.otlp_response(protobuf))
}

async fn handle(
    req: &HttpRequest,
    state: &AppState,
    payload: &mut web::Payload,
    encoding: Encoding,
) -> Result<HttpResponse, ApiError> {
    let pusher = server_pusher(req, state)?;
    let span = tracing::debug_span!("otlp", tenant = %pusher.key.user_id, key_id = %pusher.key.id);
    let _enter = span.enter();
    let body = read_body(req, state, payload).await?;
    let registry = state.registry.current();
    let pipeline = state.pipeline(&registry);
    let response = pipeline.ingest_otlp(&pusher, encoding, &body)?;
    Ok(HttpResponse::Ok()
        .content_type(encoding.content_type())
        .body(encoding.encode(&response)?))
}
