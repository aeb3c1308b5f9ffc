//! One remote-write request, retried as the protocol asks: a 5xx, a 429 or no answer is sent
//! again, the same body with **the same timestamps** (a receiver that took part of it
//! de-duplicates the rest), after a backoff or the receiver's `Retry-After`, within a time
//! budget; another 4xx is final (the receiver will never take this body) and comes back with
//! the receiver's message.

use super::super::SinkError;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::{Duration, Instant};

/// How long one request may keep being retried in one flush; past it the flush fails and the
/// forwarder tries again later with a fresh snapshot (the complete totals).
pub const RETRY_BUDGET: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// How much of a refusal's body is kept for the log.
const MAX_ANSWER_CHARS: usize = 500;

pub struct Request<'a> {
    pub http: &'a reqwest::Client,
    pub url: &'a str,
    pub headers: &'a HeaderMap,
    pub tenant: Option<(&'a HeaderName, HeaderValue)>,
    pub timeout: Duration,
}

/// How a request ended.
pub struct Outcome {
    pub result: Result<(), SinkError>,
    /// attempts after the first
    pub retries: u32,
    /// each failed attempt's status (`unreachable` for no answer)
    pub failures: Vec<String>,
}

/// Whether a refusal may succeed later: the receiver's fault or its load.
fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the receivers this talks to;
/// it falls back to the backoff).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl Request<'_> {
    pub async fn send(&self, body: bytes::Bytes) -> Outcome {
        let started = Instant::now();
        let mut retries = 0;
        let mut failures = Vec::new();
        let mut backoff = FIRST_BACKOFF;
        loop {
            let (error, wait) = match self.attempt(body.clone()).await {
                Ok(()) => {
                    return Outcome {
                        result: Ok(()),
                        retries,
                        failures,
                    };
                }
                Err((error, wait)) => (error, wait),
            };
            failures.push(error.status_label());
            let final_refusal =
                matches!(&error, SinkError::Refused { status, .. } if !retryable(*status));
            let wait = wait.unwrap_or(backoff);
            if final_refusal || started.elapsed() + wait > RETRY_BUDGET {
                return Outcome {
                    result: Err(error),
                    retries,
                    failures,
                };
            }
            tokio::time::sleep(wait).await;
            retries += 1;
            backoff = backoff.saturating_mul(2);
        }
    }

    /// One POST; on failure the error and the wait the receiver asked for.
    async fn attempt(&self, body: bytes::Bytes) -> Result<(), (SinkError, Option<Duration>)> {
        let mut request = self
            .http
            .post(self.url)
            .headers(self.headers.clone())
            .header("Content-Encoding", "snappy")
            .header("Content-Type", "application/x-protobuf")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .timeout(self.timeout)
            .body(body);
        if let Some((name, value)) = &self.tenant {
            request = request.header(*name, value.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| (SinkError::Unreachable(e.without_url()), None))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let wait = retry_after(response.headers());
        let text = response.text().await.unwrap_or_default();
        Err((
            SinkError::Refused {
                status,
                body: text.trim().chars().take(MAX_ANSWER_CHARS).collect(),
            },
            wait,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_retried() {
        assert!(retryable(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(retryable(StatusCode::SERVICE_UNAVAILABLE));
        assert!(retryable(StatusCode::TOO_MANY_REQUESTS));
        assert!(!retryable(StatusCode::BAD_REQUEST));
        assert!(!retryable(StatusCode::UNAUTHORIZED));
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
