//! `batch_id` dedupe (SPEC §5.1): per instance, per key, for 10 minutes, bounded in memory.
//! Checked and filled under the lock of the key's tenant's shard, so two copies of a batch
//! cannot both apply. Each shard keeps its own keys; the bound is on all of them together.

use super::apply::Applied;
use crate::domain::ApiKeyId;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const REMEMBER_FOR: Duration = Duration::from_secs(600);
/// At most this many batches are remembered by all shards together (give or take one per
/// shard); a shard that finds the total full forgets its own oldest first.
pub(super) const MAX_REMEMBERED: usize = 200_000;

#[derive(Hash, PartialEq, Eq, Clone, Debug)]
pub struct BatchKey {
    pub key_id: ApiKeyId,
    pub batch_id: Box<str>,
}

#[derive(Default)]
pub struct Dedupe {
    answers: HashMap<BatchKey, Applied>,
    order: VecDeque<(Instant, BatchKey)>,
}

impl Dedupe {
    /// `total` counts what every shard's dedupe remembers.
    pub fn get(&mut self, key: &BatchKey, total: &AtomicUsize) -> Option<Applied> {
        self.forget_old(Instant::now(), total);
        self.answers.get(key).cloned()
    }

    pub fn insert(&mut self, key: BatchKey, applied: Applied, total: &AtomicUsize) {
        let now = Instant::now();
        self.forget_old(now, total);
        while total.load(Ordering::Relaxed) >= MAX_REMEMBERED {
            let Some((_, oldest)) = self.order.pop_front() else {
                break;
            };
            self.answers.remove(&oldest);
            total.fetch_sub(1, Ordering::Relaxed);
        }
        if self.answers.insert(key.clone(), applied).is_none() {
            self.order.push_back((now, key));
            total.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets every batch (a shard replaced at restore).
    pub fn clear(&mut self, total: &AtomicUsize) {
        total.fetch_sub(self.order.len(), Ordering::Relaxed);
        self.order.clear();
        self.answers.clear();
    }

    fn forget_old(&mut self, now: Instant, total: &AtomicUsize) {
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at) < REMEMBER_FOR {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.answers.remove(&key);
                total.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> BatchKey {
        BatchKey {
            key_id: ApiKeyId(uuid::Uuid::from_u128(1)),
            batch_id: n.to_string().into(),
        }
    }

    #[test]
    fn the_bound_is_on_every_shard_together_and_each_forgets_its_own_oldest() {
        let total = AtomicUsize::new(0);
        let (mut a, mut b) = (Dedupe::default(), Dedupe::default());
        let applied = Applied {
            total: 1,
            rejections: vec![],
            duplicate: false,
        };
        for n in 0..MAX_REMEMBERED {
            a.insert(key(n), applied.clone(), &total);
        }
        assert_eq!(total.load(Ordering::Relaxed), MAX_REMEMBERED);
        // b has nothing of its own to forget: one over the bound
        b.insert(key(MAX_REMEMBERED), applied.clone(), &total);
        assert_eq!(total.load(Ordering::Relaxed), MAX_REMEMBERED + 1);
        // a forgets its two oldest to make room
        a.insert(key(MAX_REMEMBERED + 1), applied, &total);
        assert_eq!(total.load(Ordering::Relaxed), MAX_REMEMBERED);
        assert!(a.get(&key(0), &total).is_none());
        assert!(a.get(&key(1), &total).is_none());
        assert!(a.get(&key(2), &total).is_some());
        assert!(b.get(&key(MAX_REMEMBERED), &total).is_some());
        a.clear(&total);
        assert_eq!(total.load(Ordering::Relaxed), 1);
    }
}
