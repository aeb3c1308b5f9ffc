//! The in-memory aggregate of every tenant's series (SPEC §5.3). A cloneable handle with a
//! narrow API: apply a validated batch, take a snapshot, drop a tenant's or a metric's series.
//! Batches are validated before they get here; applying one takes a single short lock.

mod compact;
mod dedupe;
mod intern;
pub mod names;
pub mod render;
mod series;
pub mod snapshot;
mod summary;

pub use dedupe::BatchKey;
pub use series::{DEFAULT_BUCKETS, DEFAULT_QUANTILES, MetricSchema, Update};
pub use snapshot::{LabelSet, Snapshot};

use crate::domain::{MetricKind, UserId};
use crate::ingest::outcome::{BatchOutcome, ItemError};
use dedupe::Dedupe;
use intern::LabelInterner;
use names::NameClaims;
use parking_lot::Mutex;
use series::SeriesValue;
use snapshot::{FamilySnapshot, SeriesSnapshot, ValueSnapshot};
use std::collections::HashMap;
use std::sync::Arc;

/// One validated item: which series, and what to do to it.
#[derive(Debug, Clone)]
pub struct Sample {
    pub index: usize,
    pub name: String,
    pub schema: Arc<MetricSchema>,
    pub declared: bool,
    pub labels: LabelSet,
    pub update: Update,
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct SeriesKey {
    tenant: UserId,
    labels: LabelSet,
}

struct Series {
    value: SeriesValue,
    touched: i64,
    declared: bool,
}

struct Family {
    kind: MetricKind,
    help: Option<String>,
    series: HashMap<SeriesKey, Series>,
}

#[derive(Default)]
struct State {
    families: HashMap<String, Family>,
    claims: NameClaims,
    series_per_tenant: HashMap<UserId, usize>,
    /// counts changes: a sink whose last delivery has another generation is behind
    generation: u64,
    /// oldest `touched` at the last snapshot: a lower bound, to know when series will expire
    earliest_touched: Option<i64>,
    dedupe: Dedupe,
    labels: LabelInterner,
}

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

    /// Applies a validated batch at once. `prior_errors` are the items validation refused;
    /// type conflicts and the series limit are judged here, under the lock, against the
    /// current state. A batch whose `batch_key` was applied in the last 10 minutes is not
    /// applied again: its first answer is returned, marked `duplicate`.
    /// `other_claims` are the names declared in configs (the cache's registry).
    pub fn apply_batch(
        &self,
        tenant: UserId,
        batch_key: Option<BatchKey>,
        total_items: usize,
        samples: &[Sample],
        mut errors: Vec<ItemError>,
        declared_claims: &NameClaims,
    ) -> BatchOutcome {
        let now = unix_now();
        let mut state = self.state.lock();
        if let Some(key) = &batch_key
            && let Some(previous) = state.dedupe.get(key)
        {
            return BatchOutcome {
                duplicate: true,
                ..previous
            };
        }
        for sample in samples {
            if let Err(error) = state.apply(
                tenant,
                sample,
                now,
                self.max_series_per_tenant,
                declared_claims,
            ) {
                errors.push(error);
            }
        }
        let outcome = BatchOutcome::new(total_items, errors);
        if let Some(key) = batch_key {
            state.dedupe.insert(key, outcome.clone());
        }
        outcome
    }

