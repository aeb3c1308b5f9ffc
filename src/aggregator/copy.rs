//! The state as a snapshot and back: what is checkpointed and handed to the sinks, and what a
//! restart restores. Each shard is copied on its own, straight into one snapshot where the
//! families of one name are merged (`Merged`); a restored snapshot is split by shard (`split`). Groups
//! travel as the positions of their series in the snapshot, and each group's last push time
//! goes out as one more gauge family, so every sink shows it.

use super::groups::{GROUP_PUSH_TIME, Group, GroupKey};
use super::series::SeriesValue;
use super::snapshot::{
    FamilySnapshot, GroupSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot, restore_pushed_value,
    restore_value, snapshot_value,
};
use super::state::{Family, Series, SeriesKey, State};
use crate::domain::{MetricKind, UserId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

const GROUP_PUSH_TIME_HELP: &str =
    "Unix time of the last push of each Pushgateway API group, by tenant and grouping key.";

/// A snapshot being made from the shards' copies (`State::snapshot_into`, one shard after the
/// other): families of one name merged into one, group members at their merged positions.
#[derive(Default)]
pub(super) struct Merged {
    families: Vec<FamilySnapshot>,
    by_name: HashMap<String, usize>,
    groups: Vec<GroupSnapshot>,
}

impl Merged {
    /// Room for `series` series of the family `name` (what the shards held a moment ago).
    pub(super) fn reserve(&mut self, name: &str, kind: MetricKind, series: usize) {
        let fi = self.family(name, kind, None);
        self.families[fi].series.reserve(series);
    }

    /// The merged family `name`'s index, made when it is new (the kind and help of the first
    /// shard holding it: every shard's family of one name has one kind).
    fn family(&mut self, name: &str, kind: MetricKind, help: Option<&String>) -> usize {
        let fi = match self.by_name.get(name) {
            Some(&fi) => fi,
            None => {
                self.by_name.insert(name.to_owned(), self.families.len());
                self.families.push(FamilySnapshot {
                    name: name.to_owned(),
                    kind,
                    help: None,
                    series: Vec::new(),
                });
                self.families.len() - 1
            }
        };
        if help.is_some() && self.families[fi].help.is_none() {
            self.families[fi].help = help.cloned();
        }
        fi
    }

    /// The snapshot, with each group's push time as one more family.
    pub(super) fn finish(mut self) -> Snapshot {
        // families only reserved for (their series left meanwhile) are not in the state
        self.families.retain(|f| !f.series.is_empty());
        if !self.groups.is_empty() {
            self.families.push(push_times(&self.groups));
        }
        Snapshot {
            families: self.families,
            groups: self.groups,
            ..Snapshot::default()
        }
    }
}

impl State {
    /// Copies this shard into `out` (under the shard's lock).
    pub(super) fn snapshot_into(&mut self, now: i64, out: &mut Merged) {
        let mut earliest: Option<i64> = None;
        let mut members: HashMap<&Arc<GroupKey>, Vec<(u32, u32)>> = HashMap::new();
        for (name, family) in &mut self.families {
            let fi = out.family(name, family.kind, family.help.as_ref());
            let merged = &mut out.families[fi];
            if merged.kind != family.kind {
                if !merged.series.is_empty() {
                    // The name left every shard copied before and came back here as another
                    // type, after the snapshot's generation was read (the claims keep one type
                    // per name at any moment): that change is the next snapshot's.
                    continue;
                }
                merged.kind = family.kind;
            }
            let series = &mut merged.series;
            series.reserve(family.series.len());
            for (key, s) in &mut family.series {
                if let Some(group) = &s.group {
                    members
                        .entry(group)
                        .or_default()
                        .push((fi as u32, series.len() as u32));
                }
                earliest = Some(earliest.map_or(s.touched, |e| e.min(s.touched)));
                series.push(SeriesSnapshot {
                    tenant: key.tenant,
                    labels: key.labels.clone(),
                    touched: s.touched,
                    declared: s.declared,
                    value: snapshot_value(&mut s.value, now),
                });
            }
        }
        self.earliest_touched = earliest;
        out.groups
            .extend(self.groups.iter().map(|(key, group)| GroupSnapshot {
                tenant: key.tenant,
                labels: key.labels.clone(),
                last_push: group.last_push,
                members: members.remove(key).unwrap_or_default(),
            }));
    }

    /// Replaces everything with this shard's part of a checkpoint (`split`), its families'
    /// names not claimed: the caller claims them again for every shard.
    pub(super) fn restore(&mut self, snapshot: Snapshot, now: i64, remembered: &AtomicUsize) {
        let removals = std::mem::take(&mut self.removals);
        self.dedupe.clear(remembered);
        *self = State::default();
        self.removals = removals;
        self.dirty = true;
        let mut owner: HashMap<(u32, u32), Arc<GroupKey>> = HashMap::new();
        for g in snapshot.groups {
            let key = Arc::new(GroupKey {
                tenant: g.tenant,
                labels: g.labels,
            });
            for member in g.members {
                owner.insert(member, key.clone());
            }
            self.groups.insert(key, Group::pushed_at(g.last_push));
        }
        for (fi, family) in snapshot.families.into_iter().enumerate() {
            if family.name == GROUP_PUSH_TIME {
                continue; // made again from the groups at every snapshot
            }
            let mut series = HashMap::with_capacity(family.series.len());
            for (si, s) in family.series.into_iter().enumerate() {
                *self.series_per_tenant.entry(s.tenant).or_default() += 1;
                let labels = self.labels.intern(&s.labels);
                let group = owner.remove(&(fi as u32, si as u32));
                let value: SeriesValue = match &group {
                    Some(key) => {
                        if let Some(g) = self.groups.get_mut(key) {
                            g.remember(&family.name, &labels);
                        }
                        restore_pushed_value(s.value, now)
                    }
                    None => restore_value(s.value, now),
                };
                series.insert(
                    SeriesKey {
                        tenant: s.tenant,
                        labels,
                    },
                    Series {
                        value,
                        touched: s.touched,
                        declared: s.declared,
                        group,
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
        self.earliest_touched = self
            .families
            .values()
            .flat_map(|f| f.series.values())
            .map(|s| s.touched)
            .min();
    }
}

/// A snapshot (a checkpoint) split into one per shard, `shard_of` a tenant's; the push time
/// family is left out (made again from the groups).
pub(super) fn split(
    snapshot: Snapshot,
    shards: usize,
    shard_of: impl Fn(UserId) -> usize,
) -> Vec<Snapshot> {
    let mut parts: Vec<Snapshot> = (0..shards).map(|_| Snapshot::default()).collect();
    // (family, series) in the snapshot -> (shard, family, series) in the parts
    let mut moved: HashMap<(u32, u32), (usize, u32, u32)> = HashMap::new();
    let grouped: std::collections::HashSet<(u32, u32)> = snapshot
        .groups
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    for (fi, family) in snapshot.families.into_iter().enumerate() {
        if family.name == GROUP_PUSH_TIME {
            continue;
        }
        // this family's index in each part, once it has a series there
        let mut index: Vec<Option<u32>> = vec![None; shards];
        for (si, s) in family.series.into_iter().enumerate() {
            let shard = shard_of(s.tenant);
            let part = &mut parts[shard];
            let pfi = *index[shard].get_or_insert_with(|| {
                part.families.push(FamilySnapshot {
                    name: family.name.clone(),
                    kind: family.kind,
                    help: family.help.clone(),
                    series: Vec::new(),
                });
                (part.families.len() - 1) as u32
            });
            let series = &mut part.families[pfi as usize].series;
            if grouped.contains(&(fi as u32, si as u32)) {
                moved.insert((fi as u32, si as u32), (shard, pfi, series.len() as u32));
            }
            series.push(s);
        }
    }
    for mut group in snapshot.groups {
        let shard = shard_of(group.tenant);
        // a member is its group's tenant's series, so in the same shard
        group.members = group
            .members
            .iter()
            .filter_map(|m| moved.get(m))
            .filter(|(s, _, _)| *s == shard)
            .map(|&(_, fi, si)| (fi, si))
            .collect();
        parts[shard].groups.push(group);
    }
    parts
}

/// `pushgate_group_push_time_seconds{tenant, <grouping key>}`: each group's last push. Not
/// `push_time_seconds`, which the Pushgateway itself sets on pushgate's own group (and refuses
/// in a push); the `pushgate_` prefix is reserved, so no tenant can claim the name.
fn push_times(groups: &[GroupSnapshot]) -> FamilySnapshot {
    FamilySnapshot {
        name: GROUP_PUSH_TIME.to_owned(),
        kind: MetricKind::Gauge,
        help: Some(GROUP_PUSH_TIME_HELP.to_owned()),
        series: groups
            .iter()
            .map(|g| SeriesSnapshot {
                tenant: g.tenant,
                labels: g.labels.clone(),
                touched: g.last_push,
                declared: false,
                value: ValueSnapshot::Gauge(g.last_push as f64),
            })
            .collect(),
    }
}
