//! The checkpoint's stored form. Tenant ids, label sets and bucket/quantile lists repeat across
//! series, so they are written once in tables and each series refers to them by index: at a
//! million series the first format (one JSON object per series, every id, label and bound
//! spelled out) was ~6x larger, took seconds to write and left hundreds of MB behind in the
//! allocator and the database connection's buffers (docs/performance.md). Still JSON (serde,
//! no hand-written parser), versioned; checkpoints of every earlier format are still read.
//! Version 3 adds the Pushgateway API groups and the quantile values of pushed summaries.

use crate::aggregator::GROUP_PUSH_TIME;
use crate::aggregator::snapshot::{
    FamilySnapshot, GroupSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};
use crate::domain::{LabelSet, MetricKind, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

const VERSION: u32 = 3;

#[derive(Serialize, Deserialize)]
struct Compact {
    v: u32,
    tenants: Vec<UserId>,
    labels: Vec<LabelSet>,
    /// histogram bounds and summary quantiles
    lists: Vec<Arc<[f64]>>,
    families: Vec<Family>,
    #[serde(default)]
    groups: Vec<Group>,
}

/// `[tenant index, label set index, last push, [(family, series) position…]]`
#[derive(Serialize, Deserialize)]
struct Group(u32, u32, i64, Vec<(u32, u32)>);

#[derive(Serialize, Deserialize)]
struct Family {
    name: String,
    kind: MetricKind,
    help: Option<String>,
    series: Vec<Series>,
}

/// `[tenant index, label set index, touched, declared, value]`
#[derive(Serialize, Deserialize)]
struct Series(u32, u32, i64, bool, Value);

#[derive(Serialize, Deserialize)]
enum Value {
    C(f64),
    G(f64),
    /// bounds index, non-cumulative counts, sum, count
    H(u32, Box<[u64]>, f64, u64),
    /// quantiles index, sum, count (the window is not stored: it restarts)
    S(u32, f64, u64),
    /// quantiles index, their values (`null` for NaN, which JSON cannot write), sum, count:
    /// a summary whose client computed its quantiles
    Q(u32, Box<[Option<f64>]>, f64, u64),
}

/// Numbers distinct values in first-seen order.
struct Table<K> {
    index: HashMap<K, u32>,
    values: Vec<K>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new() -> Self {
        Self {
            index: HashMap::new(),
            values: Vec::new(),
        }
    }

    fn id(&mut self, key: &K) -> u32 {
        if let Some(i) = self.index.get(key) {
            return *i;
        }
        let i = self.values.len() as u32;
        self.index.insert(key.clone(), i);
        self.values.push(key.clone());
        i
    }
}

/// `f64` lists compared by their bits (bounds are finite, so this is plain equality).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Bits(Vec<u64>);

pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
    let mut tenants = Table::new();
    let mut labels = Table::new();
    let mut lists: Table<Bits> = Table::new();
    let mut list_values: Vec<Arc<[f64]>> = Vec::new();
    let mut list_id = |list: &Arc<[f64]>| {
        let id = lists.id(&Bits(list.iter().map(|x| x.to_bits()).collect()));
        if id as usize == list_values.len() {
            list_values.push(list.clone());
        }
        id
    };
    let families = snapshot
        .families
        .iter()
        // made again from the groups at every snapshot: not worth storing
        .filter(|f| f.name != GROUP_PUSH_TIME)
        .map(|f| Family {
            name: f.name.clone(),
            kind: f.kind,
            help: f.help.clone(),
            series: f
                .series
                .iter()
                .map(|s| {
                    let value = match &s.value {
                        ValueSnapshot::Counter(v) => Value::C(*v),
                        ValueSnapshot::Gauge(v) => Value::G(*v),
                        ValueSnapshot::Histogram {
                            bounds,
                            counts,
                            sum,
                            count,
                        } => Value::H(list_id(bounds), counts.clone(), *sum, *count),
                        ValueSnapshot::Summary {
                            quantiles,
                            values,
                            sum,
                            count,
                        } if values.is_empty() => Value::S(list_id(quantiles), *sum, *count),
                        ValueSnapshot::Summary {
                            quantiles,
                            values,
                            sum,
                            count,
                        } => Value::Q(
                            list_id(quantiles),
                            values
                                .iter()
                                .map(|v| Some(*v).filter(|v| !v.is_nan()))
                                .collect(),
                            *sum,
                            *count,
                        ),
                    };
                    Series(
                        tenants.id(&s.tenant),
                        labels.id(&s.labels),
                        s.touched,
                        s.declared,
                        value,
                    )
                })
                .collect(),
        })
        .collect();
    let groups = snapshot
        .groups
        .iter()
        .map(|g| {
            Group(
                tenants.id(&g.tenant),
                labels.id(&g.labels),
                g.last_push,
                g.members.clone(),
            )
        })
        .collect();
    serde_json::to_vec(&Compact {
        v: VERSION,
        tenants: tenants.values,
        labels: labels.values,
        lists: list_values,
        families,
        groups,
    })
}

