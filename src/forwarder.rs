//! The forwarder task: every flush interval, if anything changed (or a minute passed), take one
//! snapshot, checkpoint it to Postgres, then PUT the same snapshot to the Pushgateway as the
//! group `job=pushgate/instance=<instance>`. Pushes never overlap (one loop, awaited), and a
//! failed push is retried with exponential backoff and jitter using a *fresh* snapshot, so the
//! next successful push always carries the complete totals.

use crate::aggregator::{Aggregator, Snapshot, render};
use crate::db::Pool;
use crate::gateway_metrics::GatewayMetrics;
use crate::models::checkpoint::Checkpoint;
use base64::Engine;
use rand::RngExt;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Even with nothing new, the state is pushed at least this often (refills a restarted Pushgateway).
const REPUSH_EVERY: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// Added to `PUSH_TIMEOUT` per series pushed: the Pushgateway parses a 1M-series PUT for well
/// over 10 s on a 2-core machine (docs/performance.md), which a fixed timeout would cut off
/// forever. Pushes still never overlap: the next one waits for this one.
const PUSH_TIMEOUT_PER_SERIES: Duration = Duration::from_micros(40);

/// Checkpoints larger than this are written on a connection that is then closed.
const LARGE_CHECKPOINT: usize = 1 << 20;

fn push_timeout(series: usize) -> Duration {
    PUSH_TIMEOUT.saturating_add(
        PUSH_TIMEOUT_PER_SERIES.saturating_mul(u32::try_from(series).unwrap_or(u32::MAX)),
    )
}

#[derive(Clone)]
pub struct Forwarder {
    pub client: reqwest::Client,
    pub group_url: String,
    pub aggregator: Aggregator,
    pub pool: Pool,
    pub instance: String,
    pub metrics: GatewayMetrics,
    pub series_ttl: Duration,
    pub flush_interval: Duration,
    pub checkpoint_every: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum FlushError {
    #[error("checkpoint failed, push held back so Prometheus never gets ahead of a restart: {0}")]
    Checkpoint(String),
    #[error("push to the Pushgateway failed: {0}")]
    Push(String),
}

/// The Pushgateway URL of this instance's group; `@base64` keeps any instance name safe.
pub fn group_url(base: &str, instance: &str) -> String {
    let base = base.trim_end_matches('/');
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

fn backoff(base: Duration, failures: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << failures.min(6))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.8..1.2);
    exp.mul_f64(jitter)
}

