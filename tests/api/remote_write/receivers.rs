//! Real receivers: Prometheus (`--web.enable-remote-write-receiver`) and VictoriaMetrics. The
//! totals they answer in PromQL equal what pushgate acknowledged, for every metric type;
//! series that leave go stale at once; a receiver down for 30 s under load loses nothing.

use super::{Receiver, spawn_writing_to};
use crate::helpers::{Key, TestApp, eventually, load};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const CLIENTS: usize = 6;
const BATCHES: usize = 20;
/// observations of every batch: one per bucket of `lat_seconds` (default buckets)
const OBSERVED: [f64; 3] = [0.003, 0.3, 7.0];

/// One client's batches: a counter increment, three histogram and three summary
/// observations each; returns how many batches were acknowledged whole.
async fn client(app: &TestApp, key: &Key) -> usize {
    let mut acked = 0;
    for _ in 0..BATCHES {
        let mut metrics = vec![json!({"name": "jobs_total", "type": "counter", "value": 2})];
        for x in OBSERVED {
            metrics.push(json!({"name": "lat_seconds", "type": "histogram", "value": x}));
            metrics.push(json!({"name": "size_bytes", "type": "summary", "value": x}));
        }
        let r = app.push(key, json!({ "metrics": metrics })).await;
        if r.status == 200 && r.body["accepted"] == 7 {
            acked += 1;
        }
    }
    acked
}

async fn shows(receiver: &Receiver, promql: &str, want: f64) {
    let what = format!("{promql} = {want}");
    eventually(WAIT, &what, || async {
        (receiver.value(promql).await == Some(want)).then_some(())
    })
    .await;
}

async fn totals_equal_what_was_acknowledged(receiver: Receiver) {
    let app = spawn_writing_to(&receiver.write_url(), |_| {}).await;
    let a = app.signup().await;
    let acked: usize = futures_util::future::join_all((0..CLIENTS).map(|_| client(&app, &a.key)))
        .await
        .into_iter()
        .sum();
    assert_eq!(acked, CLIENTS * BATCHES);
    for (op, value) in [("set", 10), ("inc", 5), ("dec", 3)] {
        let gauge =
            json!({"metrics": [{"name": "queue", "type": "gauge", "op": op, "value": value}]});
        assert_eq!(app.push(&a.key, gauge).await.status, 200);
    }
    let t = &a.user_id;
    let n = acked as f64;
    shows(
        &receiver,
        &format!("jobs_total{{tenant=\"{t}\",job=\"pushgate\",instance=\"test\"}}"),
        2.0 * n,
    )
    .await;
    shows(&receiver, &format!("queue{{tenant=\"{t}\"}}"), 12.0).await;
    shows(
        &receiver,
        &format!("lat_seconds_count{{tenant=\"{t}\"}}"),
        3.0 * n,
    )
    .await;
    shows(
        &receiver,
        &format!("lat_seconds_bucket{{tenant=\"{t}\",le=\"0.005\"}}"),
        n,
    )
    .await;
    shows(
        &receiver,
        &format!("lat_seconds_bucket{{tenant=\"{t}\",le=\"0.5\"}}"),
        2.0 * n,
    )
    .await;
    shows(
        &receiver,
        &format!("lat_seconds_bucket{{tenant=\"{t}\",le=\"+Inf\"}}"),
        3.0 * n,
    )
    .await;
    let sum = OBSERVED.iter().sum::<f64>() * n;
    let rounded = format!("round(size_bytes_sum{{tenant=\"{t}\"}}, 0.001)");
    shows(&receiver, &rounded, (sum * 1000.0).round() / 1000.0).await;
    shows(
        &receiver,
        &format!("size_bytes_count{{tenant=\"{t}\"}}"),
        3.0 * n,
    )
    .await;
    // the median of 0.003, 0.3, 7 (within DDSketch's relative error)
    let median = format!("round(size_bytes{{tenant=\"{t}\",quantile=\"0.5\"}}, 0.1)");
    shows(&receiver, &median, 0.3).await;
}

#[tokio::test]
async fn prometheus_totals_equal_what_was_acknowledged() {
    totals_equal_what_was_acknowledged(Receiver::prometheus().await).await;
}

#[tokio::test]
async fn victoriametrics_totals_equal_what_was_acknowledged() {
    totals_equal_what_was_acknowledged(Receiver::victoria().await).await;
}

async fn expired_series_go_stale(receiver: Receiver) {
    let app = spawn_writing_to(&receiver.write_url(), |s| {
        s.series_ttl = Duration::from_secs(5);
    })
    .await;
    let a = app.signup().await;
    let gauge = json!({"metrics": [{"name": "short_lived", "type": "gauge", "value": 4}]});
    assert_eq!(app.push(&a.key, gauge).await.status, 200);
    let promql = format!("short_lived{{tenant=\"{}\"}}", a.user_id);
    // it arrived (VictoriaMetrics may make it searchable only after the marker came too)...
    let seen = format!("max_over_time({promql}[10m])");
    shows(&receiver, &seen, 4.0).await;
    // ...and is gone from instant queries, which without a staleness marker would find it for
    // the 5-minute lookback
    eventually(WAIT, "the expired series to go stale", || async {
        receiver
            .query(&promql)
            .await
            .as_array()?
            .is_empty()
            .then_some(())
    })
    .await;
    assert_eq!(
        receiver.value(&seen).await,
        Some(4.0),
        "the marker is not a value"
    );
}

#[tokio::test]
async fn prometheus_expired_series_go_stale() {
    expired_series_go_stale(Receiver::prometheus().await).await;
}

#[tokio::test]
async fn victoriametrics_expired_series_go_stale() {
    expired_series_go_stale(Receiver::victoria().await).await;
}

#[tokio::test]
async fn a_receiver_down_for_30_seconds_under_load_loses_nothing() {
    let Receiver::Victoria(mut vm) = Receiver::victoria().await else {
        unreachable!()
    };
    let app = spawn_writing_to(&vm.write_url(), |_| {}).await;
    let a = app.signup().await;
    let steady = load::steady(
        &app.address,
        &a.key,
        "steady_total",
        Duration::from_millis(20),
    );
    let promql = format!("steady_total{{tenant=\"{}\"}}", a.user_id);
    eventually(WAIT, "the first samples", || async {
        (!vm.query(&promql).await.as_array()?.is_empty()).then_some(())
    })
    .await;
    vm.kill();
    let down = std::time::Instant::now();
    eventually(Duration::from_secs(40), "30 s of load", || async {
        (down.elapsed() >= Duration::from_secs(30)).then_some(())
    })
    .await;
    vm.restart().await;
    // keep the load on a little while the receiver is back, then stop it
    let back = steady.acked_so_far();
    eventually(WAIT, "more load", || async {
        (steady.acked_so_far() > back + 20).then_some(())
    })
    .await;
    let result = steady.finish().await;
    assert!(
        result.failures.is_empty(),
        "ingestion kept answering: {:?}",
        result.failures
    );
    let receiver = Receiver::Victoria(vm);
    // the forwarder's backoff after 30 s of failures is up to a minute
    let what = format!("{promql} = {}", result.acked);
    eventually(Duration::from_secs(120), &what, || async {
        (receiver.value(&promql).await == Some(result.acked as f64)).then_some(())
    })
    .await;
}
