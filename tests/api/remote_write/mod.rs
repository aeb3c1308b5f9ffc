//! Forwarding by Prometheus remote write (issue 15): into real receivers (Prometheus with its
//! remote-write receiver, VictoriaMetrics), through stand-ins for the answers real ones will
//! not give on demand, and across restarts of the real binary.

mod faults;
mod receivers;
mod restarts;

use crate::helpers::prometheus::TestPrometheus;
use crate::helpers::victoria::TestVictoria;
use crate::helpers::{TestApp, exposition, spawn_app_with};
use pushgate::settings::{Secret, Settings};
use serde_json::Value;

/// Remote write to `url` as the only sink (the Pushgateway off), then `adjust`.
pub async fn spawn_writing_to(url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let url = url.to_owned();
    spawn_app_with(move |s| {
        s.pushgateway_url = String::new();
        s.remote_write.remote_write_url = Some(Secret::new(url));
        adjust(s);
    })
    .await
}

/// A real receiver, queried through its Prometheus API.
pub enum Receiver {
    Prometheus(TestPrometheus),
    Victoria(TestVictoria),
}

impl Receiver {
    pub async fn prometheus() -> Self {
        pushgate::startup::install_crypto_provider();
        Self::Prometheus(
            TestPrometheus::builder()
                .remote_write_receiver()
                .start()
                .await,
        )
    }

    pub async fn victoria() -> Self {
        Self::Victoria(TestVictoria::start().await)
    }

    pub fn write_url(&self) -> String {
        match self {
            Self::Prometheus(p) => format!("{}/api/v1/write", p.url),
            Self::Victoria(v) => v.write_url(),
        }
    }

    pub async fn query(&self, promql: &str) -> Value {
        match self {
            Self::Prometheus(p) => p.query(promql).await,
            Self::Victoria(v) => v.query(promql).await,
        }
    }

    /// The single value `promql` answers, if it answers exactly one series.
    pub async fn value(&self, promql: &str) -> Option<f64> {
        let result = self.query(promql).await;
        let series = result.as_array()?;
        if series.len() != 1 {
            return None;
        }
        series[0]["value"][1].as_str()?.parse().ok()
    }
}

/// A sample of pushgate's own metrics (`/metrics`), 0 when absent.
pub async fn own_metric(app: &TestApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    exposition::find(&app.own_metrics().await, name, labels).unwrap_or(0.0)
}
