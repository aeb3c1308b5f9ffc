//! Errors of the query API in Prometheus's shape and with its status codes: 400 `bad_data`
//! for a parameter or query that is refused, 503 `unavailable` / `timeout` when Prometheus
//! cannot answer, 401/403/429 for who may read and how often.

use super::tenant::Refused;
use crate::error::{ApiError, prometheus_error_body};
use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PromError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub message: String,
    retry_after_secs: Option<u64>,
}

impl PromError {
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn bad_data(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_data", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::from(ApiError::RateLimited { retry_after_secs });
        e.retry_after_secs = Some(retry_after_secs);
        e
    }
}

impl From<Refused> for PromError {
    fn from(r: Refused) -> Self {
        Self::bad_data(r.0)
    }
}

/// Authentication and database errors keep their status and message; the type names what
/// went wrong in Prometheus's vocabulary where it has a word for it.
impl From<ApiError> for PromError {
    fn from(e: ApiError) -> Self {
        let status = e.status_code();
        let error_type = match status {
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => "bad_data",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "internal",
        };
        let message = if let ApiError::Internal(cause) = &e {
            tracing::error!(error = %cause, "internal error on the query API");
            "internal error".to_owned()
        } else {
            e.to_string()
        };
        Self::new(status, error_type, message)
    }
}

impl ResponseError for PromError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            // Grafana and curl send basic auth; a browser session sends its cookie.
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"pushgate\""));
        }
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.json(prometheus_error_body(self.error_type, &self.message))
    }
}
