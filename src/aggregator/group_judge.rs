//! A group push judged whole, under the lock and before anything changes: the families'
//! types and names against every live family and config, the series a group does not own,
//! and the tenant's series limit less what the push replaces.

use super::apply::Reason;
use super::groups::{GroupKey, GroupRefusal};
use super::pushed::GroupFamily;
use super::removals::RemovedShape;
use super::state::{Claims, Context, SeriesKey, State, judge_name};
use crate::domain::{LabelSet, NameClaims, UserId};

impl State {
    /// Everything that could refuse the push, judged before anything changes.
    pub(super) fn judge_group(
        &self,
        key: &GroupKey,
        families: &[GroupFamily],
        replaced: &[(String, Vec<LabelSet>)],
        context: Context<'_>,
        claims: &mut Claims<'_>,
    ) -> Result<(), GroupRefusal> {
        let refuse = |family: &str, reason| GroupRefusal {
            family: family.to_owned(),
            reason,
        };
        let replaced_in = |name: &str| {
            replaced
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&[][..], |(_, l)| l.as_slice())
        };
        // families this push empties in this shard: their type and names are free for it,
        // unless another shard holds the family too
        let emptied: Vec<&str> = replaced
            .iter()
            .filter(|(name, labels)| {
                self.families
                    .get(name)
                    .is_some_and(|f| f.series.len() == labels.len())
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let mut freed: Option<NameClaims> = None;
        for f in families {
            let kind = f.schema.kind;
            let existing = self.families.get(&f.name);
            let family_stays = existing.is_some() && !emptied.contains(&f.name.as_str());
            if family_stays {
                self.check_family(&f.name, kind, f.declared, context, claims)
                    .map_err(|r| refuse(&f.name, r))?;
            } else {
                let live = claims.get();
                let live = if emptied.is_empty() {
                    &*live
                } else {
                    freed.get_or_insert_with(|| {
                        let mut freed = live.clone();
                        for name in &emptied {
                            freed.release(name);
                        }
                        freed
                    })
                };
                judge_name(live, &f.name, kind, f.declared, context.declared_claims)
                    .map_err(|r| refuse(&f.name, r))?;
            }
            let Some(family) = existing else { continue };
            let mine = replaced_in(&f.name);
            for (labels, _) in &f.series {
                let series_key = SeriesKey {
                    tenant: key.tenant,
                    labels: labels.clone(),
                };
                if let Some(series) = family.series.get(&series_key)
                    && !mine.contains(labels)
                {
                    return Err(refuse(
                        &f.name,
                        Reason::SeriesTaken {
                            group: series.group.as_ref().map(|g| g.labels.clone()),
                        },
                    ));
                }
            }
        }
        let active = self
            .series_per_tenant
            .get(&key.tenant)
            .copied()
            .unwrap_or(0);
        let removed: usize = replaced.iter().map(|(_, l)| l.len()).sum();
        let added: usize = families.iter().map(|f| f.series.len()).sum();
        let after = active.saturating_sub(removed) + added;
        if after > context.max_series && added > removed {
            let family = families.first().map_or("", |f| f.name.as_str());
            return Err(refuse(
                family,
                Reason::SeriesLimit {
                    active,
                    limit: context.max_series,
                },
            ));
        }
        Ok(())
    }

    /// Drops one series with its accounting; its family goes when it was the last.
    pub(super) fn remove_series(
        &mut self,
        name: &str,
        tenant: UserId,
        labels: &LabelSet,
        claims: &mut Claims<'_>,
    ) {
        let Some(family) = self.families.get_mut(name) else {
            return;
        };
        let key = SeriesKey {
            tenant,
            labels: labels.clone(),
        };
        if let Some(series) = family.series.remove(&key) {
            // the caller marks the change when it is done
            let shape = RemovedShape::of(&series.value);
            self.removals.record(name, tenant, labels, shape);
            if let Some(n) = self.series_per_tenant.get_mut(&tenant) {
                *n -= 1;
            }
        }
        if family.series.is_empty() {
            self.families.remove(name);
            claims.get().release(name);
        }
    }
}
