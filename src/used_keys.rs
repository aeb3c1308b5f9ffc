//! The API keys that authenticated since the last `last_used_at` write, in shards by key id so
//! that requests with different keys never wait on one lock (issue 17).

use crate::domain::ApiKeyId;
use crate::lock_wait::{self, Site};
use parking_lot::Mutex;
use std::collections::HashSet;

const SHARDS: usize = 16;

pub struct UsedKeys {
    shards: [Mutex<HashSet<ApiKeyId>>; SHARDS],
}

impl Default for UsedKeys {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }
}

fn shard_of(id: ApiKeyId) -> usize {
    id.shard(SHARDS)
}

impl UsedKeys {
    /// Records that `id` authenticated.
    pub fn mark(&self, id: ApiKeyId) {
        lock_wait::lock(Site::UsedKeys, &self.shards[shard_of(id)]).insert(id);
    }

    /// Every key marked since the last take.
    pub fn take(&self) -> Vec<ApiKeyId> {
        let mut ids = Vec::new();
        for shard in &self.shards {
            ids.extend(shard.lock().drain());
        }
        ids
    }

    /// Marks `ids` again (their write failed; the next one retries them).
    pub fn give_back(&self, ids: Vec<ApiKeyId>) {
        for id in ids {
            self.shards[shard_of(id)].lock().insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_marked_are_taken_once_and_given_back() {
        let used = UsedKeys::default();
        let ids: Vec<ApiKeyId> = (0..100)
            .map(|n| ApiKeyId(uuid::Uuid::from_u128(n * 7919)))
            .collect();
        for id in ids.iter().chain(&ids) {
            used.mark(*id);
        }
        let mut taken = used.take();
        taken.sort();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(taken, want);
        assert!(used.take().is_empty());
        used.give_back(taken);
        assert_eq!(used.take().len(), 100);
    }
}
