//! The in-memory aggregate of every tenant's series (SPEC §5.3), as a cloneable handle with a
//! narrow API: apply a validated batch, take a snapshot, drop a tenant's or a metric's series.
//! Batches are validated before they get here; applying one takes a single short lock. It
//! depends on the domain only: what comes back is typed (`Applied`), and the answer clients
//! see is made by ingestion.

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
mod summary;

pub use apply::{Applied, Reason, Rejection, Sample};
pub use dedupe::BatchKey;
pub use groups::{GROUP_PUSH_TIME, GroupInfo, GroupMode, GroupRefusal};
pub use series::{SeriesShape, Update};
pub use snapshot::Snapshot;

use crate::domain::{LabelSet, MetricKind, NameClaims, NameConflict, UserId};
use crate::lock_wait::{self, Site};
use parking_lot::Mutex;
use pushed::{GroupFamily, PointSample};
use state::{Context, State};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct Aggregator {
    state: Arc<Mutex<State>>,
    max_series_per_tenant: usize,
}

pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Aggregator {
    pub fn new(max_series_per_tenant: usize) -> Self {
        Self {
            state: Arc::default(),
            max_series_per_tenant,
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
        let context = self.context(declared_claims);
        lock_wait::lock(Site::Aggregator, &self.state)
            .apply_batch(tenant, batch_key, total, samples, rejections, context)
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
        let context = self.context(declared_claims);
        lock_wait::lock(Site::Aggregator, &self.state)
            .push_group(tenant, labels, mode, families, context)
    }

    /// Drops the tenant's group `labels` and its series; whether there was one.
    pub fn delete_group(&self, tenant: UserId, labels: LabelSet) -> bool {
        self.state.lock().delete_group(tenant, labels)
    }

    /// Applies data points one by one (OTLP); returns the positions of those left out.
    pub fn apply_points(
        &self,
        tenant: UserId,
        points: &[PointSample],
        declared_claims: &NameClaims,
    ) -> Vec<(usize, Reason)> {
        let context = self.context(declared_claims);
        lock_wait::lock(Site::Aggregator, &self.state).apply_points(tenant, points, context)
    }

    /// The tenant's groups with their last push time (the dashboard's live view).
    pub fn tenant_groups(&self, tenant: UserId) -> Vec<GroupInfo> {
        self.state.lock().tenant_groups(tenant)
    }

    fn context<'a>(&self, declared_claims: &'a NameClaims) -> Context<'a> {
        Context {
            now: unix_now(),
            max_series: self.max_series_per_tenant,
            declared_claims,
        }
    }

    /// Copies the state for a checkpoint and the sinks, first dropping series idle for longer
    /// than `ttl_secs`.
    pub fn snapshot(&self, ttl_secs: i64) -> Snapshot {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let mut state = self.state.lock();
        state.expire(now - ttl_secs);
        Snapshot {
            taken_at_ms: now_ms,
            ..state.snapshot(now)
        }
    }

    /// Grows with every change; equal generations mean equal states.
    pub fn generation(&self) -> u64 {
        self.state.lock().generation
    }

    /// Whether some series has been idle longer than `ttl_secs`, so the next snapshot drops it.
    pub fn expiry_due(&self, ttl_secs: i64) -> bool {
        self.state
            .lock()
            .earliest_touched
            .is_some_and(|t| t < unix_now() - ttl_secs)
    }

    pub fn series_count(&self) -> usize {
        self.state.lock().series_per_tenant.values().sum()
    }

    /// Active series per metric name for one tenant (the dashboard's live view).
    pub fn tenant_series(&self, tenant: UserId) -> HashMap<String, (MetricKind, usize)> {
        let state = self.state.lock();
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
    /// came from that tenant then. A family shared with other tenants keeps the first help
    /// any of them brought, which is not this tenant's to read.
    pub fn own_help(&self, name: &str, tenant: UserId) -> Option<String> {
        let state = self.state.lock();
        let family = state.families.get(name)?;
        let sole = family.series.keys().all(|k| k.tenant == tenant);
        family.help.clone().filter(|_| sole)
    }

    /// Whether `(name, kind)` conflicts with a family some tenant already pushes.
    pub fn live_conflict(
        &self,
        name: &str,
        kind: MetricKind,
        tenant: UserId,
    ) -> Option<NameConflict> {
        let state = self.state.lock();
        // The tenant's own undeclared series of that name are reset by the new config anyway.
        if state
            .families
            .get(name)
            .is_some_and(|f| f.series.keys().all(|k| k.tenant == tenant))
        {
            return None;
        }
        state.claims.conflict(name, kind)
    }

    /// Drops every series and group of `tenant` (account deleted): gone from the next push.
    pub fn remove_tenant(&self, tenant: UserId) {
        let mut state = self.state.lock();
        state.retain(|_, key, _| key.tenant != tenant);
        state.retain_groups(|key, _| key.tenant != tenant);
    }

    /// Drops a tenant's series of one metric (config deleted or its shape changed).
    pub fn remove_metric(&self, tenant: UserId, name: &str) {
        self.state
            .lock()
            .retain(|family, key, _| !(family == name && key.tenant == tenant));
    }

    /// Keeps only series that still match the registry: tenants that still exist, and declared
    /// series whose config still has the same shape. Used after another instance changed it.
    pub fn reconcile(&self, keep: impl Fn(UserId, &str, bool, &SeriesShape<'_>) -> bool) {
        self.state.lock().retain(|family, key, series| {
            keep(
                key.tenant,
                family,
                series.declared,
                &SeriesShape::of(&series.value),
            )
        });
    }

    /// Starts recording the series that leave, for a sink that sends staleness markers.
    pub fn track_removals(&self) {
        self.state.lock().removals.enable();
    }

    /// The series that left up to the snapshot of `generation` (`removals.rs`).
    pub fn drain_removals(&self, generation: u64) -> removals::Drained {
        self.state.lock().removals.drain_through(generation)
    }

    /// Replaces the state with a checkpoint (at start-up).
    pub fn restore(&self, snapshot: Snapshot) {
        self.state.lock().restore(snapshot, unix_now());
    }
}
