//! Faults a real Pushgateway cannot be made to produce: a receiver that refuses pushes (a
//! stand-in `Sink`), and one that accepts the connection and never answers (a stand-in server,
//! so the real client's timeouts are what is tested).

use crate::helpers::{TestApp, eventually, spawn_app_with, spawn_app_with_sink};
use pushgate::aggregator::snapshot::ValueSnapshot;
use pushgate::sinks::{Flush, Sent, Sink, SinkError};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Refuses the first `refusals` sends as a Pushgateway answering 500 would, then keeps what it
/// receives; readiness fails while it refuses.
struct RefusingSink {
    refusals: usize,
    sends: AtomicUsize,
    /// (tenant, counter value) of `x_total` in the last accepted send
    received: Mutex<Vec<(String, f64)>>,
}

impl RefusingSink {
    fn refusing(&self) -> bool {
        self.sends.load(Ordering::SeqCst) < self.refusals
    }
}

fn refusal() -> SinkError {
    SinkError::Refused {
        status: reqwest::StatusCode::INTERNAL_SERVER_ERROR,
        body: "boom".into(),
    }
}

#[async_trait::async_trait]
impl Sink for RefusingSink {
    fn name(&self) -> &'static str {
        "pushgateway"
    }
    fn description(&self) -> &'static str {
        "the Pushgateway"
    }
    async fn ready(&self) -> Result<(), SinkError> {
        if self.refusing() {
            Err(refusal())
        } else {
            Ok(())
        }
    }
    async fn send(&self, flush: &Flush) -> Result<Sent, SinkError> {
        if self.sends.fetch_add(1, Ordering::SeqCst) < self.refusals {
            return Err(refusal());
        }
        let totals = flush
            .snapshot
            .families
            .iter()
            .filter(|f| f.name == "x_total")
            .flat_map(|f| &f.series)
            .filter_map(|s| match s.value {
                ValueSnapshot::Counter(v) => Some((s.tenant.to_string(), v)),
                _ => None,
            })
            .collect();
        *self.received.lock().expect("the stand-in's record") = totals;
        Ok(Sent::default())
    }
}

/// Pushes 20 increments, each answered at once whatever the sink does.
async fn ingestion_keeps_answering(app: &TestApp) -> String {
    let a = app.signup().await;
    for _ in 0..20 {
        let started = Instant::now();
        let r = app
            .push(
                &a.key,
                json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]}),
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "ingestion does not wait for the Pushgateway"
        );
    }
    a.user_id
}

#[tokio::test]
async fn pushgateway_answering_500_is_retried_while_ingestion_continues() {
    let sink = Arc::new(RefusingSink {
        refusals: 2,
        sends: AtomicUsize::new(0),
        received: Mutex::new(Vec::new()),
    });
    let app = spawn_app_with_sink(sink.clone()).await;
    let r = app.ready().await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body["error"]["details"]["checks"]["database"], "ok");
    let tenant = ingestion_keeps_answering(&app).await;
    eventually(
        Duration::from_secs(30),
        "the forwarder to retry until the sink accepts, with the complete totals",
        || async {
            let received = sink.received.lock().expect("the stand-in's record").clone();
            (received == [(tenant.clone(), 20.0)]).then_some(())
        },
    )
    .await;
    let text = app.own_metrics().await;
    let failures =
        crate::helpers::exposition::find(&text, "pushgate_push_failures_total", &[]).unwrap();
    assert!(failures >= 2.0, "{failures}");
    let r = app.ready().await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn hanging_pushgateway_does_not_block_ingestion() {
    let (url, hits) = crate::helpers::pushgateway::hanging().await;
    let app = spawn_app_with(|s| s.pushgateway_url = url.clone()).await;
    ingestion_keeps_answering(&app).await;
    eventually(Duration::from_secs(15), "the forwarder to try", || async {
        (hits.load(Ordering::SeqCst) >= 1).then_some(())
    })
    .await;
    assert_eq!(app.ready().await.status, 503);
}
