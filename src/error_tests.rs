//! The OTLP/HTTP answers to the statuses an exporter acts on: it retries 429 and 503 after
//! `Retry-After` and drops the rest, so those two must carry it, with a `Status` body in the
//! request's encoding.

use super::*;
use actix_web::body::MessageBody;

fn parts(error: &ApiError, protobuf: bool) -> (u16, Option<String>, String, Vec<u8>) {
    let response = error.otlp_response(protobuf);
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    };
    let retry_after = header(header::RETRY_AFTER);
    let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
    let status = response.status().as_u16();
    let body = response.into_body().try_into_bytes().unwrap_or_default();
    (status, retry_after, content_type, body.to_vec())
}

#[test]
fn unavailable_is_503_with_retry_after_and_status_14_in_both_encodings() {
    let error = ApiError::Unavailable("the database");
    let (status, retry_after, content_type, body) = parts(&error, true);
    assert_eq!(status, 503);
    assert_eq!(
        retry_after,
        Some(UNAVAILABLE_RETRY_AFTER_SECS.to_string()),
        "exporters wait this long before they retry"
    );
    assert_eq!(content_type, "application/x-protobuf");
    let decoded = <RpcStatus as prost::Message>::decode(body.as_slice()).expect("a Status");
    assert_eq!(decoded.code, 14, "UNAVAILABLE");
    assert!(
        decoded.message.contains("the database"),
        "{}",
        decoded.message
    );

    let (status, retry_after, content_type, body) = parts(&error, false);
    assert_eq!((status, content_type.as_str()), (503, "application/json"));
    assert!(retry_after.is_some());
    let json: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(json["code"], 14);
}

#[test]
fn rate_limited_is_429_with_its_own_retry_after_and_status_8() {
    let error = ApiError::RateLimited {
        retry_after_secs: 7,
    };
    let (status, retry_after, _, body) = parts(&error, true);
    assert_eq!((status, retry_after.as_deref()), (429, Some("7")));
    let decoded = <RpcStatus as prost::Message>::decode(body.as_slice()).expect("a Status");
    assert_eq!(decoded.code, 8, "RESOURCE_EXHAUSTED");
}

#[test]
fn a_refusal_is_not_retried_so_it_has_no_retry_after() {
    let error = ApiError::BadRequest {
        code: "invalid_body",
        message: "not an ExportMetricsServiceRequest".into(),
    };
    let (status, retry_after, _, body) = parts(&error, true);
    assert_eq!((status, retry_after), (400, None));
    let decoded = <RpcStatus as prost::Message>::decode(body.as_slice()).expect("a Status");
    assert_eq!(decoded.code, 3, "INVALID_ARGUMENT");
}
