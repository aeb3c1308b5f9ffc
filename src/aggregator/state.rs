//! One shard of the aggregate, behind its own lock (`mod.rs` keeps the shards): its tenants'
//! series by family, their series counts, the dedupe memory of their keys and the label sets
//! they share. What every shard shares (`Shared`) is outside the shard locks: the names live
//! families claim (its own lock, taken only when a family is new to a shard or leaves it), the
//! generation and the dedupe memory's total size (atomics).
//! Over 300 lines: every change to a shard, each small, next to the fields it keeps true.

use super::apply::{Applied, Reason, Rejection, Sample};
use super::dedupe::{BatchKey, Dedupe};
use super::groups::{Group, GroupKey};
use super::intern::LabelInterner;
use super::removals::{RemovalLog, RemovedShape};
use super::series::SeriesValue;
use crate::domain::{LabelSet, MetricKind, MetricSchema, NameClaims, UserId};
use crate::lock_wait::{self, Held, Site};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};

#[derive(Hash, PartialEq, Eq, Clone)]
pub(super) struct SeriesKey {
    pub(super) tenant: UserId,
    pub(super) labels: LabelSet,
}

pub(super) struct Series {
    pub(super) value: SeriesValue,
    pub(super) touched: i64,
    pub(super) declared: bool,
    /// the Pushgateway API group that owns it: only that group's pushes change it
    pub(super) group: Option<Arc<GroupKey>>,
}

pub(super) struct Family {
    pub(super) kind: MetricKind,
    pub(super) help: Option<String>,
    pub(super) series: HashMap<SeriesKey, Series>,
}

/// What the shards share.
#[derive(Default)]
pub(super) struct Shared {
    /// the names every shard's live families claim, one holder per shard that has the family
    pub(super) claims: Mutex<NameClaims>,
    /// counts changes: a sink whose last delivery has another generation is behind. Grown
    /// once per change, under the changed shard's lock, when the change is complete
    pub(super) generation: AtomicU64,
    /// batches every shard's dedupe remembers, for their common bound
    pub(super) remembered: AtomicUsize,
}

/// The live claims, locked the first time a change needs them and held until it is done, so
/// that judging a new name and claiming it are one step even across shards.
pub(super) struct Claims<'a> {
    mutex: &'a Mutex<NameClaims>,
    held: Option<Held<'a, NameClaims>>,
}

impl<'a> Claims<'a> {
    pub(super) fn new(mutex: &'a Mutex<NameClaims>) -> Self {
        Self { mutex, held: None }
    }

    pub(super) fn get(&mut self) -> &mut NameClaims {
        let mutex = self.mutex;
        self.held
            .get_or_insert_with(|| lock_wait::lock(Site::Claims, mutex))
    }
}

#[derive(Default)]
pub(super) struct State {
    pub(super) families: HashMap<String, Family>,
    pub(super) series_per_tenant: HashMap<UserId, usize>,
    /// something changed since the handle last grew the generation (`Aggregator::commit`)
    pub(super) dirty: bool,
    /// oldest `touched` at the last snapshot: a lower bound, to know when series will expire
    pub(super) earliest_touched: Option<i64>,
    pub(super) dedupe: Dedupe,
    pub(super) labels: LabelInterner,
    /// the tenants' Pushgateway API groups (`groups.rs`)
    pub(super) groups: HashMap<Arc<GroupKey>, Group>,
    /// series that left, for sinks that send staleness markers (`removals.rs`)
    pub(super) removals: RemovalLog,
}

/// Which series an upsert is about.
pub(super) struct Target<'a> {
    pub(super) tenant: UserId,
    pub(super) name: &'a str,
    pub(super) schema: &'a Arc<MetricSchema>,
    pub(super) declared: bool,
    pub(super) labels: &'a LabelSet,
}

