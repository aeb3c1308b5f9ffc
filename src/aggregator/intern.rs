//! Label sets shared between series. Tenants that run the same tracking code push the same
//! label sets (`{path="/", status="200"}`) into the same metric names, so at a million series
//! most label sets repeat: each distinct set is kept once and every series holds an `Arc` to it
//! (16 bytes instead of an allocation per pair and per string; see docs/performance.md). Each
//! shard of the aggregate has its own: tenants share label sets within their shard.

use crate::domain::LabelSet;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Default)]
pub struct LabelInterner {
    sets: HashSet<LabelSet>,
}

impl LabelInterner {
    /// The shared copy of `labels`, stored on first sight.
    pub fn intern(&mut self, labels: &LabelSet) -> LabelSet {
        if let Some(shared) = self.sets.get(labels) {
            return shared.clone();
        }
        self.sets.insert(labels.clone());
        labels.clone()
    }

    /// Forgets the sets no series holds any more (after series were dropped).
    pub fn purge(&mut self) {
        self.sets.retain(|set| Arc::strong_count(set) > 1);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.sets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> LabelSet {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn equal_sets_share_one_allocation() {
        let mut interner = LabelInterner::default();
        let a = interner.intern(&set(&[("path", "/"), ("status", "200")]));
        let b = interner.intern(&set(&[("path", "/"), ("status", "200")]));
        let c = interner.intern(&set(&[("path", "/"), ("status", "404")]));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(interner.len(), 2);
    }

    #[test]
    fn purge_forgets_only_unused_sets() {
        let mut interner = LabelInterner::default();
        let kept = interner.intern(&set(&[("path", "/")]));
        drop(interner.intern(&set(&[("path", "/gone")])));
        interner.purge();
        assert_eq!(interner.len(), 1);
        let again = interner.intern(&set(&[("path", "/")]));
        assert!(Arc::ptr_eq(&kept, &again));
    }

    fn sample(labels: &LabelSet) -> crate::aggregator::Sample {
        crate::aggregator::Sample {
            index: 0,
            name: "page_views_total".into(),
            schema: crate::domain::MetricSchema::undeclared(crate::domain::MetricKind::Counter),
            declared: false,
            labels: labels.clone(),
            update: crate::aggregator::Update::Add(1.0),
        }
    }

    #[test]
    fn tenants_pushing_the_same_labels_share_them_until_their_series_go() {
        use crate::aggregator::Aggregator;
        use crate::aggregator::shard_of;
        use crate::domain::{NameClaims, UserId};
        let agg = Aggregator::new(10);
        // label sets are shared within a shard: two tenants of one shard
        let a = UserId(uuid::Uuid::new_v4());
        let b = std::iter::repeat_with(|| UserId(uuid::Uuid::new_v4()))
            .find(|b| shard_of(*b) == shard_of(a))
            .unwrap();
        let claims = NameClaims::default();
        for tenant in [a, b] {
            // a fresh allocation per push, as the validator makes
            let labels = set(&[("path", "/"), ("status", "200")]);
            let applied = agg.apply_batch(tenant, None, 1, &[sample(&labels)], vec![], &claims);
            assert_eq!(applied.accepted(), 1);
        }
        {
            let state = agg.inner.shards[shard_of(a)].lock();
            let keys: Vec<_> = state.families["page_views_total"].series.keys().collect();
            assert_eq!(keys.len(), 2);
            assert!(Arc::ptr_eq(&keys[0].labels, &keys[1].labels));
            assert_eq!(state.labels.len(), 1);
        }
        agg.remove_tenant(a);
        assert_eq!(agg.inner.shards[shard_of(a)].lock().labels.len(), 1);
        agg.remove_tenant(b);
        assert_eq!(agg.inner.shards[shard_of(a)].lock().labels.len(), 0);
        let snapshot = agg.snapshot(3600);
        assert_eq!(snapshot.series_count(), 0);
    }
}
