//! The one owner of `PUSHGATE_PROMETHEUS_URL`: forwards scoped requests and streams the
//! answer back unchanged (status, content type, body), so clients see Prometheus's own JSON.

use super::error::PromError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use std::time::Duration;

/// Time beyond the query timeout for Prometheus to answer with its own timeout error.
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PrometheusClient {
    base: String,
    http: reqwest::Client,
}

impl PrometheusClient {
    pub fn new(base_url: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .build()?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /-/ready`, for `/api/v1/health/ready`.
    pub async fn ready(&self) -> Result<(), String> {
        let response = self
            .http
            .get(format!("{}/-/ready", self.base))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .map_err(|e| format!("unreachable: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered HTTP {}", response.status()))
        }
    }

    /// POSTs `params` form-encoded to `path` (`/api/v1/query`, …): no URL length limit for
    /// long queries. Prometheus's answer is streamed back as it is.
    pub async fn post_form(
        &self,
        path: &str,
        params: &[(String, String)],
        timeout: Duration,
    ) -> Result<HttpResponse, PromError> {
        let body = serde_urlencoded::to_string(params)
            .map_err(|e| PromError::bad_data(format!("cannot encode the parameters: {e}")))?;
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .timeout(timeout + ANSWER_MARGIN);
        self.relay(request.send().await).await
    }

    /// GETs `path` with `params` in the query string (the endpoints Prometheus serves on GET only).
    pub async fn get(
        &self,
        path: &str,
        params: &[(String, String)],
        timeout: Duration,
    ) -> Result<HttpResponse, PromError> {
        let query = serde_urlencoded::to_string(params)
            .map_err(|e| PromError::bad_data(format!("cannot encode the parameters: {e}")))?;
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let request = self.http.get(url).timeout(timeout + ANSWER_MARGIN);
        self.relay(request.send().await).await
    }

    /// The answer's JSON, for endpoints whose answer is filtered here (metadata).
    pub async fn get_json(
        &self,
        path: &str,
        params: &[(String, String)],
        timeout: Duration,
    ) -> Result<(StatusCode, serde_json::Value), PromError> {
        let query = serde_urlencoded::to_string(params)
            .map_err(|e| PromError::bad_data(format!("cannot encode the parameters: {e}")))?;
        let response = self
            .http
            .get(format!("{}{path}?{query}", self.base))
            .timeout(timeout + ANSWER_MARGIN)
            .send()
            .await
            .map_err(|e| self.send_error(&e))?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let bytes = response.bytes().await.map_err(|e| self.send_error(&e))?;
        let json = serde_json::from_slice(&bytes).map_err(|e| {
            tracing::warn!(error = %e, "Prometheus answered something that is not JSON");
            PromError::new(
                StatusCode::BAD_GATEWAY,
                "internal",
                "Prometheus answered something that is not JSON",
            )
        })?;
        Ok((status, json))
    }

    async fn relay(
        &self,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<HttpResponse, PromError> {
        let response = sent.map_err(|e| self.send_error(&e))?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_owned();
        Ok(HttpResponse::build(status)
            .content_type(content_type)
            .streaming(response.bytes_stream()))
    }

    fn send_error(&self, e: &reqwest::Error) -> PromError {
        if e.is_timeout() {
            return PromError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Prometheus did not answer within the query timeout (PUSHGATE_QUERY_TIMEOUT): query a shorter range or a simpler expression",
            );
        }
        tracing::warn!(error = %e, url = %self.base, "Prometheus is unreachable for a read");
        PromError::unavailable(
            "Prometheus cannot be reached, so reads are unavailable right now (pushes are unaffected): retry shortly; if it lasts, the operator should check that Prometheus runs at PUSHGATE_PROMETHEUS_URL",
        )
    }
}