impl State {
    /// Applies a batch, or repeats the first answer for a `batch_key` seen in the last 10 minutes.
    pub(super) fn apply_batch(
        &mut self,
        tenant: UserId,
        batch_key: Option<BatchKey>,
        total: usize,
        samples: &[Sample],
        mut rejections: Vec<Rejection>,
        context: Context<'_>,
    ) -> Applied {
        if let Some(key) = &batch_key
            && let Some(previous) = self.dedupe.get(key, &context.shared.remembered)
        {
            return Applied {
                duplicate: true,
                ..previous
            };
        }
        for sample in samples {
            if let Err(reason) = self.apply(tenant, sample, context) {
                rejections.push(Rejection {
                    index: sample.index,
                    metric: Some(sample.name.clone()),
                    reason,
                });
            }
        }
        rejections.sort_by_key(|r| r.index);
        let applied = Applied {
            total,
            rejections,
            duplicate: false,
        };
        if let Some(key) = batch_key {
            self.dedupe
                .insert(key, applied.clone(), &context.shared.remembered);
        }
        applied
    }

    fn apply(
        &mut self,
        tenant: UserId,
        sample: &Sample,
        context: Context<'_>,
    ) -> Result<(), Reason> {
        let target = Target {
            tenant,
            name: &sample.name,
            schema: &sample.schema,
            declared: sample.declared,
            labels: &sample.labels,
        };
        let now = context.now;
        self.upsert(
            &target,
            context,
            |value| {
                value.apply(sample.update, now);
                Ok(())
            },
            || {
                let mut value = SeriesValue::new(&sample.schema, now);
                value.apply(sample.update, now);
                value
            },
        )
    }

    /// Whether a family `name` of `kind` may take a new series: its type, and when the family
    /// is new to this shard, the names every live family and (unless it is that config) every
    /// config claims.
    pub(super) fn check_family(
        &self,
        name: &str,
        kind: MetricKind,
        declared: bool,
        context: Context<'_>,
        claims: &mut Claims<'_>,
    ) -> Result<(), Reason> {
        match self.families.get(name) {
            Some(family) if family.kind != kind => Err(Reason::KindConflict {
                existing: family.kind,
            }),
            Some(_) => Ok(()),
            None => judge_name(claims.get(), name, kind, declared, context.declared_claims),
        }
    }

    /// Changes one series that is not a group's (`change`), or creates it (`new`) within the
    /// tenant's series limit, and its family with it.
    pub(super) fn upsert(
        &mut self,
        target: &Target<'_>,
        context: Context<'_>,
        change: impl FnOnce(&mut SeriesValue) -> Result<(), Reason>,
        new: impl FnOnce() -> SeriesValue,
    ) -> Result<(), Reason> {
        let kind = target.schema.kind;
        let mut claims = Claims::new(&context.shared.claims);
        self.check_family(target.name, kind, target.declared, context, &mut claims)?;
        let mut key = SeriesKey {
            tenant: target.tenant,
            labels: target.labels.clone(),
        };
        // The common case, an existing series: two lookups, no allocation.
        if let Some(family) = self.families.get_mut(target.name)
            && let Some(series) = family.series.get_mut(&key)
        {
            if let Some(group) = &series.group {
                return Err(Reason::SeriesTaken {
                    group: Some(group.labels.clone()),
                });
            }
            change(&mut series.value)?;
            series.touched = context.now;
            if family.help.is_none() {
                family.help.clone_from(&target.schema.help);
            }
            self.dirty = true;
            return Ok(());
        }
        let count = self.series_per_tenant.entry(target.tenant).or_default();
        if *count >= context.max_series {
            return Err(Reason::SeriesLimit {
                active: *count,
                limit: context.max_series,
            });
        }
        *count += 1;
        key.labels = self.labels.intern(&key.labels);
        let series = Series {
            value: new(),
            touched: context.now,
            declared: target.declared,
            group: None,
        };
        self.family_mut(target.name, target.schema, &mut claims)
            .series
            .insert(key, series);
        self.dirty = true;
        Ok(())
    }

