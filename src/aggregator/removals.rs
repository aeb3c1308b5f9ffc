//! The removal log: series that left the state (TTL, a deleted account or config, a group
//! replaced or deleted through the Pushgateway API), for sinks that must say so to their
//! receiver. Remote write sends only what changed, so a series that leaves gets a staleness
//! marker instead of just being absent from the next PUT. Off unless a sink asks for it
//! (`Aggregator::track_removals`), and bounded: past `CAPACITY` unsent removals, further ones
//! are only counted, and the receiver lets those series go stale by itself (after its
//! lookback, 5 minutes in Prometheus).

use super::series::SeriesValue;
use crate::domain::{LabelSet, UserId};
use std::sync::Arc;

/// Removals kept until a sink drains them.
pub const CAPACITY: usize = 200_000;

/// What a removed series looked like: enough to name every sample series it was sent as.
#[derive(Clone, Debug, PartialEq)]
pub enum RemovedShape {
    Counter,
    Gauge,
    Histogram { bounds: Arc<[f64]> },
    Summary { quantiles: Arc<[f64]> },
}

impl RemovedShape {
    pub(super) fn of(value: &SeriesValue) -> Self {
        match value {
            SeriesValue::Counter(_) => Self::Counter,
            SeriesValue::Gauge(_) => Self::Gauge,
            SeriesValue::Histogram(h) => Self::Histogram {
                bounds: h.bounds.clone(),
            },
            SeriesValue::Summary(s) => Self::Summary {
                quantiles: s.quantiles.clone(),
            },
            SeriesValue::PushedSummary(s) => Self::Summary {
                quantiles: s.quantiles.clone(),
            },
        }
    }
}

/// One series that left.
#[derive(Clone, Debug, PartialEq)]
pub struct Removal {
    /// the aggregator generation the removal made: a snapshot of an equal or later generation
    /// no longer holds the series (unless it came back)
    pub generation: u64,
    pub family: String,
    pub tenant: UserId,
    pub labels: LabelSet,
    pub shape: RemovedShape,
}

/// Removals up to some generation, and how many were not kept since the last drain.
#[derive(Debug, Default)]
pub struct Drained {
    pub removals: Vec<Removal>,
    pub dropped: u64,
}

#[derive(Default)]
pub(super) struct RemovalLog {
    enabled: bool,
    entries: Vec<Removal>,
    /// entries before this one carry their generation; those after wait for `seal`
    sealed: usize,
    dropped: u64,
}

impl RemovalLog {
    pub(super) fn enable(&mut self) {
        self.enabled = true;
    }

    /// Records that a series left, in a change whose generation `seal` gives it.
    pub(super) fn record(
        &mut self,
        family: &str,
        tenant: UserId,
        labels: &LabelSet,
        shape: RemovedShape,
    ) {
        if !self.enabled {
            return;
        }
        if self.entries.len() >= CAPACITY {
            self.dropped += 1;
            return;
        }
        self.entries.push(Removal {
            generation: u64::MAX,
            family: family.to_owned(),
            tenant,
            labels: labels.clone(),
            shape,
        });
    }

    /// Stamps the removals recorded since the last seal with `generation`, the generation the
    /// change that made them made (called when it is complete, under the same lock).
    pub(super) fn seal(&mut self, generation: u64) {
        for r in &mut self.entries[self.sealed..] {
            r.generation = generation;
        }
        self.sealed = self.entries.len();
    }

    /// Takes the removals a snapshot of `generation` reflects; later ones stay.
    pub(super) fn drain_through(&mut self, generation: u64) -> Drained {
        let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|r| r.generation <= generation);
        self.entries = kept;
        self.sealed = self.entries.len();
        Drained {
            removals: taken,
            dropped: std::mem::take(&mut self.dropped),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> LabelSet {
        vec![("path".into(), "/".into())].into()
    }

    #[test]
    fn off_until_enabled_then_drained_by_generation() {
        let tenant = UserId(uuid::Uuid::new_v4());
        let mut log = RemovalLog::default();
        log.record("a", tenant, &labels(), RemovedShape::Counter);
        log.seal(1);
        assert!(log.drain_through(u64::MAX).removals.is_empty());
        log.enable();
        log.record("a", tenant, &labels(), RemovedShape::Counter);
        log.seal(3);
        log.record("b", tenant, &labels(), RemovedShape::Gauge);
        log.seal(5);
        let first = log.drain_through(4);
        assert_eq!(first.removals.len(), 1);
        assert_eq!(first.removals[0].family, "a");
        let second = log.drain_through(5);
        assert_eq!(second.removals[0].family, "b");
        assert!(log.drain_through(9).removals.is_empty());
    }

    #[test]
    fn bounded_and_counts_what_it_drops() {
        let tenant = UserId(uuid::Uuid::new_v4());
        let mut log = RemovalLog::default();
        log.enable();
        for _ in 0..CAPACITY + 3 {
            log.record("a", tenant, &labels(), RemovedShape::Counter);
        }
        log.seal(1);
        let drained = log.drain_through(1);
        assert_eq!(drained.removals.len(), CAPACITY);
        assert_eq!(drained.dropped, 3);
        assert_eq!(log.drain_through(1).dropped, 0);
    }
}
