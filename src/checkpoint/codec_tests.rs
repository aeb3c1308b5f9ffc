//! The compact form keeps every series, shares its tables, reads the older forms and refuses
//! broken indexes.

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
    let mut c: serde_json::Value = serde_json::from_slice(&encode(&snapshot()).unwrap()).unwrap();
    c["families"][0]["series"][0][0] = 99.into();
    assert!(decode(&serde_json::to_vec(&c).unwrap()).is_err());
    let mut c: serde_json::Value = serde_json::from_slice(&encode(&snapshot()).unwrap()).unwrap();
    c["families"][1]["series"][0][4]["H"][1] = serde_json::json!([1]);
    assert!(decode(&serde_json::to_vec(&c).unwrap()).is_err());
}