    /// The family `name`, created (and its names claimed) if it is new to this shard; its help
    /// is the first one any of its samples brings. The caller judged the name with `claims`.
    pub(super) fn family_mut(
        &mut self,
        name: &str,
        schema: &MetricSchema,
        claims: &mut Claims<'_>,
    ) -> &mut Family {
        if !self.families.contains_key(name) {
            claims.get().claim(name, schema.kind);
        }
        // a new family only: the name is copied once per family, not per sample
        let family = self
            .families
            .entry(name.to_owned())
            .or_insert_with(|| Family {
                kind: schema.kind,
                help: None,
                series: HashMap::new(),
            });
        if family.help.is_none() {
            family.help.clone_from(&schema.help);
        }
        family
    }

    pub(super) fn retain(
        &mut self,
        claims: &Mutex<NameClaims>,
        keep: impl Fn(&str, &SeriesKey, &Series) -> bool,
    ) {
        let mut emptied = Vec::new();
        let mut removed = false;
        for (name, family) in &mut self.families {
            let per_tenant = &mut self.series_per_tenant;
            let groups = &mut self.groups;
            let removals = &mut self.removals;
            let before = family.series.len();
            family.series.retain(|key, series| {
                let kept = keep(name, key, series);
                if !kept {
                    let shape = RemovedShape::of(&series.value);
                    removals.record(name, key.tenant, &key.labels, shape);
                    if let Some(n) = per_tenant.get_mut(&key.tenant) {
                        *n -= 1;
                    }
                    if let Some(group) = series.group.as_ref().and_then(|g| groups.get_mut(g)) {
                        group.forget(name, &key.labels);
                    }
                }
                kept
            });
            if family.series.len() != before {
                removed = true;
            }
            if family.series.is_empty() {
                emptied.push(name.clone());
            }
        }
        let mut claims = Claims::new(claims);
        for name in emptied {
            self.families.remove(&name);
            claims.get().release(&name);
        }
        self.series_per_tenant.retain(|_, n| *n > 0);
        if removed {
            self.dirty = true;
            self.labels.purge();
        }
    }

    pub(super) fn expire(&mut self, claims: &Mutex<NameClaims>, oldest_kept: i64) {
        self.retain(claims, |_, _, series| series.touched >= oldest_kept);
        // a group goes with its series: both were last touched by its last push
        self.retain_groups(|_, group| group.last_push >= oldest_kept);
    }
}

impl State {
    /// Keeps the groups `keep` says; each dropped group's push time series leaves too.
    pub(super) fn retain_groups(&mut self, keep: impl Fn(&GroupKey, &Group) -> bool) {
        let removals = &mut self.removals;
        let before = self.groups.len();
        self.groups.retain(|key, group| {
            let kept = keep(key, group);
            if !kept {
                let name = super::groups::GROUP_PUSH_TIME;
                removals.record(name, key.tenant, &key.labels, RemovedShape::Gauge);
            }
            kept
        });
        if self.groups.len() != before {
            self.dirty = true;
        }
    }
}

/// What an apply is judged against besides the state.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    pub(super) now: i64,
    pub(super) max_series: usize,
    /// names claimed by every tenant's configs
    pub(super) declared_claims: &'a NameClaims,
    pub(super) shared: &'a Shared,
}

/// Whether a family `name` of `kind`, new to a shard, may join the live families (`live`, the
/// names every shard's families claim) and the configs' names (`declared_claims`, unless the
/// sample is that config's). A family of that name in another shard decides as it would here.
pub(super) fn judge_name(
    live: &NameClaims,
    name: &str,
    kind: MetricKind,
    declared: bool,
    declared_claims: &NameClaims,
) -> Result<(), Reason> {
    if let Some((existing, _)) = live.holder(name) {
        return if existing == kind {
            Ok(())
        } else {
            Err(Reason::KindConflict { existing })
        };
    }
    let conflict = live.conflict(name, kind).or_else(|| {
        // Configs of other tenants count too, unless this sample is that config.
        if declared {
            None
        } else {
            declared_claims.conflict(name, kind)
        }
    });
    conflict.map_or(Ok(()), |c| Err(Reason::NameConflict(c)))
}
