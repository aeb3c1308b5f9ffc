//! `/metrics`: pushgate's own metrics in the Prometheus text format.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};

pub async fn get_own_metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .metrics
        .active_series
        .set(state.aggregator.series_count() as i64);
    let body = state.metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
