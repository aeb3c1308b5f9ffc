//! The ecosystem's push protocols (issue 16), each with its real client: the Pushgateway push
//! API from Python's `prometheus_client`, OTLP/HTTP from the OpenTelemetry Python SDK (and
//! curl for its JSON form); the values checked in the real Pushgateway, hostile input refused
//! with a 4xx and nothing applied.

mod access;
mod hostile;
mod otlp;
mod pushgateway;
mod restart;

use crate::helpers::{Account, TestApp, eventually, exposition};
use std::time::Duration;

/// The samples of `name` the Pushgateway holds for `account`, as (labels, value).
async fn samples_of(app: &TestApp, account: &Account, name: &str) -> Vec<exposition::Sample> {
    let text = app.pushgateway.metrics_text().await;
    exposition::parse(&text)
        .into_iter()
        .filter(|s| s.name == name && s.label("tenant") == Some(account.user_id.as_str()))
        .collect()
}

/// Waits until the Pushgateway holds no sample of `name` for `account`.
async fn pushgateway_lacks(app: &TestApp, account: &Account, name: &str) {
    eventually(
        Duration::from_secs(15),
        &format!("{name} to leave the Pushgateway"),
        || async {
            samples_of(app, account, name)
                .await
                .is_empty()
                .then_some(())
        },
    )
    .await;
}
