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
            SeriesValue::Histogram { bounds, .. } => Self::Histogram {
                bounds: bounds.clone(),
            },
            SeriesValue::Summary { quantiles, .. } => Self::Summary {
                quantiles: quantiles.clone(),
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
    dropped: u64,
}

impl RemovalLog {
    pub(super) fn enable(&mut self) {
        self.enabled = true;
    }

    /// Records that a series left; `generation` is the generation its removal makes.
    pub(super) fn record(
        &mut self,
        generation: u64,
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
            generation,
            family: family.to_owned(),
            tenant,
            labels: labels.clone(),
            shape,
        });
    }

    /// Takes the removals a snapshot of `generation` reflects; later ones stay.
    pub(super) fn drain_through(&mut self, generation: u64) -> Drained {
        let (taken, kept) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|r| r.generation <= generation);
        self.entries = kept;
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
        log.record(1, "a", tenant, &labels(), RemovedShape::Counter);
        assert!(log.drain_through(u64::MAX).removals.is_empty());
        log.enable();
        log.record(3, "a", tenant, &labels(), RemovedShape::Counter);
        log.record(5, "b", tenant, &labels(), RemovedShape::Gauge);
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
            log.record(1, "a", tenant, &labels(), RemovedShape::Counter);
        }
        let drained = log.drain_through(1);
        assert_eq!(drained.removals.len(), CAPACITY);
        assert_eq!(drained.dropped, 3);
        assert_eq!(log.drain_through(1).dropped, 0);
    }
}
