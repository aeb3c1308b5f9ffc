//! Prometheus remote write 1.0 as a sink, for receivers past one Pushgateway: Prometheus
//! (`--web.enable-remote-write-receiver`), Grafana Mimir, Thanos Receive, VictoriaMetrics.
//! Each flush sends the series that changed since this sink's last successful send, stamped
//! with the flush time and cumulative as the Pushgateway shows them; every series again at
//! least once a minute; a staleness marker for each series that left (the aggregator's
//! removal log). Semantics: docs/architecture.md, "Remote write".

mod encode;
pub mod proto;
mod send;
mod settings;
mod wire;

pub use encode::{MAX_SERIES_PER_REQUEST, STALE_NAN};
pub use settings::{ExtraHeaders, RemoteWriteSettings};

use super::{Flush, Sent, Sink, SinkError};
use crate::aggregator::Aggregator;
use crate::aggregator::removals::{CAPACITY, Removal};
use crate::own_metrics::OwnMetrics;
use encode::{Batch, Plan};
use futures_util::StreamExt;
use parking_lot::Mutex;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests of one flush in flight at once, by default (`--remote-write-in-flight`): small
/// requests, many at once, keep the receiver busy on every core while the next ones are
/// encoded (docs/performance.md, "Remote write").
pub const IN_FLIGHT: usize = 8;
/// A full send (every series, changed or not) once the last one is this old: under the
/// forwarder's one-minute floor, so that even with changes at every flush each series is
/// re-sent within a minute and instant queries (5 minutes' lookback) keep finding it.
const FULL_SEND_EVERY_MS: i64 = 50_000;
const NAME: &str = "remote_write";

pub struct RemoteWriteSink {
    http: reqwest::Client,
    /// may hold credentials: never logged
    url: String,
    headers: ExtraHeaders,
    tenant_header: Option<HeaderName>,
    timeout: Duration,
    /// sample series per request at most
    batch_series: usize,
    in_flight: usize,
    instance: String,
    aggregator: Aggregator,
    metrics: OwnMetrics,
    state: Mutex<SinkState>,
}

#[derive(Default)]
struct SinkState {
    /// removals drained from the aggregator whose markers no successful send carried yet
    pending: Vec<Removal>,
    /// snapshot time of the last successful full send
    last_full_ms: Option<i64>,
    /// why the last send failed (readiness); `None` after a success
    last_error: Option<String>,
}

impl RemoteWriteSink {
    /// A sink for `settings` (whose URL is set), writing this `instance`'s series. It makes the
    /// aggregator record removals from now on.
    pub fn new(
        settings: &RemoteWriteSettings,
        url: &str,
        instance: &str,
        aggregator: Aggregator,
        metrics: OwnMetrics,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(settings.remote_write_timeout)
            .pool_max_idle_per_host(settings.remote_write_in_flight)
            .build()?;
        aggregator.track_removals();
        Ok(Self {
            http,
            url: url.to_owned(),
            headers: settings.remote_write_headers.clone(),
            tenant_header: settings.remote_write_tenant_header.clone(),
            timeout: settings.remote_write_timeout,
            batch_series: settings.remote_write_batch_series,
            in_flight: settings.remote_write_in_flight,
            instance: instance.to_owned(),
            aggregator,
            metrics,
            state: Mutex::default(),
        })
    }

