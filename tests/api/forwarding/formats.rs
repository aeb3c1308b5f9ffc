//! The Pushgateway shows the same samples whether a snapshot is PUT as text or in the
//! protobuf delimited format the sink uses (issue 17): a real Pushgateway, one group each.

use crate::helpers::exposition::{Sample, parse};
use crate::helpers::pushgateway::TestPushgateway;
use pushgate::aggregator::snapshot::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use pushgate::domain::{MetricKind, UserId};
use pushgate::exposition;
use pushgate::sinks::{Flush, PushgatewayClient, Sink};
use std::sync::Arc;

/// Every kind, escapes in help and label values, and a family of more series than one encoder
/// slice (the protobuf message is made of several).
fn snapshot() -> Snapshot {
    let tenants = [UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4())];
    let series = |n: usize, value: &dyn Fn(usize) -> ValueSnapshot| -> Vec<SeriesSnapshot> {
        (0..n)
            .map(|i| SeriesSnapshot {
                tenant: tenants[i % 2],
                labels: vec![
                    ("path".into(), format!("/p\n\"\\{i}é").into()),
                    ("status".into(), "200".into()),
                ]
                .into(),
                touched: 0,
                declared: false,
                value: value(i),
            })
            .collect()
    };
    let family = |name: &str, kind, help: Option<&str>, series| FamilySnapshot {
        name: name.into(),
        kind,
        help: help.map(Into::into),
        series,
    };
    Snapshot {
        families: vec![
            family(
                "views_total",
                MetricKind::Counter,
                Some("multi\nline \\ help"),
                series(5000, &|i| ValueSnapshot::Counter(i as f64 + 0.5)),
            ),
            family(
                "queue_depth",
                MetricKind::Gauge,
                None,
                series(3, &|i| ValueSnapshot::Gauge(-(i as f64))),
            ),
            family(
                "load_seconds",
                MetricKind::Histogram,
                None,
                series(4, &|i| ValueSnapshot::Histogram {
                    bounds: vec![0.1, 1.0].into(),
                    counts: vec![i as u64, 1].into(),
                    sum: 2.25,
                    count: i as u64 + 3,
                }),
            ),
            family(
                "rtt_seconds",
                MetricKind::Summary,
                Some("rtt"),
                series(2, &|_| ValueSnapshot::Summary {
                    quantiles: vec![0.5, 0.99].into(),
                    values: vec![0.125, 0.75],
                    sum: 3.5,
                    count: 7,
                }),
            ),
        ],
        ..Snapshot::default()
    }
}

/// A sample as compared: name, labels, the value's bits (exact).
type Shown = (String, Vec<(String, String)>, u64);

/// The samples of one group as the Pushgateway serves them, without its grouping labels.
fn group_samples(text: &str, instance: &str) -> Vec<Shown> {
    let mut out: Vec<_> = parse(text)
        .into_iter()
        .filter(|s: &Sample| {
            s.label("instance") == Some(instance) && s.label("job") == Some("pushgate")
        })
        .filter(|s| {
            !matches!(
                s.name.as_str(),
                "push_time_seconds" | "push_failure_time_seconds"
            )
        })
        .map(|s| {
            let labels = s
                .labels
                .iter()
                .filter(|(k, _)| k != "instance" && k != "job")
                .cloned()
                .collect();
            (s.name, labels, s.value.to_bits())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_pushgateway_shows_the_same_samples_from_protobuf_as_from_text() {
    pushgate::startup::install_crypto_provider();
    let pgw = TestPushgateway::start().await;
    let snapshot = Arc::new(snapshot());

    let text = exposition::encode(&snapshot).unwrap();
    let answer = reqwest::Client::new()
        .put(format!("{}/metrics/job/pushgate/instance/text", pgw.url))
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .body(text)
        .send()
        .await
        .unwrap();
    assert!(
        answer.status().is_success(),
        "text PUT: {}",
        answer.status()
    );
    // the sink itself, as the forwarder calls it
    let sink = PushgatewayClient::new(&pgw.url, "proto").unwrap();
    sink.send(&Flush {
        snapshot: snapshot.clone(),
        previous: None,
    })
    .await
    .unwrap();

    let shown = pgw.metrics_text().await;
    let from_text = group_samples(&shown, "text");
    let from_protobuf = group_samples(&shown, "proto");
    assert_eq!(
        from_text.len(),
        5000 + 3 + 4 * 5 + 2 * 4,
        "every sample of the text PUT"
    );
    assert_eq!(from_protobuf, from_text);
    assert!(shown.contains("# HELP views_total multi\\nline \\\\ help"));
    pgw.assert_never_refused_a_push().await;
}
