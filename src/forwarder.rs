//! The forwarder task: when a sink is due (something changed since its last delivery, a
//! series expired, it failed before, or a minute passed), take one snapshot, checkpoint it to
//! Postgres, then hand the same snapshot to every due sink at once. Each sink has its own
//! retry state: a failed send is retried with exponential backoff and jitter using a *fresh*
//! snapshot, so its next successful send carries the complete totals, while the other sinks
//! keep their own pace. Sends to one sink never overlap (one loop, awaited).
//! Over 300 lines: the per-sink due/retry decisions and the flush they drive are one state
//! machine, read in one place.

use crate::aggregator::Aggregator;
use crate::checkpoint::{CheckpointError, CheckpointStore};
use crate::own_metrics::OwnMetrics;
use crate::shutdown::Shutdown;
use crate::sinks::{Delivered, Flush, Sent, Sink, SinkError, Sinks};
use rand::RngExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Even with nothing new, each sink gets the state at least this often (refills a restarted
/// Pushgateway).
const RESEND_EVERY: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

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
    /// Runs until the stop, then makes a final checkpoint and send to every sink, done or
    /// given up by the stop's deadline. A send under way at the stop is given up (the final
    /// flush sends a fresher snapshot); a checkpoint under way is finished.
    pub async fn run(self, mut shutdown: Shutdown) {
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
        let mut checkpointed_generation = None;
        let deadline = loop {
            let wake = slots.iter().map(|s| s.next_attempt).min().unwrap_or(first);
            tokio::select! {
                // the stop first: no new flush once it is requested
                biased;
                deadline = shutdown.requested() => break deadline,
                _ = tokio::time::sleep_until(wake.into()) => {}
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
            let give_up = GiveUp::OnStop(shutdown.clone());
            let flushed = self.flush(&mut slots, &due, checkpoint_due, give_up).await;
            if flushed.checkpointed {
                last_checkpoint = Some(Instant::now());
                checkpointed_generation = Some(flushed.generation);
            }
        };
        // Nothing changed since the last checkpoint (e.g. one finished at the stop): it is
        // current, and writing it again would only spend the deadline.
        let checkpoint = checkpointed_generation != Some(self.aggregator.generation());
        let every: Vec<usize> = (0..slots.len()).collect();
        let report = self
            .flush(&mut slots, &every, checkpoint, GiveUp::At(deadline))
            .await;
        report.log_final(&slots);
    }

    /// One cycle for the sinks `due`: snapshot, checkpoint (when asked), send to each; a send
    /// still under way when `give_up` is reached is dropped. Every slot's retry state is
    /// updated (a send given up leaves it as it was: that sink is still due).
    async fn flush(
        &self,
        slots: &mut [Slot],
        due: &[usize],
        checkpoint: bool,
        give_up: GiveUp,
    ) -> FlushReport {
        let started = Instant::now();
        let snapshot = Arc::new(self.aggregator.snapshot(self.series_ttl.as_secs() as i64));
        let series = snapshot.series_count();
        let mut report = FlushReport {
            series,
            generation: snapshot.generation,
            checkpoint_ms: 0.0,
            checkpointed: false,
            checkpoint_error: None,
            outcomes: Vec::new(),
        };
        self.metrics.active_series.set(series as i64);
        let snapshot_ms = started.elapsed().as_secs_f64() * 1e3;
        if checkpoint {
            let saved = match &give_up {
                // at the stop the checkpoint has the whole deadline: it is what a restart keeps
                GiveUp::At(deadline) => {
                    tokio::time::timeout_at((*deadline).into(), self.checkpoints.save(&snapshot))
                        .await
                        .map_err(|_| "checkpoint not written: the database did not answer before the shutdown deadline".to_owned())
                        .and_then(|saved| saved.map_err(|e| FlushError::from(e).to_string()))
                }
                GiveUp::OnStop(_) => self
                    .checkpoints
                    .save(&snapshot)
                    .await
                    .map_err(|e| FlushError::from(e).to_string()),
            };
            if let Err(error) = saved {
                self.metrics.checkpoint_failures.inc();
                for &i in due {
                    self.failed(&mut slots[i], &error);
                }
                report.checkpoint_error = Some(error);
                return report;
            }
            report.checkpointed = true;
            report.checkpoint_ms = started.elapsed().as_secs_f64() * 1e3 - snapshot_ms;
            tracing::debug!(
                series,
                snapshot_ms,
                checkpoint_ms = report.checkpoint_ms,
                "checkpoint saved"
            );
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
            let give_up = give_up.clone();
            async move {
                tokio::select! {
                    sent = self.send(sink.as_ref(), &flush) => (i, Some(sent)),
                    () = give_up.reached() => (i, None),
                }
            }
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
            let Some(result) = result else {
                report.outcomes.push((i, Err(GAVE_UP.to_owned())));
                continue;
            };
            report
                .outcomes
                .push((i, result.as_ref().map(|_| ()).map_err(ToString::to_string)));
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
                    self.failed(slot, &error.to_string());
                }
            }
        }
        report
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

    fn failed(&self, slot: &mut Slot, error: &str) {
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

/// When a flush stops waiting for its sends.
#[derive(Clone)]
enum GiveUp {
    /// at the stop (a regular flush: the final one follows)
    OnStop(Shutdown),
    /// at the stop's deadline (the final flush)
    At(Instant),
}

impl GiveUp {
    async fn reached(self) {
        match self {
            Self::OnStop(mut shutdown) => {
                shutdown.requested().await;
            }
            Self::At(deadline) => tokio::time::sleep_until(deadline.into()).await,
        }
    }
}

const GAVE_UP: &str = "no answer before the shutdown deadline";

/// What one flush did: the checkpoint, and each due sink's send (by slot).
struct FlushReport {
    series: usize,
    generation: u64,
    checkpoint_ms: f64,
    checkpointed: bool,
    checkpoint_error: Option<String>,
    outcomes: Vec<(usize, Result<(), String>)>,
}

impl FlushReport {
    /// The shutdown's last word: what the checkpoint holds, and which sinks got it.
    fn log_final(&self, slots: &[Slot]) {
        let series = self.series;
        let checkpoint_ms = self.checkpoint_ms as u64;
        let saved = if self.checkpointed {
            "saved"
        } else {
            "already current"
        };
        if let Some(error) = &self.checkpoint_error {
            tracing::error!(
                series,
                "shutdown: the final checkpoint failed ({error}), so nothing was pushed either; the next start restores the previous checkpoint"
            );
            return;
        }
        let mut pushed = Vec::new();
        let mut not_pushed = Vec::new();
        for (i, outcome) in &self.outcomes {
            let name = slots[*i].sink.name();
            match outcome {
                Ok(()) => pushed.push(name.to_owned()),
                Err(why) => not_pushed.push(format!("{name} ({why})")),
            }
        }
        let pushed = if pushed.is_empty() {
            "none".to_owned()
        } else {
            pushed.join(", ")
        };
        if not_pushed.is_empty() {
            tracing::info!(
                series,
                checkpoint_ms,
                "shutdown: final checkpoint {saved} ({series} series); pushed to: {pushed}"
            );
        } else {
            tracing::warn!(
                series,
                checkpoint_ms,
                "shutdown: final checkpoint {saved} ({series} series); pushed to: {pushed}; not pushed: {}; the next start restores the checkpoint and pushes it",
                not_pushed.join(", ")
            );
        }
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
