//! The state as a snapshot and back: what is checkpointed and handed to the sinks, and what a
//! restart restores. Groups travel as the positions of their series in the snapshot, and each
//! group's last push time goes out as one more gauge family, so every sink shows it.

use super::groups::{GROUP_PUSH_TIME, Group, GroupKey};
use super::series::SeriesValue;
use super::snapshot::{
    FamilySnapshot, GroupSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot, restore_pushed_value,
    restore_value, snapshot_value,
};
use super::state::{Family, Series, SeriesKey, State};
use crate::domain::MetricKind;
use std::collections::HashMap;
use std::sync::Arc;

const GROUP_PUSH_TIME_HELP: &str =
    "Unix time of the last push of each Pushgateway API group, by tenant and grouping key.";

impl State {
    pub(super) fn snapshot(&mut self, now: i64) -> Snapshot {
        self.earliest_touched = self
            .families
            .values()
            .flat_map(|f| f.series.values())
            .map(|s| s.touched)
            .min();
        let mut members: HashMap<&Arc<GroupKey>, Vec<(u32, u32)>> = HashMap::new();
        let mut families = Vec::with_capacity(self.families.len() + 1);
        for (fi, (name, family)) in self.families.iter_mut().enumerate() {
            let mut series = Vec::with_capacity(family.series.len());
            for (si, (key, s)) in family.series.iter_mut().enumerate() {
                if let Some(group) = &s.group {
                    members
                        .entry(group)
                        .or_default()
                        .push((fi as u32, si as u32));
                }
                series.push(SeriesSnapshot {
                    tenant: key.tenant,
                    labels: key.labels.clone(),
                    touched: s.touched,
                    declared: s.declared,
                    value: snapshot_value(&mut s.value, now),
                });
            }
            families.push(FamilySnapshot {
                name: name.clone(),
                kind: family.kind,
                help: family.help.clone(),
                series,
            });
        }
        let groups: Vec<GroupSnapshot> = self
            .groups
            .iter()
            .map(|(key, group)| GroupSnapshot {
                tenant: key.tenant,
                labels: key.labels.clone(),
                last_push: group.last_push,
                members: members.remove(key).unwrap_or_default(),
            })
            .collect();
        if !groups.is_empty() {
            families.push(push_times(&groups));
        }
        Snapshot {
            families,
            groups,
            generation: self.generation,
            ..Snapshot::default()
        }
    }

    /// Replaces everything with a checkpoint's content (the generation still grows).
    pub(super) fn restore(&mut self, snapshot: Snapshot, now: i64) {
        let generation = self.generation;
        let removals = std::mem::take(&mut self.removals);
        *self = State::default();
        self.removals = removals;
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
            self.claims.claim(&family.name, family.kind);
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
        self.generation = generation + 1;
    }
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