    /// Copies the state for a checkpoint and the sinks, first dropping series idle for longer
    /// than `ttl_secs`.
    pub fn snapshot(&self, ttl_secs: i64) -> Snapshot {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let mut state = self.state.lock();
        state.expire(now - ttl_secs);
        let mut snapshot = state.snapshot(now);
        snapshot.generation = state.generation;
        snapshot.taken_at_ms = now_ms;
        snapshot
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

    /// Whether `(name, kind)` conflicts with a family some tenant already pushes.
    pub fn live_conflict(&self, name: &str, kind: MetricKind, tenant: UserId) -> Option<String> {
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

    /// Drops every series of `tenant` (account deleted): gone from the next push.
    pub fn remove_tenant(&self, tenant: UserId) {
        self.state.lock().retain(|_, key, _| key.tenant != tenant);
    }

    /// Drops a tenant's series of one metric (config deleted or its shape changed).
    pub fn remove_metric(&self, tenant: UserId, name: &str) {
        self.state
            .lock()
            .retain(|family, key, _| !(family == name && key.tenant == tenant));
    }

    /// Keeps only series that still match the registry: tenants that still exist, and declared
    /// series whose config still has the same shape. Used after another instance changed it.
    pub fn reconcile(&self, keep: impl Fn(UserId, &str, bool, &SeriesShape) -> bool) {
        self.state.lock().retain(|family, key, series| {
            keep(
                key.tenant,
                family,
                series.declared,
                &SeriesShape::of(&series.value),
            )
        });
    }

    /// Replaces the state with a checkpoint (at start-up).
    pub fn restore(&self, snapshot: Snapshot) {
        let now = unix_now();
        let mut state = self.state.lock();
        let generation = state.generation;
        *state = State::default();
        state.generation = generation;
        for family in snapshot.families {
            state.claims.claim(&family.name, family.kind);
            let mut series = HashMap::with_capacity(family.series.len());
            for s in family.series {
                *state.series_per_tenant.entry(s.tenant).or_default() += 1;
                let labels = state.labels.intern(&s.labels);
                series.insert(
                    SeriesKey {
                        tenant: s.tenant,
                        labels,
                    },
                    Series {
                        value: restore_value(s.value, now),
                        touched: s.touched,
                        declared: s.declared,
                    },
                );
            }
            state.families.insert(
                family.name,
                Family {
                    kind: family.kind,
                    help: family.help,
                    series,
                },
            );
        }
        state.generation += 1;
    }
}

/// The shape of a series, compared with its config to see whether the config changed.
pub struct SeriesShape<'a> {
    pub kind: MetricKind,
    pub buckets: Option<&'a [f64]>,
    pub quantiles: Option<&'a [f64]>,
}

impl<'a> SeriesShape<'a> {
    fn of(value: &'a SeriesValue) -> Self {
        match value {
            SeriesValue::Counter(_) => Self {
                kind: MetricKind::Counter,
                buckets: None,
                quantiles: None,
            },
            SeriesValue::Gauge(_) => Self {
                kind: MetricKind::Gauge,
                buckets: None,
                quantiles: None,
            },
            SeriesValue::Histogram { bounds, .. } => Self {
                kind: MetricKind::Histogram,
                buckets: Some(bounds),
                quantiles: None,
            },
            SeriesValue::Summary { quantiles, .. } => Self {
                kind: MetricKind::Summary,
                buckets: None,
                quantiles: Some(quantiles),
            },
        }
    }

    pub fn matches(&self, schema: &MetricSchema) -> bool {
        self.kind == schema.kind
            && self.buckets.is_none_or(|b| b == &*schema.buckets)
            && self.quantiles.is_none_or(|q| q == &*schema.quantiles)
    }
}

fn restore_value(value: ValueSnapshot, now: i64) -> SeriesValue {
    match value {
        ValueSnapshot::Counter(v) => SeriesValue::Counter(v),
        ValueSnapshot::Gauge(v) => SeriesValue::Gauge(v),
        ValueSnapshot::Histogram {
            bounds,
            counts,
            sum,
            count,
        } => SeriesValue::Histogram {
            bounds,
            counts,
            sum,
            count,
        },
        ValueSnapshot::Summary {
            quantiles,
            sum,
            count,
            ..
        } => SeriesValue::Summary {
            quantiles,
            sum,
            count,
            window: Box::new(summary::SlidingQuantiles::new(now)),
        },
    }
}

impl State {
    fn apply(
        &mut self,
        tenant: UserId,
        sample: &Sample,
        now: i64,
        max_series: usize,
        declared_claims: &NameClaims,
    ) -> Result<(), ItemError> {
        let reject = |code: &'static str, message: String| ItemError {
            index: sample.index,
            name: Some(sample.name.clone()),
            code,
            message,
        };
        let kind = sample.schema.kind;
        match self.families.get(&sample.name) {
            Some(family) if family.kind != kind => {
                return Err(reject(
                    "type_conflict",
                    format!(
                        "metric {:?} is already pushed as a {}; push it as a {} or use another name",
                        sample.name, family.kind, family.kind
                    ),
                ));
            }
            Some(_) => {}
            None => {
                let conflict = self.claims.conflict(&sample.name, kind).or_else(|| {
                    // Configs of other tenants count too, unless this sample is that config.
                    if sample.declared {
                        None
                    } else {
                        declared_claims.conflict(&sample.name, kind)
                    }
                });
                if let Some(message) = conflict {
                    return Err(reject("type_conflict", message));
                }
            }
        }
        let mut key = SeriesKey {
            tenant,
            labels: sample.labels.clone(),
        };
        // The common case, an existing series: two lookups, no allocation.
        if let Some(family) = self.families.get_mut(&sample.name)
            && let Some(series) = family.series.get_mut(&key)
        {
            series.value.apply(sample.update, now);
            series.touched = now;
            if family.help.is_none() {
                family.help.clone_from(&sample.schema.help);
            }
            self.generation += 1;
            return Ok(());
        }
        let count = self.series_per_tenant.entry(tenant).or_default();
        if *count >= max_series {
            return Err(reject(
                "series_limit",
                format!(
                    "this account already has {count} active series, the limit (max_series_per_tenant) is {max_series}: reduce label values or wait for idle series to expire"
                ),
            ));
        }
        *count += 1;
        if !self.families.contains_key(&sample.name) {
            self.claims.claim(&sample.name, kind);
        }
        // a new series only: the name is copied once per series, not per sample
        let family = self
            .families
            .entry(sample.name.clone())
            .or_insert_with(|| Family {
                kind,
                help: None,
                series: HashMap::new(),
            });
        if family.help.is_none() {
            family.help.clone_from(&sample.schema.help);
        }
        key.labels = self.labels.intern(&key.labels);
        let mut value = SeriesValue::new(&sample.schema, now);
        value.apply(sample.update, now);
        family.series.insert(
            key,
            Series {
                value,
                touched: now,
                declared: sample.declared,
            },
        );
        self.generation += 1;
        Ok(())
    }

