//! The stop every background task watches. SIGTERM/SIGINT stops the HTTP server first (no new
//! requests, in-flight ones finish), then the tasks get the instant by which their last work
//! (the final checkpoint and push, the last `last_used_at` write) must be done, so that the
//! process exits within `EXIT_WITHIN` of the signal (SPEC §5.3) however much state it holds.

use std::time::{Duration, Instant};
use tokio::sync::watch;

/// From the signal to the exit.
pub const EXIT_WITHIN: Duration = Duration::from_secs(10);
/// Kept back from `EXIT_WITHIN` for what follows the tasks: joining them, dropping the pool and
/// the state, the process's own exit.
const MARGIN: Duration = Duration::from_millis(1500);

/// The deadline of the tasks' last work when the stop began at `stopping`.
pub fn deadline_from(stopping: Instant) -> Instant {
    stopping + EXIT_WITHIN - MARGIN
}

/// Requests the stop; dropping it without `stop` stops the tasks at once.
pub struct Trigger(watch::Sender<Option<Instant>>);

impl Trigger {
    /// Every task finishes its last work by `deadline`.
    pub fn stop(&self, deadline: Instant) {
        let _ = self.0.send(Some(deadline));
    }
}

/// What a task holds to learn of the stop.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<Option<Instant>>);

pub fn channel() -> (Trigger, Shutdown) {
    let (tx, rx) = watch::channel(None);
    (Trigger(tx), Shutdown(rx))
}

impl Shutdown {
    /// Waits for the stop (at once if it was already requested); returns the deadline.
    pub async fn requested(&mut self) -> Instant {
        match self.0.wait_for(Option::is_some).await {
            Ok(deadline) => deadline.unwrap_or_else(Instant::now),
            // the trigger is gone without a stop: nothing is left to wait for
            Err(_) => Instant::now(),
        }
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C); returns when it arrived.
pub async fn signal() -> Instant {
    let ctrl_c = async {
        // without a handler there is no Ctrl-C to wait for, which is not a stop
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    () = ctrl_c => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM; only SIGINT stops pushgate gracefully");
                ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
    Instant::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_deadline_reaches_every_holder_even_a_late_one() {
        let (trigger, mut early) = channel();
        let mut late = early.clone();
        let deadline = Instant::now() + Duration::from_secs(3);
        trigger.stop(deadline);
        assert_eq!(early.requested().await, deadline);
        assert_eq!(late.requested().await, deadline);
    }

    #[tokio::test]
    async fn a_dropped_trigger_stops_at_once() {
        let (trigger, mut shutdown) = channel();
        drop(trigger);
        assert!(shutdown.requested().await <= Instant::now());
    }
}
