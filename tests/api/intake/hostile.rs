//! Hostile input on both protocols: malformed text and protobuf, conflicting types, reserved
//! names, timestamps, bad grouping keys, huge and bomb-compressed bodies. Every answer is a
//! 4xx naming what is wrong (an OTLP `Status` on `/v1/metrics`), never a 5xx, and nothing of
//! a refused push is applied: the tenant's group keeps the values of its last good push.
//! Over 300 lines because it is one table, a case per entry, read top to bottom.

use super::samples_of;
use crate::helpers::{Account, TestApp, spawn_app_with};
use flate2::{Compression, write::GzEncoder};
use prost::Message;
use std::io::Write;

const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

struct Case {
    what: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    status: u16,
    /// a part of the answer's message or code
    says: &'static str,
}

fn case(
    what: &'static str,
    path: &str,
    body: impl Into<Vec<u8>>,
    status: u16,
    says: &'static str,
) -> Case {
    Case {
        what,
        method: "PUT",
        path: path.into(),
        headers: vec![],
        body: body.into(),
        status,
        says,
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const LIMIT: usize = 64 * 1024;

fn cases() -> Vec<Case> {
    let job = "/metrics/job/nightly";
    let mut cases = vec![
        case(
            "garbage text",
            job,
            "this is not { a metric\n",
            400,
            "Prometheus text format",
        ),
        case(
            "a sample without value",
            job,
            "rows_total{a=\"1\"}\n",
            400,
            "text format",
        ),
        case("not UTF-8", job, vec![0xff, 0xfe, b'\n'], 400, "UTF-8"),
        case(
            "a conflicting type",
            job,
            "# TYPE shared_total gauge\nshared_total 1\n",
            400,
            "shared_total",
        ),
        case(
            "the Pushgateway's own name",
            job,
            "push_time_seconds 1\n",
            400,
            "reserved",
        ),
        case(
            "a Go runtime name",
            job,
            "go_goroutines 5\n",
            400,
            "reserved",
        ),
        case(
            "pushgate's own name",
            job,
            "pushgate_group_push_time_seconds 1\n",
            400,
            "reserved",
        ),
        case(
            "a built-in metric",
            job,
            "page_views_total 1\n",
            400,
            "built-in",
        ),
        case(
            "a timestamp",
            job,
            "rows_total 1 1700000000000\n",
            400,
            "timestamp",
        ),
        case("NaN", job, "# TYPE temp gauge\ntemp NaN\n", 400, "finite"),
        case(
            "a negative counter",
            job,
            "# TYPE rows_total counter\nrows_total -1\n",
            400,
            "negative",
        ),
        case(
            "a reserved label",
            job,
            "rows_total{__name__=\"x\"} 1\n",
            400,
            "'__'",
        ),
        case(
            "a label that disagrees with the path",
            job,
            "rows_total{job=\"other\"} 1\n",
            400,
            "grouping key",
        ),
        case(
            "an odd path",
            "/metrics/job/nightly/instance",
            "x 1\n",
            400,
            "odd number",
        ),
        case(
            "bad base64 in the path",
            "/metrics/job/nightly/x@base64/!!!",
            "x 1\n",
            400,
            "base64",
        ),
        case(
            "le in the grouping key",
            "/metrics/job/nightly/le/1",
            "x 1\n",
            400,
            "reserved",
        ),
        case(
            "an empty job",
            "/metrics/job@base64/=",
            "x 1\n",
            400,
            "job name",
        ),
        case(
            "a huge body",
            job,
            vec![b'#'; LIMIT + 1],
            413,
            "max_body_bytes",
        ),
    ];
    let mut truncated = Vec::new();
    {
        use prometheus::Encoder;
        let g = prometheus::Gauge::new("temp", "T.").unwrap();
        prometheus::ProtobufEncoder::new()
            .encode(&prometheus::core::Collector::collect(&g), &mut truncated)
            .unwrap();
        truncated.truncate(truncated.len() - 3);
    }
    let mut c = case("truncated protobuf", job, truncated, 400, "MetricFamily");
    c.headers.push(("Content-Type", PROTOBUF));
    cases.push(c);
    let mut c = case(
        "a gzip bomb",
        job,
        gzip(&vec![b'#'; 20 * LIMIT]),
        413,
        "max_body_bytes",
    );
    c.headers.push(("Content-Encoding", "gzip"));
    cases.push(c);
    let mut c = case("a broken gzip body", job, "not gzip", 400, "gzip");
    c.headers.push(("Content-Encoding", "gzip"));
    cases.push(c);
    let mut c = case("an unknown encoding", job, "x 1\n", 415, "Content-Encoding");
    c.headers.push(("Content-Encoding", "br"));
    cases.push(c);
    for (what, ct, body, status, says) in [
        (
            "OTLP garbage protobuf",
            "application/x-protobuf",
            b"\xff\xff\xff\xff".to_vec(),
            400,
            "protobuf",
        ),
        (
            "OTLP garbage JSON",
            "application/json",
            b"{\"resourceMetrics\": 7}".to_vec(),
            400,
            "JSON",
        ),
        (
            "OTLP text",
            "text/plain",
            b"x 1\n".to_vec(),
            415,
            "Content-Type",
        ),
        (
            "OTLP huge body",
            "application/x-protobuf",
            vec![0; LIMIT + 1],
            413,
            "max_body_bytes",
        ),
    ] {
        cases.push(Case {
            what,
            method: "POST",
            path: "/v1/metrics".into(),
            headers: vec![("Content-Type", ct)],
            body,
            status,
            says,
        });
    }
    cases
}

async fn send(app: &TestApp, a: &Account, c: &Case) -> (u16, String) {
    let mut req = app
        .client
        .request(c.method.parse().unwrap(), app.url(&c.path))
        .basic_auth(&a.key.public, Some(&a.key.secret))
        .body(c.body.clone());
    for (name, value) in &c.headers {
        req = req.header(*name, *value);
    }
    let r = req.send().await.expect("answered");
    let status = r.status().as_u16();
    let is_otlp_protobuf = c.path == "/v1/metrics"
        && r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            == Some("application/x-protobuf");
    let bytes = r.bytes().await.unwrap_or_default();
    let text = if is_otlp_protobuf {
        // a google.rpc.Status: code (1), message (2)
        #[derive(prost::Message)]
        struct Status {
            #[prost(int32, tag = "1")]
            code: i32,
            #[prost(string, tag = "2")]
            message: String,
        }
        Status::decode(bytes.as_ref())
            .map(|s| s.message)
            .unwrap_or_else(|e| format!("not a Status: {e}"))
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (status, text)
}

#[tokio::test]
async fn hostile_pushes_are_refused_and_change_nothing() {
    let app = spawn_app_with(|s| s.limits.max_body_bytes = LIMIT).await;
    let (a, other) = (app.signup().await, app.signup().await);
    // another tenant owns `shared_total` as a counter; `a` has a good group
    let put = |account: &Account, body: &'static str| {
        app.client
            .put(app.url("/metrics/job/nightly"))
            .basic_auth(&account.key.public, Some(&account.key.secret))
            .body(body)
            .send()
    };
    assert_eq!(
        put(&other, "# TYPE shared_total counter\nshared_total 1\n")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        put(&a, "# TYPE rows_total counter\nrows_total 5\n")
            .await
            .unwrap()
            .status(),
        200
    );
    let tenant = pushgate::domain::UserId(a.user_id.parse().unwrap());
    let before = app.state.aggregator.tenant_series(tenant);
    let groups_before = app.state.aggregator.tenant_groups(tenant);

    for c in cases() {
        let (status, text) = send(&app, &a, &c).await;
        assert_eq!(status, c.status, "{}: {text}", c.what);
        assert!(
            text.contains(c.says),
            "{}: the answer should say {:?}: {text}",
            c.what,
            c.says
        );
        assert_eq!(
            app.state.aggregator.tenant_series(tenant),
            before,
            "{} changed the state",
            c.what
        );
        let groups: Vec<_> = app
            .state
            .aggregator
            .tenant_groups(tenant)
            .into_iter()
            .map(|g| (g.labels, g.series))
            .collect();
        let expected: Vec<_> = groups_before
            .iter()
            .map(|g| (g.labels.clone(), g.series))
            .collect();
        assert_eq!(groups, expected, "{} changed the groups", c.what);
    }
    // the refused family is named, with the reason, and every bad family is listed
    let r = put(&a, "go_x 1\n# TYPE temp gauge\ntemp NaN\n")
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "push_refused");
    assert_eq!(
        body["error"]["details"]["errors"].as_array().unwrap().len(),
        2
    );
    // the last good values are what the Pushgateway still shows
    app.pushgateway_shows("rows_total", &[("tenant", a.user_id.as_str())], 5.0)
        .await;
    assert!(samples_of(&app, &a, "temp").await.is_empty());
}
