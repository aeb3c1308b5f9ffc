//! The in-memory aggregate of every tenant's series (SPEC §5.3), as a cloneable handle with a
//! narrow API: apply a validated batch, take a snapshot, drop a tenant's or a metric's series.
//! Batches are validated before they get here; applying one takes a single short lock, that of
//! the tenant's shard (`SHARDS` of them, by a hash of the tenant): requests of tenants in other
//! shards never wait for it. A snapshot copies one shard at a time. What the shards share is
//! in `state::Shared`. It depends on the domain only: what comes back is typed (`Applied`), and
//! the answer clients see is made by ingestion.
//! Over 300 lines: the handle's whole API, each method a few lines over the shards; splitting it
//! would split one interface.

mod apply;
mod copy;
mod dedupe;
mod group_judge;
mod groups;
mod intern;
mod points;
pub mod pushed;
pub mod removals;
mod series;
pub mod snapshot;
mod state;
#[cfg(test)]
mod stress_tests;
mod summary;

pub use apply::{Applied, Reason, Rejection, Sample};
pub use dedupe::BatchKey;
pub use groups::{GROUP_PUSH_TIME, GroupInfo, GroupMode, GroupRefusal};
pub use series::{SeriesShape, Update};
pub use snapshot::Snapshot;

use crate::domain::{LabelSet, MetricKind, NameClaims, NameConflict, UserId};
use crate::lock_wait::{self, Held, Site};
use parking_lot::{Mutex, MutexGuard};
use pushed::{GroupFamily, PointSample};
use state::{Context, Shared, State};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How many shards the tenants are spread over: a power of two, well above the core count of
/// the machines pushgate runs on, so that two requests rarely meet on one shard's lock.
pub const SHARDS: usize = 64;

#[derive(Clone)]
pub struct Aggregator {
    inner: Arc<Inner>,
    max_series_per_tenant: usize,
}

struct Inner {
    shards: Box<[Mutex<State>]>,
    shared: Shared,
}

pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The shard of `tenant`'s series.
pub(crate) fn shard_of(tenant: UserId) -> usize {
    tenant.shard(SHARDS)
}

