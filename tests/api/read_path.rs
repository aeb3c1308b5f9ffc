//! The tenant-scoped read path (issue 13): `/prometheus/api/v1/…` against a real Prometheus
//! scraping a real Pushgateway fed by the real server at 1 s. `isolation` tries every
//! hostile query of the issue through every endpoint; `access` is who may read and push
//! (scopes, basic auth, sessions); `limits` the range, step and timeout limits and a missing
//! Prometheus; `equivalence` compares the rewritten queries with hand-scoped ones.

mod access;
mod equivalence;
mod isolation;
mod limits;
mod metadata;

use crate::helpers::prometheus::{TestPrometheus, serde_urlencoded_pairs};
use crate::helpers::pushgateway::free_port;
use crate::helpers::{Account, TestApp, eventually, spawn_app_with};
use pushgate::settings::Settings;
use serde_json::{Value, json};
use std::time::Duration;

pub struct ReadStack {
    pub app: TestApp,
    pub prometheus: TestPrometheus,
}

/// pushgate (1 s flush) → Pushgateway ← Prometheus (1 s scrape), pushgate reading from it.
pub async fn read_stack() -> ReadStack {
    read_stack_with(|_| {}).await
}

pub async fn read_stack_with(adjust: impl FnOnce(&mut Settings)) -> ReadStack {
    let port = free_port();
    let app = spawn_app_with(|s| {
        s.query.prometheus_url = format!("http://127.0.0.1:{port}");
        adjust(s);
    })
    .await;
    let prometheus = TestPrometheus::builder()
        .port(port)
        .scrape("pushgateway", &app.pushgateway.url)
        .start()
        .await;
    ReadStack { app, prometheus }
}

/// How a read authenticates.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Bearer(&'a Account),
    Basic(&'a str, &'a str),
    Nobody,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn data(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.body["status"], "success", "{}", self.text);
        &self.body["data"]
    }

    /// A Prometheus-shaped error of this status and type.
    pub fn assert_error(&self, status: u16, error_type: &str) -> &str {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.body["status"], "error", "{}", self.text);
        assert_eq!(self.body["errorType"], error_type, "{}", self.text);
        self.body["error"].as_str().unwrap_or("")
    }
}

/// A GET (params in the query string) or POST (form body) to `/prometheus/api/v1{path}`.
pub async fn read(
    app: &TestApp,
    who: As<'_>,
    method: &str,
    path: &str,
    params: &[(&str, String)],
) -> Answer {
    let encoded = serde_urlencoded_pairs(params);
    let url = app.url(&format!("/prometheus/api/v1{path}"));
    let mut req = if method == "GET" {
        app.client.get(if encoded.is_empty() {
            url
        } else {
            format!("{url}?{encoded}")
        })
    } else {
        app.client
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encoded)
    };
    req = match who {
        As::Bearer(a) => req.bearer_auth(&a.token),
        As::Basic(user, password) => req.basic_auth(user, Some(password)),
        As::Nobody => req,
    };
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, body, text }
}

/// A key of `account` with the given scopes: (public key, secret).
pub async fn key_with_scopes(
    app: &TestApp,
    account: &Account,
    scopes: &[&str],
) -> (String, String) {
    let r = app
        .session(&account.token)
        .create_key(&json!({"key_name": format!("{scopes:?}"), "scopes": scopes}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["api_key"].as_str().unwrap().to_owned(),
        r.body["api_secret"].as_str().unwrap().to_owned(),
    )
}

/// Waits until Prometheus itself holds `promql` with `want` values (sorted).
pub async fn prometheus_holds(prom: &TestPrometheus, promql: &str, want: &[f64]) {
    let what = format!("{promql} = {want:?} in Prometheus");
    eventually(Duration::from_secs(30), &what, || async {
        let mut got = values(&prom.query(promql).await);
        got.sort_by(f64::total_cmp);
        (got == want).then_some(())
    })
    .await;
}

/// Every sample value of a vector or matrix result.
pub fn values(result: &Value) -> Vec<f64> {
    result
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| {
            let points: Vec<&Value> = match s.get("values") {
                Some(v) => v.as_array().into_iter().flatten().collect(),
                None => s.get("value").into_iter().collect(),
            };
            points
                .into_iter()
                .filter_map(|p| p[1].as_str()?.parse::<f64>().ok())
        })
        .collect()
}