impl Forwarder {
    /// Runs until `shutdown` turns true, then makes a final checkpoint and push.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_push: Option<Instant> = None;
        let mut last_checkpoint: Option<Instant> = None;
        let mut failures = 0u32;
        let mut delay = self.flush_interval;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => break,
            }
            let due = self
                .aggregator
                .needs_flush(self.series_ttl.as_secs() as i64)
                || failures > 0
                || last_push.is_none_or(|t| t.elapsed() >= REPUSH_EVERY);
            if !due {
                delay = self.flush_interval;
                continue;
            }
            let checkpoint_due = last_checkpoint
                .is_none_or(|t| t.elapsed() + Duration::from_millis(50) >= self.checkpoint_every);
            match self.flush_once(checkpoint_due).await {
                Ok(checkpointed) => {
                    if failures > 0 {
                        tracing::info!("the Pushgateway accepts pushes again; totals are complete");
                    }
                    failures = 0;
                    last_push = Some(Instant::now());
                    if checkpointed {
                        last_checkpoint = Some(Instant::now());
                    }
                    delay = self.flush_interval;
                }
                Err(e) => {
                    failures += 1;
                    self.aggregator.mark_dirty();
                    delay = backoff(self.flush_interval, failures);
                    tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "flush failed; will retry");
                }
            }
        }
        match tokio::time::timeout(Duration::from_secs(8), self.flush_once(true)).await {
            Ok(Ok(_)) => tracing::info!("final checkpoint and push done"),
            Ok(Err(e)) => tracing::error!(error = %e, "final flush failed"),
            Err(_) => tracing::error!("final flush timed out"),
        }
    }

    /// One cycle: snapshot, checkpoint (when due), push. Returns whether it checkpointed.
    pub async fn flush_once(&self, checkpoint: bool) -> Result<bool, FlushError> {
        let started = Instant::now();
        let snapshot = self.aggregator.snapshot(self.series_ttl.as_secs() as i64);
        let series = snapshot.series_count();
        self.metrics.active_series.set(series as i64);
        let snapshot_ms = started.elapsed().as_secs_f64() * 1e3;
        let (snapshot, saved) = if checkpoint {
            let (snapshot, bytes) = tokio::task::spawn_blocking(move || {
                let bytes = snapshot.to_bytes();
                (snapshot, bytes)
            })
            .await
            .map_err(|e| FlushError::Checkpoint(e.to_string()))?;
            let bytes = bytes.map_err(|e| FlushError::Checkpoint(e.to_string()))?;
            if let Err(e) = self.save_checkpoint(&bytes).await {
                self.metrics.checkpoint_failures.inc();
                return Err(FlushError::Checkpoint(e));
            }
            self.metrics.checkpoints.inc();
            (snapshot, true)
        } else {
            (snapshot, false)
        };
        let checkpoint_ms = started.elapsed().as_secs_f64() * 1e3 - snapshot_ms;
        let pushed = self.push(snapshot).await;
        release_freed_memory();
        let (render_ms, put_ms) = pushed?;
        // The bench (bench/run) reads these figures; operators can see them with RUST_LOG.
        tracing::debug!(
            series,
            snapshot_ms,
            checkpoint_ms,
            render_ms,
            put_ms,
            "flush done"
        );
        Ok(saved)
    }

    async fn save_checkpoint(&self, bytes: &[u8]) -> Result<(), String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let saved = Checkpoint::save(&mut conn, &self.instance, bytes)
            .await
            .map_err(|e| e.to_string());
        if bytes.len() > LARGE_CHECKPOINT {
            // The connection's write buffer keeps the capacity of its largest message: close
            // it rather than keep a checkpoint-sized buffer resident in the pool.
            drop(deadpool::managed::Object::take(conn));
        }
        saved
    }

    /// Renders and PUTs a snapshot; returns the milliseconds spent rendering and in the PUT.
    async fn push(&self, snapshot: Snapshot) -> Result<(f64, f64), FlushError> {
        let started = Instant::now();
        self.metrics.pushes.inc();
        let result = self.push_inner(snapshot).await;
        self.metrics
            .push_duration
            .observe(started.elapsed().as_secs_f64());
        match &result {
            Ok(_) => self
                .metrics
                .last_successful_push
                .set(chrono::Utc::now().timestamp_millis() as f64 / 1000.0),
            Err(_) => self.metrics.push_failures.inc(),
        }
        result
    }

    async fn push_inner(&self, snapshot: Snapshot) -> Result<(f64, f64), FlushError> {
        let started = Instant::now();
        let timeout = push_timeout(snapshot.series_count());
        let body = tokio::task::spawn_blocking(move || render::encode(&snapshot))
            .await
            .map_err(|e| FlushError::Push(e.to_string()))?
            .map_err(|e| FlushError::Push(format!("encoding failed: {e}")))?;
        let render_ms = started.elapsed().as_secs_f64() * 1e3;
        let response = self
            .client
            .put(&self.group_url)
            .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| FlushError::Push(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok((render_ms, started.elapsed().as_secs_f64() * 1e3 - render_ms));
        }
        let text = response.text().await.unwrap_or_default();
        Err(FlushError::Push(format!(
            "HTTP {status}: {}",
            text.chars().take(500).collect::<String>()
        )))
    }
}

/// Hands the memory a flush freed back to the OS. The snapshot, its checkpoint and its
/// exposition are freed on other threads than the ones that serve requests, and glibc keeps
/// such memory in those threads' arenas: without this, resident memory stayed at several
/// times the state's size after the first flush of a large state (docs/performance.md).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Loads this instance's checkpoint, if any.
pub async fn restore(
    pool: &Pool,
    instance: &str,
    aggregator: &Aggregator,
) -> Result<usize, String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let Some(bytes) = Checkpoint::load(&mut conn, instance)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(0);
    };
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::from_bytes(&bytes))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("the checkpoint of instance {instance:?} is unreadable: {e}"))?;
    let n = snapshot.series_count();
    aggregator.restore(snapshot);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_urls() {
        assert_eq!(
            group_url("http://pg:9091/", "web-1"),
            "http://pg:9091/metrics/job/pushgate/instance/web-1"
        );
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

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(1);
        assert!(backoff(base, 1) < backoff(base, 4));
        assert!(backoff(base, 30) <= MAX_BACKOFF.mul_f64(1.2));
    }
}
