//! The forwarder task: when a sink is due (something changed since its last delivery, a
//! series expired, it failed before, or a minute passed), take one snapshot, checkpoint it to
//! Postgres, then hand the same snapshot to every due sink at once. Each sink has its own
//! retry state: a failed send is retried with exponential backoff and jitter using a *fresh*
//! snapshot, so its next successful send carries the complete totals, while the other sinks
//! keep their own pace. Sends to one sink never overlap (one loop, awaited).

use crate::aggregator::Aggregator;
use crate::checkpoint::{CheckpointError, CheckpointStore};
use crate::own_metrics::OwnMetrics;
use crate::sinks::{Delivered, Flush, Sent, Sink, SinkError, Sinks};
use rand::RngExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Even with nothing new, each sink gets the state at least this often (refills a restarted
/// Pushgateway).
const RESEND_EVERY: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The final flush at shutdown gets this long (SPEC: exit within 10 s).
const FINAL_FLUSH_TIMEOUT: Duration = Duration::from_secs(8);

pub struct Forwarder {
    pub aggregator: Aggregator,
    pub checkpoints: CheckpointStore,
    pub sinks: Sinks,
    pub metrics: OwnMetrics,
    pub series_ttl: Duration,
    pub flush_interval: Duration,
    pub checkpoint_every: Duration,
}

/// One sink and where its deliveries stand.
struct Slot {
    sink: Arc<dyn Sink>,
    failures: u32,
    next_attempt: Instant,
    delivered: Option<(Delivered, Instant)>,
}

impl Slot {
    /// Whether this sink should get the next snapshot.
    fn wants(&self, generation: u64, expiring: bool) -> bool {
        expiring
            || self.failures > 0
            || self.delivered.is_none_or(|(delivered, at)| {
                delivered.generation != generation || at.elapsed() >= RESEND_EVERY
            })
    }
}

/// Why a sink did not get a flush.
#[derive(Debug, thiserror::Error)]
enum FlushError {
    #[error("checkpoint failed, the send held back so no receiver gets ahead of a restart: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("sending to {sink} failed: {source}")]
    Send {
        sink: &'static str,
        source: SinkError,
    },
}

fn backoff(base: Duration, failures: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << failures.min(6))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.8..1.2);
    exp.mul_f64(jitter)
}

