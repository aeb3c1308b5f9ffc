//! The checkpoint's stored form. Tenant ids, label sets and bucket/quantile lists repeat across
//! series, so they are written once in tables and each series refers to them by index: at a
//! million series the first format (one JSON object per series, every id, label and bound
//! spelled out) was ~6x larger, took seconds to write and left hundreds of MB behind in the
//! allocator and the database connection's buffers (docs/performance.md). Still JSON (serde,
//! no hand-written parser), versioned; checkpoints in the first format are still read.

use crate::aggregator::snapshot::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use crate::domain::{LabelSet, MetricKind, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Compact {
    v: u32,
    tenants: Vec<UserId>,
    labels: Vec<LabelSet>,
    /// histogram bounds and summary quantiles
    lists: Vec<Arc<[f64]>>,
    families: Vec<Family>,
}

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
                            sum,
                            count,
                            ..
                        } => Value::S(list_id(quantiles), *sum, *count),
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
    serde_json::to_vec(&Compact {
        v: VERSION,
        tenants: tenants.values,
        labels: labels.values,
        lists: list_values,
        families,
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
    let mut families = Vec::with_capacity(c.families.len());
    for f in c.families {
        let mut series = Vec::with_capacity(f.series.len());
        for Series(tenant, labels, touched, declared, value) in f.series {
            series.push(SeriesSnapshot {
                tenant: *c
                    .tenants
                    .get(tenant as usize)
                    .ok_or_else(|| bad("tenant index"))?,
                labels: c
                    .labels
                    .get(labels as usize)
                    .cloned()
                    .ok_or_else(|| bad("label set index"))?,
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
    Ok(Snapshot {
        families,
        ..Snapshot::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        let (a, b) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let labels: LabelSet = vec![("path".into(), "/\"q\"\n".into())].into();
        let histogram = ValueSnapshot::Histogram {
            bounds: vec![0.5, 1.0].into(),
            counts: vec![1, 2].into(),
            sum: 2.5,
            count: 3,
        };
        let series = |tenant, value| SeriesSnapshot {
            tenant,
            labels: labels.clone(),
            touched: 1_700_000_000,
            declared: tenant == a,
            value,
        };
        Snapshot {
            families: vec![
                FamilySnapshot {
                    name: "views_total".into(),
                    kind: MetricKind::Counter,
                    help: Some("Views.".into()),
                    series: vec![
                        series(a, ValueSnapshot::Counter(3.0)),
                        series(b, ValueSnapshot::Counter(0.1)),
                    ],
                },
                FamilySnapshot {
                    name: "load_seconds".into(),
                    kind: MetricKind::Histogram,
                    help: None,
                    series: [a, b].map(|t| series(t, histogram.clone())).into(),
                },
                FamilySnapshot {
                    name: "rtt".into(),
                    kind: MetricKind::Summary,
                    help: None,
                    series: vec![series(
                        b,
                        ValueSnapshot::Summary {
                            quantiles: vec![0.5, 0.99].into(),
                            values: vec![],
                            sum: 1.0,
                            count: 2,
                        },
                    )],
                },
            ],
            ..Snapshot::default()
        }
    }

    fn as_json(s: &Snapshot) -> serde_json::Value {
        serde_json::to_value(s).unwrap()
    }

    #[test]
    fn round_trip_keeps_every_series_and_shares_tables() {
        let s = snapshot();
        let bytes = encode(&s).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(as_json(&back), as_json(&s));
        let c: Compact = serde_json::from_slice(&bytes).unwrap();
        assert_eq!((c.tenants.len(), c.labels.len(), c.lists.len()), (2, 1, 2));
        let first = &back.families[0].series;
        assert!(Arc::ptr_eq(&first[0].labels, &first[1].labels));
    }

    #[test]
    fn checkpoints_in_the_first_format_are_still_read() {
        let s = snapshot();
        let old = serde_json::to_vec(&s).unwrap();
        assert_eq!(as_json(&decode(&old).unwrap()), as_json(&s));
        assert!(encode(&s).unwrap().len() < old.len());
    }

    #[test]
    fn broken_indexes_are_errors_not_panics() {
        let mut c: serde_json::Value =
            serde_json::from_slice(&encode(&snapshot()).unwrap()).unwrap();
        c["families"][0]["series"][0][0] = 99.into();
        assert!(decode(&serde_json::to_vec(&c).unwrap()).is_err());
        let mut c: serde_json::Value =
            serde_json::from_slice(&encode(&snapshot()).unwrap()).unwrap();
        c["families"][1]["series"][0][4]["H"][1] = serde_json::json!([1]);
        assert!(decode(&serde_json::to_vec(&c).unwrap()).is_err());
    }
}