    /// Sends `batches` with at most `in_flight` requests at once; the first failure, if any.
    async fn send_all(
        &self,
        batches: tokio::sync::mpsc::Receiver<Batch>,
    ) -> Result<u64, SinkError> {
        let sends = tokio_stream(batches).map(|batch| async move {
            let tenant = match (&self.tenant_header, batch.tenant) {
                (Some(name), Some(tenant)) => HeaderValue::from_str(&tenant.to_string())
                    .ok()
                    .map(|v| (name, v)),
                _ => None,
            };
            let request = send::Request {
                http: &self.http,
                url: &self.url,
                headers: &self.headers.0,
                tenant,
                timeout: self.timeout,
            };
            (batch.series, request.send(batch.body.into()).await)
        });
        let mut sends = sends.buffer_unordered(self.in_flight);
        let mut first_error = None;
        let mut samples = 0u64;
        while let Some((series, outcome)) = sends.next().await {
            for status in &outcome.failures {
                self.metrics
                    .sink_failures
                    .with_label_values(&[NAME, status])
                    .inc();
            }
            self.metrics
                .sink_retries
                .with_label_values(&[NAME])
                .inc_by(u64::from(outcome.retries));
            match outcome.result {
                Ok(()) => {
                    samples += series as u64;
                    self.metrics
                        .sink_samples
                        .with_label_values(&[NAME])
                        .inc_by(series as u64);
                }
                Err(error) => {
                    // A final refusal says why (a limit, a bad label): the receiver's message.
                    if let SinkError::Refused { status, .. } = &error
                        && status.is_client_error()
                    {
                        tracing::warn!(sink = NAME, error = %error, series, "the receiver refused a request; not retried, the next flush sends fresh totals");
                    }
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(samples), Err)
    }
}

/// The batches as a stream (tokio-stream's `ReceiverStream`, in three lines).
fn tokio_stream<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[async_trait::async_trait]
impl Sink for RemoteWriteSink {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "the remote-write receiver"
    }

    fn counts_requests(&self) -> bool {
        true
    }

    /// There is no portable readiness endpoint (and in tenant-header mode no tenant to write an
    /// empty request as): ready unless the last send failed, which it names.
    async fn ready(&self) -> Result<(), SinkError> {
        match &self.state.lock().last_error {
            None => Ok(()),
            Some(error) => Err(SinkError::Failing(error.clone())),
        }
    }

    async fn send(&self, flush: &Flush) -> Result<Sent, SinkError> {
        let started = Instant::now();
        let snapshot = flush.snapshot.clone();
        let taken_at_ms = snapshot.taken_at_ms;
        let drained = self.aggregator.drain_removals(snapshot.generation);
        let (removals, full) = {
            let mut state = self.state.lock();
            if drained.dropped > 0 {
                tracing::warn!(
                    sink = NAME,
                    dropped = drained.dropped,
                    "more series left than the removal log keeps; those go stale at the receiver after its lookback instead"
                );
            }
            let room = CAPACITY.saturating_sub(state.pending.len());
            state
                .pending
                .extend(drained.removals.into_iter().take(room));
            let full = flush.previous.is_none()
                || state
                    .last_full_ms
                    .is_none_or(|t| taken_at_ms - t >= FULL_SEND_EVERY_MS);
            (Arc::new(state.pending.clone()), full)
        };
        let changed_since = match (full, flush.previous) {
            (false, Some(previous)) => Some(previous.taken_at_ms.div_euclid(1000)),
            _ => None,
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(self.in_flight);
        let max_series = self.batch_series;
        let instance = self.instance.clone();
        let per_tenant = self.tenant_header.is_some();
        let markers = removals.clone();
        let encoder = tokio::task::spawn_blocking(move || {
            let plan = Plan {
                snapshot: &snapshot,
                changed_since,
                removals: &markers,
                instance: &instance,
                per_tenant,
                max_series,
            };
            // pushgate's own time: encoding, not the waits for a free request slot
            let began = Instant::now();
            let mut waited = Duration::ZERO;
            encode::encode(&plan, taken_at_ms, &mut |batch| {
                let wait = Instant::now();
                let open = tx.blocking_send(batch).is_ok();
                waited += wait.elapsed();
                open
            });
            began.elapsed().saturating_sub(waited)
        });
        let result = self.send_all(rx).await;
        let encoding = encoder.await.map_err(|e| SinkError::Encode(e.into()))?;
        let mut state = self.state.lock();
        match result {
            Ok(samples) => {
                // sends to one sink never overlap: every pending marker was in this one
                state.pending.clear();
                if full {
                    state.last_full_ms = Some(taken_at_ms);
                }
                state.last_error = None;
                // encoding runs alongside the requests: `send_ms` is the whole flush, end to end
                Ok(Sent {
                    encode_ms: encoding.as_secs_f64() * 1e3,
                    send_ms: started.elapsed().as_secs_f64() * 1e3,
                    samples,
                })
            }
            Err(error) => {
                state.last_error = Some(error.to_string());
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stale_marker_is_prometheus_stale_nan() {
        let nan = f64::from_bits(STALE_NAN);
        assert!(nan.is_nan());
        assert_ne!(nan.to_bits(), f64::NAN.to_bits());
    }
}