impl Forwarder {
    /// Runs until `shutdown` turns true, then makes a final checkpoint and send to every sink.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let first = Instant::now() + self.flush_interval;
        // Until its first success, a sink's "last success" is the start: so a sink that never
        // succeeds still trips the staleness alert (prometheus/rules, PushgateSinkStale).
        let started = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        for sink in self.sinks.iter() {
            self.metrics
                .sink_last_success
                .with_label_values(&[sink.name()])
                .set(started);
        }
        let mut slots: Vec<Slot> = self
            .sinks
            .iter()
            .map(|sink| Slot {
                sink: sink.clone(),
                failures: 0,
                next_attempt: first,
                delivered: None,
            })
            .collect();
        let mut last_checkpoint: Option<Instant> = None;
        loop {
            let wake = slots.iter().map(|s| s.next_attempt).min().unwrap_or(first);
            tokio::select! {
                _ = tokio::time::sleep_until(wake.into()) => {}
                _ = shutdown.changed() => break,
            }
            let now = Instant::now();
            let generation = self.aggregator.generation();
            let expiring = self.aggregator.expiry_due(self.series_ttl.as_secs() as i64);
            let mut due = Vec::new();
            for (i, slot) in slots.iter_mut().enumerate() {
                if slot.next_attempt > now {
                    continue;
                }
                if slot.wants(generation, expiring) {
                    due.push(i);
                } else {
                    slot.next_attempt = now + self.flush_interval;
                }
            }
            if due.is_empty() {
                continue;
            }
            let checkpoint_due = last_checkpoint
                .is_none_or(|t| t.elapsed() + Duration::from_millis(50) >= self.checkpoint_every);
            if self.flush(&mut slots, &due, checkpoint_due).await {
                last_checkpoint = Some(Instant::now());
            }
        }
        let every: Vec<usize> = (0..slots.len()).collect();
        match tokio::time::timeout(FINAL_FLUSH_TIMEOUT, self.flush(&mut slots, &every, true)).await
        {
            Ok(_) if slots.iter().all(|s| s.failures == 0) => {
                tracing::info!("final checkpoint and push done")
            }
            Ok(_) => tracing::error!("final flush failed"),
            Err(_) => tracing::error!("final flush timed out"),
        }
    }

    /// One cycle for the sinks `due`: snapshot, checkpoint (when asked), send to each.
    /// Returns whether it checkpointed; every slot's retry state is updated.
    async fn flush(&self, slots: &mut [Slot], due: &[usize], checkpoint: bool) -> bool {
        let started = Instant::now();
        let snapshot = Arc::new(self.aggregator.snapshot(self.series_ttl.as_secs() as i64));
        let series = snapshot.series_count();
        self.metrics.active_series.set(series as i64);
        let snapshot_ms = started.elapsed().as_secs_f64() * 1e3;
        if checkpoint && let Err(e) = self.checkpoints.save(&snapshot).await {
            self.metrics.checkpoint_failures.inc();
            let error = FlushError::from(e);
            for &i in due {
                self.failed(&mut slots[i], &error);
            }
            return false;
        }
        if checkpoint {
            self.metrics.checkpoints.inc();
        }
        let checkpoint_ms = started.elapsed().as_secs_f64() * 1e3 - snapshot_ms;
        let sends = due.iter().map(|&i| {
            let slot = &slots[i];
            let flush = Flush {
                snapshot: snapshot.clone(),
                previous: slot.delivered.map(|(d, _)| d),
            };
            let sink = slot.sink.clone();
            async move { (i, self.send(sink.as_ref(), &flush).await) }
        });
        let results = futures_util::future::join_all(sends).await;
        let delivered = Delivered {
            generation: snapshot.generation,
            taken_at_ms: snapshot.taken_at_ms,
        };
        drop(snapshot);
        release_freed_memory();
        for (i, result) in results {
            let slot = &mut slots[i];
            match result {
                Ok(sent) => {
                    // The bench (bench/run) reads these figures; operators can see them with RUST_LOG.
                    tracing::debug!(
                        sink = slot.sink.name(),
                        series,
                        snapshot_ms,
                        checkpoint_ms,
                        render_ms = sent.encode_ms,
                        put_ms = sent.send_ms,
                        samples = sent.samples,
                        "flush done"
                    );
                    if slot.failures > 0 {
                        tracing::info!(
                            sink = slot.sink.name(),
                            "{} accepts pushes again; totals are complete",
                            slot.sink.description()
                        );
                    }
                    slot.failures = 0;
                    slot.delivered = Some((delivered, Instant::now()));
                    slot.next_attempt = Instant::now() + self.flush_interval;
                }
                Err(source) => {
                    let error = FlushError::Send {
                        sink: slot.sink.name(),
                        source,
                    };
                    self.failed(slot, &error);
                }
            }
        }
        checkpoint
    }

    /// Sends one flush to one sink and counts it.
    async fn send(&self, sink: &dyn Sink, flush: &Flush) -> Result<Sent, SinkError> {
        let started = Instant::now();
        self.metrics.pushes.inc();
        let result = sink.send(flush).await;
        self.metrics
            .push_duration
            .observe(started.elapsed().as_secs_f64());
        let name = sink.name();
        match &result {
            Ok(sent) => {
                let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
                self.metrics.last_successful_push.set(now);
                self.metrics
                    .sink_last_success
                    .with_label_values(&[name])
                    .set(now);
                if !sink.counts_requests() {
                    self.metrics
                        .sink_samples
                        .with_label_values(&[name])
                        .inc_by(sent.samples);
                }
            }
            Err(error) => {
                self.metrics.push_failures.inc();
                if !sink.counts_requests() {
                    self.metrics
                        .sink_failures
                        .with_label_values(&[name, &error.status_label()])
                        .inc();
                }
            }
        }
        result
    }

    fn failed(&self, slot: &mut Slot, error: &FlushError) {
        slot.failures += 1;
        let delay = backoff(self.flush_interval, slot.failures);
        slot.next_attempt = Instant::now() + delay;
        tracing::warn!(
            sink = slot.sink.name(),
            error = %error,
            retry_in_ms = delay.as_millis() as u64,
            "flush failed; will retry"
        );
    }
}

/// Hands the memory a flush freed back to the OS. The snapshot, its checkpoint and its
/// exposition are freed on other threads than the ones that serve requests, and glibc keeps
/// such memory in those threads' arenas: without this, resident memory stayed at several
/// times the state's size after the first flush of a large state (docs/performance.md).
// The one unsafe call of the program (the [lints] table denies `unsafe` elsewhere).
#[allow(unsafe_code)]
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers; it only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(1);
        assert!(backoff(base, 1) < backoff(base, 4));
        assert!(backoff(base, 30) <= MAX_BACKOFF.mul_f64(1.2));
    }
}
