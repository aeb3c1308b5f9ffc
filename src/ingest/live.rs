//! What arrived recently, per tenant and metric, for the dashboard's live view: samples per
//! minute over the last 15 minutes, last seen, and recent rejections grouped by metric and
//! reason (`rejections.rs`). Kept in shards by tenant, as the aggregate is, so that requests
//! of tenants in different shards never wait on one lock.

use super::outcome::ItemError;
use super::rejections::Rejections;
use crate::domain::UserId;
use crate::lock_wait::{self, Site};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

pub const MINUTES: usize = 15;

#[derive(Default, Clone)]
pub struct MetricLive {
    /// (minute number since the epoch, accepted samples, rejected samples), newest last
    pub minutes: VecDeque<(i64, u64, u64)>,
    pub last_seen: Option<DateTime<Utc>>,
}

#[derive(Default, Clone)]
pub struct TenantLive {
    pub metrics: HashMap<String, MetricLive>,
    pub rejections: Rejections,
}

type Shard = Mutex<HashMap<UserId, TenantLive>>;

#[derive(Clone)]
pub struct LiveStats {
    shards: Arc<[Shard]>,
}

impl Default for LiveStats {
    fn default() -> Self {
        Self {
            shards: (0..crate::aggregator::SHARDS)
                .map(|_| Mutex::default())
                .collect(),
        }
    }
}

fn bump(live: &mut MetricLive, minute: i64, accepted: u64, rejected: u64) {
    match live.minutes.back_mut() {
        Some((m, a, r)) if *m == minute => {
            *a += accepted;
            *r += rejected;
        }
        _ => live.minutes.push_back((minute, accepted, rejected)),
    }
    while live
        .minutes
        .front()
        .is_some_and(|(m, _, _)| *m <= minute - MINUTES as i64)
    {
        live.minutes.pop_front();
    }
}

impl LiveStats {
    fn shard(&self, tenant: UserId) -> &Shard {
        &self.shards[crate::aggregator::shard_of(tenant)]
    }

    /// Records one batch: `accepted` metric names (one entry per accepted item) and the errors.
    pub fn record(&self, tenant: UserId, accepted: &[&str], errors: &[ItemError]) {
        let now = Utc::now();
        let minute = now.timestamp() / 60;
        let mut tenants = lock_wait::lock(Site::Live, self.shard(tenant));
        let t = tenants.entry(tenant).or_default();
        for name in accepted {
            // the name is copied only the first time a metric is seen, not for every item
            if !t.metrics.contains_key(*name) {
                t.metrics.insert((*name).to_owned(), MetricLive::default());
            }
            let Some(live) = t.metrics.get_mut(*name) else {
                continue;
            };
            bump(live, minute, 1, 0);
            live.last_seen = Some(now);
        }
        for e in errors {
            if let Some(name) = &e.name
                && let Some(live) = t.metrics.get_mut(name)
            {
                bump(live, minute, 0, 1);
            }
            t.rejections
                .record(now, e.name.as_deref(), e.code, &e.message);
        }
    }

    /// Records a whole request refused before its items were judged (e.g. an empty batch).
    pub fn record_refusal(&self, tenant: UserId, code: &'static str, message: String) {
        let mut tenants = self.shard(tenant).lock();
        let t = tenants.entry(tenant).or_default();
        t.rejections.record(Utc::now(), None, code, &message);
    }

    pub fn tenant(&self, tenant: UserId) -> TenantLive {
        self.shard(tenant)
            .lock()
            .get(&tenant)
            .cloned()
            .unwrap_or_default()
    }

    pub fn forget(&self, tenant: UserId) {
        self.shard(tenant).lock().remove(&tenant);
    }
}
