//! The Pushgateway API's groups: per tenant and grouping key, the series one job pushed with
//! their current values. `PUT` replaces the group, `POST` the families it names, `DELETE`
//! drops it. A push is judged whole against the state before anything changes, so a refused
//! push changes nothing, as in the Pushgateway.

use super::apply::Reason;
use super::pushed::GroupFamily;
use super::removals::RemovedShape;
use super::series::SeriesValue;
use super::state::{Claims, Context, Series, SeriesKey, State};
use crate::domain::{LabelSet, NameClaims, UserId};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Each group's last push time, as a gauge of pushgate's own (see `copy.rs`).
pub const GROUP_PUSH_TIME: &str = "pushgate_group_push_time_seconds";

#[derive(Hash, PartialEq, Eq, Clone, Debug)]
pub(super) struct GroupKey {
    pub(super) tenant: UserId,
    pub(super) labels: LabelSet,
}

#[derive(Default)]
pub(super) struct Group {
    pub(super) last_push: i64,
    /// family name -> the label sets of the group's series in it
    members: HashMap<String, HashSet<LabelSet>>,
}

impl Group {
    pub(super) fn pushed_at(last_push: i64) -> Self {
        Self {
            last_push,
            members: HashMap::new(),
        }
    }

    pub(super) fn remember(&mut self, family: &str, labels: &LabelSet) {
        self.members
            .entry(family.to_owned())
            .or_default()
            .insert(labels.clone());
    }

    pub(super) fn forget(&mut self, family: &str, labels: &LabelSet) {
        if let Some(set) = self.members.get_mut(family) {
            set.remove(labels);
            if set.is_empty() {
                self.members.remove(family);
            }
        }
    }

    fn series(&self) -> usize {
        self.members.values().map(HashSet::len).sum()
    }
}

/// `PUT` or `POST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupMode {
    /// the group becomes exactly the pushed families
    Replace,
    /// the pushed families replace theirs; the group's other families stay
    Merge,
}

/// A group push that was refused, and the family that refused it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRefusal {
    pub family: String,
    pub reason: Reason,
}

/// One group as the dashboard lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfo {
    pub labels: LabelSet,
    pub last_push: i64,
    pub series: usize,
}

impl State {
    pub(super) fn push_group(
        &mut self,
        tenant: UserId,
        labels: LabelSet,
        mode: GroupMode,
        families: &[GroupFamily],
        context: Context<'_>,
    ) -> Result<usize, GroupRefusal> {
        let key = GroupKey { tenant, labels };
        let pushed: HashSet<&str> = families.iter().map(|f| f.name.as_str()).collect();
        // the group's series this push takes away
        let replaced: Vec<(String, Vec<LabelSet>)> = self
            .groups
            .get(&key)
            .map(|g| {
                g.members
                    .iter()
                    .filter(|(name, _)| {
                        mode == GroupMode::Replace || pushed.contains(name.as_str())
                    })
                    .map(|(name, set)| (name.clone(), set.iter().cloned().collect()))
                    .collect()
            })
            .unwrap_or_default();
        // held from the judgement to the last claim, when the push needs the live claims
        let mut claims = Claims::new(&context.shared.claims);
        self.judge_group(&key, families, &replaced, context, &mut claims)?;

        for (name, labels) in &replaced {
            for l in labels {
                self.remove_series(name, tenant, l, &mut claims);
            }
        }
        let key = match self.groups.get_key_value(&key) {
            Some((shared, _)) => shared.clone(),
            None => Arc::new(key),
        };
        let mut group = self.groups.remove(&key).unwrap_or_default();
        for (name, _) in &replaced {
            group.members.remove(name);
        }
        let mut added = 0;
        for f in families {
            self.family_mut(&f.name, &f.schema, &mut claims);
            let (families_by_name, interner) = (&mut self.families, &mut self.labels);
            let Some(family) = families_by_name.get_mut(&f.name) else {
                continue;
            };
            for (labels, value) in &f.series {
                let labels = interner.intern(labels);
                group.remember(&f.name, &labels);
                let series = Series {
                    value: SeriesValue::from_current(value),
                    touched: context.now,
                    declared: f.declared,
                    group: Some(key.clone()),
                };
                family.series.insert(SeriesKey { tenant, labels }, series);
                added += 1;
            }
        }
        *self.series_per_tenant.entry(tenant).or_default() += added;
        // the group is alive: its other families are as fresh as its last push
        for (name, sets) in &group.members {
            if let Some(family) = self.families.get_mut(name) {
                for labels in sets {
                    if let Some(series) = family.series.get_mut(&SeriesKey {
                        tenant,
                        labels: labels.clone(),
                    }) {
                        series.touched = context.now;
                    }
                }
            }
        }
        group.last_push = context.now;
        let total = group.series();
        self.groups.insert(key, group);
        self.series_per_tenant.retain(|_, n| *n > 0);
        self.labels.purge();
        self.dirty = true;
        Ok(total)
    }

    /// Drops a group and its series; whether it existed.
    pub(super) fn delete_group(
        &mut self,
        tenant: UserId,
        labels: LabelSet,
        claims: &Mutex<NameClaims>,
    ) -> bool {
        let key = GroupKey { tenant, labels };
        let Some(group) = self.groups.remove(&key) else {
            return false;
        };
        self.removals
            .record(GROUP_PUSH_TIME, tenant, &key.labels, RemovedShape::Gauge);
        let mut claims = Claims::new(claims);
        for (name, sets) in &group.members {
            for l in sets {
                self.remove_series(name, tenant, l, &mut claims);
            }
        }
        self.series_per_tenant.retain(|_, n| *n > 0);
        self.labels.purge();
        self.dirty = true;
        true
    }

    pub(super) fn tenant_groups(&self, tenant: UserId) -> Vec<GroupInfo> {
        let mut groups: Vec<GroupInfo> = self
            .groups
            .iter()
            .filter(|(key, _)| key.tenant == tenant)
            .map(|(key, group)| GroupInfo {
                labels: key.labels.clone(),
                last_push: group.last_push,
                series: group.series(),
            })
            .collect();
        groups.sort_by(|a, b| a.labels.cmp(&b.labels));
        groups
    }
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