pub fn decode(bytes: &[u8]) -> Result<Snapshot, serde_json::Error> {
    #[derive(Deserialize)]
    struct Version {
        v: Option<u32>,
    }
    if serde_json::from_slice::<Version>(bytes)?.v.is_none() {
        return serde_json::from_slice(bytes); // the first format: a Snapshot as it is
    }
    let c: Compact = serde_json::from_slice(bytes)?;
    let bad = |what: &str| <serde_json::Error as serde::de::Error>::custom(what);
    let list = |i: u32| {
        c.lists
            .get(i as usize)
            .cloned()
            .ok_or_else(|| bad("list index"))
    };
    let tenant_at = |i: u32| {
        c.tenants
            .get(i as usize)
            .copied()
            .ok_or_else(|| bad("tenant index"))
    };
    let labels_at = |i: u32| {
        c.labels
            .get(i as usize)
            .cloned()
            .ok_or_else(|| bad("label set index"))
    };
    let mut families = Vec::with_capacity(c.families.len());
    for f in c.families {
        let mut series = Vec::with_capacity(f.series.len());
        for Series(tenant, labels, touched, declared, value) in f.series {
            series.push(SeriesSnapshot {
                tenant: tenant_at(tenant)?,
                labels: labels_at(labels)?,
                touched,
                declared,
                value: match value {
                    Value::C(v) => ValueSnapshot::Counter(v),
                    Value::G(v) => ValueSnapshot::Gauge(v),
                    Value::H(b, counts, sum, count) => {
                        let bounds = list(b)?;
                        if counts.len() != bounds.len() {
                            return Err(bad("histogram counts do not match its bounds"));
                        }
                        ValueSnapshot::Histogram {
                            bounds,
                            counts,
                            sum,
                            count,
                        }
                    }
                    Value::S(q, sum, count) => ValueSnapshot::Summary {
                        quantiles: list(q)?,
                        values: Vec::new(),
                        sum,
                        count,
                    },
                    Value::Q(q, values, sum, count) => {
                        let quantiles = list(q)?;
                        if values.len() != quantiles.len() {
                            return Err(bad("summary values do not match its quantiles"));
                        }
                        ValueSnapshot::Summary {
                            quantiles,
                            values: values.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                            sum,
                            count,
                        }
                    }
                },
            });
        }
        families.push(FamilySnapshot {
            name: f.name,
            kind: f.kind,
            help: f.help,
            series,
        });
    }
    let mut groups = Vec::with_capacity(c.groups.len());
    for Group(tenant, labels, last_push, members) in c.groups {
        groups.push(GroupSnapshot {
            tenant: tenant_at(tenant)?,
            labels: labels_at(labels)?,
            last_push,
            members,
        });
    }
    Ok(Snapshot {
        families,
        groups,
        ..Snapshot::default()
    })
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "codec_groups_tests.rs"]
mod group_tests;
