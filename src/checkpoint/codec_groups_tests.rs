//! Version 3: groups and the quantile values of pushed summaries survive a checkpoint.

use super::{decode, encode};
use crate::aggregator::GROUP_PUSH_TIME;
use crate::aggregator::snapshot::{
    FamilySnapshot, GroupSnapshot, SeriesSnapshot, Snapshot, ValueSnapshot,
};
use crate::domain::{LabelSet, MetricKind, UserId};

#[test]
fn groups_and_pushed_summaries_round_trip() {
    let tenant = UserId(uuid::Uuid::from_u128(3));
    let labels: LabelSet = vec![("exported_job".into(), "nightly".into())].into();
    let series = |value| SeriesSnapshot {
        tenant,
        labels: labels.clone(),
        touched: 1_700_000_000,
        declared: false,
        value,
    };
    let snapshot = Snapshot {
        families: vec![
            FamilySnapshot {
                name: "rtt".into(),
                kind: MetricKind::Summary,
                help: None,
                series: vec![series(ValueSnapshot::Summary {
                    quantiles: vec![0.5, 0.9].into(),
                    values: vec![f64::NAN, 2.0],
                    sum: 3.0,
                    count: 2,
                })],
            },
            FamilySnapshot {
                name: GROUP_PUSH_TIME.into(),
                kind: MetricKind::Gauge,
                help: None,
                series: vec![series(ValueSnapshot::Gauge(1.7e9))],
            },
        ],
        groups: vec![GroupSnapshot {
            tenant,
            labels: labels.clone(),
            last_push: 1_700_000_000,
            members: vec![(0, 0)],
        }],
        ..Snapshot::default()
    };
    let back = decode(&encode(&snapshot).unwrap()).unwrap();
    assert_eq!(back.groups, snapshot.groups);
    // the push times are made again from the groups, not stored
    assert_eq!(back.families.len(), 1);
    let ValueSnapshot::Summary { values, .. } = &back.families[0].series[0].value else {
        panic!("{back:?}")
    };
    assert!(values[0].is_nan());
    assert_eq!(values[1], 2.0);
}
