//! The Prometheus Pushgateway as a sink: the whole state is PUT as one group per instance,
//! `job=pushgate/instance=<instance>`, in the protobuf delimited format, which the Pushgateway
//! parses faster than the text format of SPEC §5.3 and shows alike (tests/api/forwarding).

use super::{Flush, Sent, Sink, SinkError};
use crate::exposition;
use base64::Engine;
use std::time::{Duration, Instant};

/// Timeout of a readiness probe, and of connecting.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// Added to `PUSH_TIMEOUT` per series pushed: the Pushgateway parses a 1M-series PUT for well
/// over 10 s on a 2-core machine (docs/performance.md), which a fixed timeout would cut off
/// forever. Pushes still never overlap: the next one waits for this one.
const PUSH_TIMEOUT_PER_SERIES: Duration = Duration::from_micros(40);
/// How much of a refusal's body is kept for the log.
const MAX_ANSWER_CHARS: usize = 500;

fn push_timeout(series: usize) -> Duration {
    PUSH_TIMEOUT.saturating_add(
        PUSH_TIMEOUT_PER_SERIES.saturating_mul(u32::try_from(series).unwrap_or(u32::MAX)),
    )
}

/// The Pushgateway URL of this instance's group; `@base64` keeps any instance name safe.
fn group_url(base: &str, instance: &str) -> String {
    let plain = !instance.is_empty()
        && instance
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        format!("{base}/metrics/job/pushgate/instance/{instance}")
    } else {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(instance);
        format!("{base}/metrics/job/pushgate/instance@base64/{encoded}")
    }
}

/// The one owner of the Pushgateway's address.
pub struct PushgatewayClient {
    http: reqwest::Client,
    ready_url: String,
    group_url: String,
}

impl PushgatewayClient {
    /// A client for the Pushgateway at `base_url`, pushing the group of `instance`.
    pub fn new(base_url: &str, instance: &str) -> Result<Self, reqwest::Error> {
        let base = base_url.trim_end_matches('/');
        let http = reqwest::Client::builder()
            .connect_timeout(PROBE_TIMEOUT)
            .timeout(PUSH_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            ready_url: format!("{base}/-/ready"),
            group_url: group_url(base, instance),
        })
    }

    /// Replaces this instance's group with `body` (`exposition::delimited`).
    pub async fn put_group(&self, body: Vec<u8>, timeout: Duration) -> Result<(), SinkError> {
        let response = self
            .http
            .put(&self.group_url)
            .header("Content-Type", exposition::delimited::CONTENT_TYPE)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| SinkError::Unreachable(e.without_url()))?;
        success(response).await
    }
}

async fn success(response: reqwest::Response) -> Result<(), SinkError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    Err(SinkError::Refused {
        status,
        body: text.chars().take(MAX_ANSWER_CHARS).collect(),
    })
}

#[async_trait::async_trait]
impl Sink for PushgatewayClient {
    fn name(&self) -> &'static str {
        "pushgateway"
    }

    fn description(&self) -> &'static str {
        "the Pushgateway"
    }

    async fn ready(&self) -> Result<(), SinkError> {
        let response = self
            .http
            .get(&self.ready_url)
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
            .map_err(|e| SinkError::Unreachable(e.without_url()))?;
        // The readiness answer's body is not worth reporting: the status says it.
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(SinkError::Refused {
                status,
                body: String::new(),
            }),
        }
    }

    async fn send(&self, flush: &Flush) -> Result<Sent, SinkError> {
        let started = Instant::now();
        let series = flush.snapshot.series_count();
        let timeout = push_timeout(series);
        let snapshot = flush.snapshot.clone();
        let body = tokio::task::spawn_blocking(move || exposition::delimited::encode(&snapshot))
            .await
            .map_err(|e| SinkError::Encode(e.into()))?
            .map_err(|e| SinkError::Encode(e.into()))?;
        let encode_ms = started.elapsed().as_secs_f64() * 1e3;
        self.put_group(body, timeout).await?;
        Ok(Sent {
            encode_ms,
            send_ms: started.elapsed().as_secs_f64() * 1e3 - encode_ms,
            samples: series as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_urls() {
        crate::startup::install_crypto_provider();
        let client = PushgatewayClient::new("http://pg:9091/", "web-1").unwrap();
        assert_eq!(
            client.group_url,
            "http://pg:9091/metrics/job/pushgate/instance/web-1"
        );
        assert_eq!(client.ready_url, "http://pg:9091/-/ready");
        assert_eq!(
            group_url("http://pg:9091", "a/b"),
            "http://pg:9091/metrics/job/pushgate/instance@base64/YS9i"
        );
    }

    #[test]
    fn push_timeout_grows_with_the_state() {
        assert_eq!(push_timeout(0), PUSH_TIMEOUT);
        assert_eq!(push_timeout(1_000_000), Duration::from_secs(50));
        assert!(push_timeout(usize::MAX) >= push_timeout(1_000_000));
    }
}