impl Aggregator {
    pub fn new(max_series_per_tenant: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
                shared: Shared::default(),
            }),
            max_series_per_tenant,
        }
    }

    /// A shard's lock, not counted in `lock_wait` (the snapshot and other work off the
    /// request path; requests waiting for it meanwhile are counted).
    fn lock(&self, shard: usize) -> MutexGuard<'_, State> {
        self.inner.shards[shard].lock()
    }

    /// A shard's lock for a request, counted in `lock_wait` (issue 17's contention figure).
    fn lock_counted(&self, shard: usize) -> Held<'_, State> {
        lock_wait::lock(Site::Aggregator, &self.inner.shards[shard])
    }

    /// Runs `change` on `tenant`'s shard under its lock; when it changed something, grows the
    /// generation before the lock is released.
    fn change<R>(&self, tenant: UserId, change: impl FnOnce(&mut State, &Shared) -> R) -> R {
        let mut state = self.lock_counted(shard_of(tenant));
        let out = change(&mut state, &self.inner.shared);
        self.commit(&mut state);
        out
    }

    /// A change to a shard is complete: one more generation, which its removals carry. Under
    /// the shard's lock, so a snapshot that read a generation at least this one (before it
    /// locked any shard) sees the change.
    fn commit(&self, state: &mut State) {
        if std::mem::take(&mut state.dirty) {
            let generation = self.inner.shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
            state.removals.seal(generation);
        }
    }

    /// Runs `change` on every shard, one at a time.
    fn change_each(&self, mut change: impl FnMut(&mut State, &Shared)) {
        for shard in 0..SHARDS {
            let mut state = self.lock(shard);
            change(&mut state, &self.inner.shared);
            self.commit(&mut state);
        }
    }

    /// Applies a validated batch of `total` items at once. `rejections` are the items
    /// validation refused; type conflicts and the series limit are judged here, under the
    /// lock, against the current state and `declared_claims` (the names every tenant's configs
    /// claim). A batch whose `batch_key` was applied in the last 10 minutes is not applied
    /// again: its first result comes back, marked `duplicate`.
    pub fn apply_batch(
        &self,
        tenant: UserId,
        batch_key: Option<BatchKey>,
        total: usize,
        samples: &[Sample],
        rejections: Vec<Rejection>,
        declared_claims: &NameClaims,
    ) -> Applied {
        let now = unix_now(); // before the lock, as little as possible under it
        self.change(tenant, |state, shared| {
            let context = self.context(now, declared_claims, shared);
            state.apply_batch(tenant, batch_key, total, samples, rejections, context)
        })
    }

    /// Applies one Pushgateway API push to the tenant's group `labels` (its grouping key as
    /// exposed), whole or not at all; returns the group's series count after it. Judged under
    /// the lock against the state and `declared_claims`, like a batch.
    pub fn push_group(
        &self,
        tenant: UserId,
        labels: LabelSet,
        mode: GroupMode,
        families: &[GroupFamily],
        declared_claims: &NameClaims,
    ) -> Result<usize, GroupRefusal> {
        let now = unix_now(); // before the lock, as little as possible under it
        self.change(tenant, |state, shared| {
            let context = self.context(now, declared_claims, shared);
            state.push_group(tenant, labels, mode, families, context)
        })
    }

    /// Drops the tenant's group `labels` and its series; whether there was one.
    pub fn delete_group(&self, tenant: UserId, labels: LabelSet) -> bool {
        self.change(tenant, |state, shared| {
            state.delete_group(tenant, labels, &shared.claims)
        })
    }

    /// Applies data points one by one (OTLP); returns the positions of those left out.
    pub fn apply_points(
        &self,
        tenant: UserId,
        points: &[PointSample],
        declared_claims: &NameClaims,
    ) -> Vec<(usize, Reason)> {
        let now = unix_now(); // before the lock, as little as possible under it
        self.change(tenant, |state, shared| {
            let context = self.context(now, declared_claims, shared);
            state.apply_points(tenant, points, context)
        })
    }

    /// The tenant's groups with their last push time (the dashboard's live view).
    pub fn tenant_groups(&self, tenant: UserId) -> Vec<GroupInfo> {
        self.lock(shard_of(tenant)).tenant_groups(tenant)
    }

    fn context<'a>(
        &self,
        now: i64,
        declared_claims: &'a NameClaims,
        shared: &'a Shared,
    ) -> Context<'a> {
        Context {
            now,
            max_series: self.max_series_per_tenant,
            declared_claims,
            shared,
        }
    }

    /// Copies the state for a checkpoint and the sinks, first dropping series idle for longer
    /// than `ttl_secs`. One shard at a time: first each shard's expiry, then each shard's copy,
    /// each under that shard's lock only. The snapshot's generation is read between the two,
    /// so every change of an equal or earlier generation is in it (a later one may be too).
    pub fn snapshot(&self, ttl_secs: i64) -> Snapshot {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let mut merged = copy::Merged::default();
        // each family's series, to allocate the merged copy once
        let mut sizes: HashMap<String, (MetricKind, usize)> = HashMap::new();
        self.change_each(|state, shared| {
            state.expire(&shared.claims, now - ttl_secs);
            for (name, family) in &state.families {
                match sizes.get_mut(name) {
                    Some((_, n)) => *n += family.series.len(),
                    None => {
                        sizes.insert(name.clone(), (family.kind, family.series.len()));
                    }
                }
            }
        });
        for (name, (kind, series)) in &sizes {
            merged.reserve(name, *kind, *series);
        }
        let generation = self.generation();
        for shard in 0..SHARDS {
            self.lock(shard).snapshot_into(now, &mut merged);
        }
        Snapshot {
            taken_at_ms: now_ms,
            generation,
            ..merged.finish()
        }
    }

    /// Grows with every change; equal generations mean equal states.
    pub fn generation(&self) -> u64 {
        self.inner.shared.generation.load(Ordering::SeqCst)
    }

    /// Whether some series has been idle longer than `ttl_secs`, so the next snapshot drops it.
    pub fn expiry_due(&self, ttl_secs: i64) -> bool {
        let oldest_kept = unix_now() - ttl_secs;
        (0..SHARDS).any(|shard| {
            self.lock(shard)
                .earliest_touched
                .is_some_and(|t| t < oldest_kept)
        })
    }

    pub fn series_count(&self) -> usize {
        (0..SHARDS)
            .map(|shard| self.lock(shard).series_per_tenant.values().sum::<usize>())
            .sum()
    }

    /// Active series per metric name for one tenant (the dashboard's live view).
    pub fn tenant_series(&self, tenant: UserId) -> HashMap<String, (MetricKind, usize)> {
        let state = self.lock(shard_of(tenant));
        let mut out = HashMap::new();
        for (name, family) in &state.families {
            let n = family.series.keys().filter(|k| k.tenant == tenant).count();
            if n > 0 {
                out.insert(name.clone(), (family.kind, n));
            }
        }
        out
    }

    /// The help text of family `name` when every one of its series is `tenant`'s: the text
    /// came from that tenant then. A family shared with other tenants (here or in other
    /// shards) is exposed with the first help any of them brought, not this tenant's to read.
    pub fn own_help(&self, name: &str, tenant: UserId) -> Option<String> {
        self.with_own_family(name, tenant, |own, _| own?.help.clone())
    }

    /// Whether `(name, kind)` conflicts with a family some tenant already pushes.
    pub fn live_conflict(
        &self,
        name: &str,
        kind: MetricKind,
        tenant: UserId,
    ) -> Option<NameConflict> {
        // The tenant's own undeclared series of that name are reset by the new config anyway.
        self.with_own_family(name, tenant, |own, claims| match own {
            Some(_) => None,
            None => claims.conflict(name, kind),
        })
    }

    /// Calls `answer` with the family `name` if it is `tenant`'s alone (only the tenant's
    /// shard has one, and all its series are the tenant's), and the live claims. The shard's
    /// lock first, then the claims': the order every change takes them in.
    fn with_own_family<R>(
        &self,
        name: &str,
        tenant: UserId,
        answer: impl FnOnce(Option<&state::Family>, &NameClaims) -> R,
    ) -> R {
        let state = self.lock(shard_of(tenant));
        let claims = lock_wait::lock(Site::Claims, &self.inner.shared.claims);
        let only_here = claims.holder(name).is_some_and(|(_, holders)| holders == 1);
        let own = state
            .families
            .get(name)
            .filter(|f| only_here && f.series.keys().all(|k| k.tenant == tenant));
        answer(own, &claims)
    }

    /// Drops every series and group of `tenant` (account deleted): gone from the next push.
    pub fn remove_tenant(&self, tenant: UserId) {
        self.change(tenant, |state, shared| {
            state.retain(&shared.claims, |_, key, _| key.tenant != tenant);
            state.retain_groups(|key, _| key.tenant != tenant);
        });
    }

    /// Drops a tenant's series of one metric (config deleted or its shape changed).
    pub fn remove_metric(&self, tenant: UserId, name: &str) {
        self.change(tenant, |state, shared| {
            state.retain(&shared.claims, |family, key, _| {
                !(family == name && key.tenant == tenant)
            });
        });
    }

    /// Keeps only series that still match the registry: tenants that still exist, and declared
    /// series whose config still has the same shape. Used after another instance changed it.
    pub fn reconcile(&self, keep: impl Fn(UserId, &str, bool, &SeriesShape<'_>) -> bool) {
        self.change_each(|state, shared| {
            state.retain(&shared.claims, |family, key, series| {
                keep(
                    key.tenant,
                    family,
                    series.declared,
                    &SeriesShape::of(&series.value),
                )
            });
        });
    }

    /// Starts recording the series that leave, for a sink that sends staleness markers.
    pub fn track_removals(&self) {
        self.change_each(|state, _| state.removals.enable());
    }

    /// The series that left up to the snapshot of `generation` (`removals.rs`).
    pub fn drain_removals(&self, generation: u64) -> removals::Drained {
        let mut drained = removals::Drained::default();
        for shard in 0..SHARDS {
            let part = self.lock(shard).removals.drain_through(generation);
            drained.removals.extend(part.removals);
            drained.dropped += part.dropped;
        }
        drained
    }

    /// Replaces the state with a checkpoint (at start-up): each shard gets its tenants, and
    /// the live claims are made again from every shard's families.
    pub fn restore(&self, snapshot: Snapshot) {
        let now = unix_now();
        let parts = copy::split(snapshot, SHARDS, shard_of);
        // every shard's lock (in order), then the claims': nothing sees a half-restored state
        let mut shards: Vec<_> = (0..SHARDS).map(|shard| self.lock(shard)).collect();
        let shared = &self.inner.shared;
        let mut claims = lock_wait::lock(Site::Claims, &shared.claims);
        *claims = NameClaims::default();
        for (state, part) in shards.iter_mut().zip(parts) {
            state.restore(part, now, &shared.remembered);
            for (name, family) in &state.families {
                claims.claim(name, family.kind);
            }
        }
        drop(claims);
        for state in &mut shards {
            self.commit(state);
        }
    }
}
