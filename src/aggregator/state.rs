//! The aggregate itself, behind the handle's lock: every tenant's series by family, the names
//! live families claim, the per-tenant series counts, the dedupe memory and the shared label
//! sets. Everything here runs under that one lock, briefly.

use super::apply::{Applied, Reason, Rejection, Sample};
use super::dedupe::{BatchKey, Dedupe};
use super::intern::LabelInterner;
use super::series::SeriesValue;
use super::snapshot::{FamilySnapshot, SeriesSnapshot, Snapshot, restore_value, snapshot_value};
use crate::domain::{LabelSet, MetricKind, NameClaims, UserId};
use std::collections::HashMap;

#[derive(Hash, PartialEq, Eq, Clone)]
pub(super) struct SeriesKey {
    pub(super) tenant: UserId,
    pub(super) labels: LabelSet,
}

pub(super) struct Series {
    pub(super) value: SeriesValue,
    pub(super) touched: i64,
    pub(super) declared: bool,
}

pub(super) struct Family {
    pub(super) kind: MetricKind,
    pub(super) help: Option<String>,
    pub(super) series: HashMap<SeriesKey, Series>,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) families: HashMap<String, Family>,
    pub(super) claims: NameClaims,
    pub(super) series_per_tenant: HashMap<UserId, usize>,
    /// counts changes: a sink whose last delivery has another generation is behind
    pub(super) generation: u64,
    /// oldest `touched` at the last snapshot: a lower bound, to know when series will expire
    pub(super) earliest_touched: Option<i64>,
    dedupe: Dedupe,
    pub(super) labels: LabelInterner,
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
            && let Some(previous) = self.dedupe.get(key)
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
            self.dedupe.insert(key, applied.clone());
        }
        applied
    }

    fn apply(
        &mut self,
        tenant: UserId,
        sample: &Sample,
        context: Context<'_>,
    ) -> Result<(), Reason> {
        let kind = sample.schema.kind;
        match self.families.get(&sample.name) {
            Some(family) if family.kind != kind => {
                return Err(Reason::KindConflict {
                    existing: family.kind,
                });
            }
            Some(_) => {}
            None => {
                let conflict = self.claims.conflict(&sample.name, kind).or_else(|| {
                    // Configs of other tenants count too, unless this sample is that config.
                    if sample.declared {
                        None
                    } else {
                        context.declared_claims.conflict(&sample.name, kind)
                    }
                });
                if let Some(conflict) = conflict {
                    return Err(Reason::NameConflict(conflict));
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
            series.value.apply(sample.update, context.now);
            series.touched = context.now;
            if family.help.is_none() {
                family.help.clone_from(&sample.schema.help);
            }
            self.generation += 1;
            return Ok(());
        }
        let count = self.series_per_tenant.entry(tenant).or_default();
        if *count >= context.max_series {
            return Err(Reason::SeriesLimit {
                active: *count,
                limit: context.max_series,
            });
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
        let mut value = SeriesValue::new(&sample.schema, context.now);
        value.apply(sample.update, context.now);
        family.series.insert(
            key,
            Series {
                value,
                touched: context.now,
                declared: sample.declared,
            },
        );
        self.generation += 1;
        Ok(())
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&str, &SeriesKey, &Series) -> bool) {
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

    pub(super) fn expire(&mut self, oldest_kept: i64) {
        self.retain(|_, _, series| series.touched >= oldest_kept);
    }

    pub(super) fn snapshot(&mut self, now: i64) -> Snapshot {
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
            generation: self.generation,
            ..Snapshot::default()
        }
    }

    /// Replaces everything with a checkpoint's content (the generation still grows).
    pub(super) fn restore(&mut self, snapshot: Snapshot, now: i64) {
        let generation = self.generation;
        *self = State::default();
        for family in snapshot.families {
            self.claims.claim(&family.name, family.kind);
            let mut series = HashMap::with_capacity(family.series.len());
            for s in family.series {
                *self.series_per_tenant.entry(s.tenant).or_default() += 1;
                let labels = self.labels.intern(&s.labels);
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
            self.families.insert(
                family.name,
                Family {
                    kind: family.kind,
                    help: family.help,
                    series,
                },
            );
        }
        self.generation = generation + 1;
    }
}

/// What an apply is judged against besides the state.
#[derive(Clone, Copy)]
pub(super) struct Context<'a> {
    pub(super) now: i64,
    pub(super) max_series: usize,
    /// names claimed by every tenant's configs
    pub(super) declared_claims: &'a NameClaims,
}
