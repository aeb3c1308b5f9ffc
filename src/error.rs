//! One error type, one JSON shape: `{"error": {"code", "message", "details"}}`. Internal causes
//! go to the log only; clients get a message that tells them what to do.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What is wrong with each field of a request body, all found at once.
#[derive(Debug, Default, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// Records what is wrong with `field` (a later message for the same field replaces it).
    pub fn add(&mut self, field: &str, message: String) {
        self.0.insert(field.to_owned(), message);
    }

    /// A free-text field: trimmed, empty as absent, at most `max_chars` characters.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<String>,
        max_chars: usize,
    ) -> Option<String> {
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > max_chars)
        {
            self.add(field, format!("use at most {max_chars} characters"));
        }
        value
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when every field is right, else the 400 that names each wrong one.
    pub fn check(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more fields are invalid: each with what is wrong with it.
    #[error("please correct the highlighted fields")]
    Validation(FieldErrors),
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// A request refused whole, for the reasons listed in `details` (400).
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: String,
        details: Value,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such endpoint: {method} {path}; see the API reference in docs/api.md")]
    NoSuchEndpoint { method: String, path: String },
    #[error("{method} is not allowed on {path}; see the API reference in docs/api.md")]
    MethodNotAllowed { method: String, path: String },
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the limit of {limit} bytes (max_body_bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: Value,
    },
    #[error("too many requests: slow down and retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0} is unavailable right now; retry shortly")]
    Unavailable(&'static str),
    /// Readiness: what does not answer (`down`), and each dependency's state.
    #[error("not ready: {down} unreachable")]
    NotReady {
        down: String,
        checks: BTreeMap<String, String>,
    },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(e.into())
    }

    pub fn bad_json(e: impl std::fmt::Display) -> Self {
        Self::BadRequest {
            code: "invalid_json",
            message: format!("the request body is not valid JSON for this endpoint: {e}"),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest { code, .. }
            | Self::Refused { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) | Self::NoSuchEndpoint { .. } => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "service_unavailable",
            Self::NotReady { .. } => "not_ready",
            Self::Internal(_) => "internal_error",
        }
    }

    fn details(&self) -> Value {
        match self {
            Self::Validation(fields) => json!({ "fields": fields }),
            Self::Unprocessable { details, .. } | Self::Refused { details, .. } => details.clone(),
            Self::PayloadTooLarge { limit } => json!({ "limit": "max_body_bytes", "value": limit }),
            Self::NotReady { checks, .. } => json!({ "checks": checks }),
            _ => Value::Null,
        }
    }
}

/// An error with its sources, `outer: inner: root cause`: reqwest's and diesel's own texts
/// often say only what failed, and the source chain says why.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The JSON body every error response carries.
fn error_body(code: &str, message: &str, details: Value) -> Value {
    json!({ "error": { "code": code, "message": message, "details": details } })
}

/// The body of an error on `/prometheus/api/v1/…`: Prometheus's own shape, so that Grafana
/// and other Prometheus clients show the message (`{"status":"error","errorType","error"}`).
pub fn prometheus_error_body(error_type: &str, message: &str) -> Value {
    json!({ "status": "error", "errorType": error_type, "error": message })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest { .. } | Self::Refused { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::NoSuchEndpoint { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::NotReady { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = %cause, cause = ?cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let Self::Unavailable(_) = self {
            // clients that retry (OTLP exporters, the tracking code) wait this long
            response.insert_header((
                header::RETRY_AFTER,
                UNAVAILABLE_RETRY_AFTER_SECS.to_string(),
            ));
        }
        if let Self::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(error_body(self.code(), &self.to_string(), self.details()))
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("a record with these values already exists".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::Unavailable("the database")
            }
            other => Self::internal(other),
        }
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(e: crate::db::PoolError) -> Self {
        tracing::warn!(error = %e, "database pool unavailable");
        Self::Unavailable("the database")
    }
}

/// `google.rpc.Status`, the body OTLP/HTTP gives every 4xx and 5xx answer; its `details`
/// (field 3) are left out.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

impl ApiError {
    /// The answer to an OTLP/HTTP request: the same status and headers, with the body an OTLP
    /// client expects, a `Status` in the request's own encoding (protobuf, or its JSON form).
    pub fn otlp_response(&self, protobuf: bool) -> HttpResponse {
        let mut response = self.error_response();
        // gRPC status codes, for the client's log (OTLP clients act on the HTTP status)
        let code = match self.status_code().as_u16() {
            400 | 413 | 415 => 3,
            401 => 16,
            403 => 7,
            404 => 5,
            429 => 8,
            503 => 14,
            _ => 13,
        };
        let status = RpcStatus {
            code,
            message: self.to_string(),
        };
        let (content_type, body) = if protobuf {
            (
                "application/x-protobuf",
                prost::Message::encode_to_vec(&status),
            )
        } else {
            let json = json!({ "code": status.code, "message": status.message });
            ("application/json", json.to_string().into_bytes())
        };
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(content_type),
        );
        response.set_body(actix_web::body::BoxBody::new(body))
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