    fn retain(&mut self, keep: impl Fn(&str, &SeriesKey, &Series) -> bool) {
        let mut emptied = Vec::new();
        let mut removed = false;
        for (name, family) in &mut self.families {
            let per_tenant = &mut self.series_per_tenant;
            let before = family.series.len();
            family.series.retain(|key, series| {
                let kept = keep(name, key, series);
                if !kept && let Some(n) = per_tenant.get_mut(&key.tenant) {
                    *n -= 1;
                }
                kept
            });
            if family.series.len() != before {
                self.generation += 1;
                removed = true;
            }
            if family.series.is_empty() {
                emptied.push(name.clone());
            }
        }
        for name in emptied {
            self.families.remove(&name);
            self.claims.release(&name);
        }
        self.series_per_tenant.retain(|_, n| *n > 0);
        if removed {
            self.labels.purge();
        }
    }

    fn expire(&mut self, oldest_kept: i64) {
        self.retain(|_, _, series| series.touched >= oldest_kept);
    }

    fn snapshot(&mut self, now: i64) -> Snapshot {
        self.earliest_touched = self
            .families
            .values()
            .flat_map(|f| f.series.values())
            .map(|s| s.touched)
            .min();
        let families = self
            .families
            .iter_mut()
            .map(|(name, family)| FamilySnapshot {
                name: name.clone(),
                kind: family.kind,
                help: family.help.clone(),
                series: family
                    .series
                    .iter_mut()
                    .map(|(key, series)| SeriesSnapshot {
                        tenant: key.tenant,
                        labels: key.labels.clone(),
                        touched: series.touched,
                        declared: series.declared,
                        value: snapshot_value(&mut series.value, now),
                    })
                    .collect(),
            })
            .collect();
        Snapshot {
            families,
            ..Snapshot::default()
        }
    }
}

fn snapshot_value(value: &mut SeriesValue, now: i64) -> ValueSnapshot {
    match value {
        SeriesValue::Counter(v) => ValueSnapshot::Counter(*v),
        SeriesValue::Gauge(v) => ValueSnapshot::Gauge(*v),
        SeriesValue::Histogram {
            bounds,
            counts,
            sum,
            count,
        } => ValueSnapshot::Histogram {
            bounds: bounds.clone(),
            counts: counts.clone(),
            sum: *sum,
            count: *count,
        },
        SeriesValue::Summary {
            quantiles,
            sum,
            count,
            window,
        } => ValueSnapshot::Summary {
            values: window.quantiles(quantiles, now),
            quantiles: quantiles.clone(),
            sum: *sum,
            count: *count,
        },
    }
}
