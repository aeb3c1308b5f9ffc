//! `batch_id` dedupe (SPEC §5.1): per instance, per key, for 10 minutes, bounded in memory.
//! Checked and filled under the aggregator's lock, so two copies of a batch cannot both apply.

use super::apply::Applied;
use crate::domain::ApiKeyId;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const REMEMBER_FOR: Duration = Duration::from_secs(600);
/// At most this many batches are remembered; the oldest are forgotten first.
const MAX_REMEMBERED: usize = 200_000;

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
    pub fn get(&mut self, key: &BatchKey) -> Option<Applied> {
        self.forget_old(Instant::now());
        self.answers.get(key).cloned()
    }

    pub fn insert(&mut self, key: BatchKey, applied: Applied) {
        let now = Instant::now();
        self.forget_old(now);
        while self.order.len() >= MAX_REMEMBERED {
            if let Some((_, oldest)) = self.order.pop_front() {
                self.answers.remove(&oldest);
            }
        }
        self.order.push_back((now, key.clone()));
        self.answers.insert(key, applied);
    }

    fn forget_old(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at) < REMEMBER_FOR {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.answers.remove(&key);
            }
        }
    }
}
