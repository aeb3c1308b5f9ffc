//! A Pushgateway API body, read into parser-neutral families: the protobuf delimited format
//! when the `Content-Type` says so (the `prometheus` crate's generated `io.prometheus.client`
//! types), else the text format 0.0.4 (`openmetrics-parser`), the Pushgateway's own fallback.
//! Nothing is judged here beyond what the formats themselves require.

use super::{protobuf, text};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushedKind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PushedValue {
    Single(f64),
    Histogram {
        /// (upper bound, cumulative count) as pushed, `+Inf` included when it was
        buckets: Vec<(f64, f64)>,
        sum: Option<f64>,
        count: Option<f64>,
    },
    Summary {
        /// (quantile, value)
        quantiles: Vec<(f64, f64)>,
        sum: Option<f64>,
        count: Option<f64>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct PushedMetric {
    pub labels: Vec<(String, String)>,
    pub value: PushedValue,
    /// the sample carried a timestamp (refused: pushgate aggregates, Prometheus stamps)
    pub has_timestamp: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PushedFamily {
    pub name: String,
    pub help: String,
    pub kind: PushedKind,
    pub metrics: Vec<PushedMetric>,
}

/// Whether `content_type` names the delimited protobuf format, as the Pushgateway checks it:
/// `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`.
pub fn is_protobuf(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mut parts = ct.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/vnd.google.protobuf"))
    {
        return false;
    }
    let (mut proto, mut delimited) = (false, false);
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "proto" => proto = value == "io.prometheus.client.MetricFamily",
            "encoding" => delimited = value == "delimited",
            _ => {}
        }
    }
    proto && delimited
}

/// Reads the body in the format its `Content-Type` names. The error says what is malformed.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Vec<PushedFamily>, String> {
    if is_protobuf(content_type) {
        protobuf::parse(body)
    } else {
        text::parse(body)
    }
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
