use super::super::text::separate_families;
use super::*;
use prometheus::core::Collector;
use prometheus::{Encoder, ProtobufEncoder};
use std::borrow::Cow;

const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

fn family<'a>(families: &'a [PushedFamily], name: &str) -> &'a PushedFamily {
    families
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no family {name} in {families:?}"))
}

#[test]
fn the_protobuf_content_type_is_recognised_as_the_pushgateway_does() {
    assert!(is_protobuf(Some(PROTOBUF)));
    assert!(is_protobuf(Some(
        "application/vnd.google.protobuf;encoding=delimited;proto=\"io.prometheus.client.MetricFamily\""
    )));
    for other in [
        None,
        Some("text/plain; version=0.0.4"),
        Some("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"),
        Some("application/vnd.google.protobuf; proto=other; encoding=delimited"),
    ] {
        assert!(!is_protobuf(other), "{other:?}");
    }
}

#[test]
fn text_as_prometheus_client_writes_it() {
    // what Python's prometheus_client generate_latest() sends for a counter and a histogram
    let text = "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total{queue=\"a\\\"b\"} 3.0\n\
        # HELP jobs_created Jobs done.\n# TYPE jobs_created gauge\njobs_created{queue=\"a\\\"b\"} 1.7e9\n\
        # HELP took_seconds Time.\n# TYPE took_seconds histogram\n\
        took_seconds_bucket{le=\"0.5\"} 1.0\ntook_seconds_bucket{le=\"+Inf\"} 2.0\n\
        took_seconds_count 2.0\ntook_seconds_sum 1.25\n";
    let families = parse(Some("text/plain; version=0.0.4"), text.as_bytes()).unwrap();
    let jobs = family(&families, "jobs_total");
    assert_eq!(
        (jobs.kind, jobs.help.as_str()),
        (PushedKind::Counter, "Jobs done.")
    );
    assert_eq!(
        jobs.metrics,
        vec![PushedMetric {
            labels: vec![("queue".into(), "a\"b".into())],
            value: PushedValue::Single(3.0),
            has_timestamp: false,
        }]
    );
    assert_eq!(family(&families, "jobs_created").kind, PushedKind::Gauge);
    let took = family(&families, "took_seconds");
    assert_eq!(
        took.metrics[0].value,
        PushedValue::Histogram {
            buckets: vec![(0.5, 1.0), (f64::INFINITY, 2.0)],
            sum: Some(1.25),
            count: Some(2.0),
        }
    );
}

#[test]
fn untyped_samples_timestamps_and_a_missing_last_newline() {
    let families = parse(None, b"some_metric 2.5 1700000000000").unwrap();
    let f = family(&families, "some_metric");
    assert_eq!(f.kind, PushedKind::Untyped);
    assert!(f.metrics[0].has_timestamp);
    assert_eq!(f.metrics[0].value, PushedValue::Single(2.5));
}

#[test]
fn an_empty_body_is_an_empty_push() {
    for body in ["", "\n", "# a comment only\n\n"] {
        assert_eq!(parse(None, body.as_bytes()).unwrap(), vec![], "{body:?}");
    }
}

#[test]
fn malformed_text_is_refused_with_the_reason() {
    for (body, why) in [
        ("garbage here\n", "not valid Prometheus text format"),
        ("x{a=\"1\" 1\n", "not valid Prometheus text format"),
        ("x 1\nx 2\n", "same labelset"),
        ("# TYPE x gauge\n# TYPE x counter\nx 1\n", "two type lines"),
        ("# TYPE c counter\nc -1\n", "non negative"),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\n",
            "cumulative",
        ),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n", "+INF"),
    ] {
        let message = parse(None, body.as_bytes()).unwrap_err();
        assert!(message.contains(why), "{body:?}: {message}");
    }
    let message = parse(None, &[0xff, 0xfe, b'\n']).unwrap_err();
    assert!(message.contains("UTF-8"), "{message}");
}

fn encode_protobuf(collectors: &[&dyn Collector]) -> Vec<u8> {
    let families: Vec<_> = collectors.iter().flat_map(|c| c.collect()).collect();
    let mut buf = Vec::new();
    ProtobufEncoder::new().encode(&families, &mut buf).unwrap();
    buf
}

#[test]
fn protobuf_delimited_as_a_go_client_sends_it() {
    let counter =
        prometheus::IntCounterVec::new(prometheus::Opts::new("rows_total", "Rows."), &["table"])
            .unwrap();
    counter.with_label_values(&["users"]).inc_by(7);
    let histogram = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("load_seconds", "Load.").buckets(vec![0.1, 1.0]),
    )
    .unwrap();
    histogram.observe(0.05);
    histogram.observe(5.0);
    let body = encode_protobuf(&[&counter, &histogram]);
    let families = parse(Some(PROTOBUF), &body).unwrap();
    let rows = family(&families, "rows_total");
    assert_eq!(rows.kind, PushedKind::Counter);
    assert_eq!(
        rows.metrics[0].labels,
        vec![("table".into(), "users".into())]
    );
    assert_eq!(rows.metrics[0].value, PushedValue::Single(7.0));
    assert_eq!(
        family(&families, "load_seconds").metrics[0].value,
        PushedValue::Histogram {
            buckets: vec![(0.1, 1.0), (1.0, 1.0)],
            sum: Some(5.05),
            count: Some(2.0),
        }
    );
}

#[test]
fn malformed_protobuf_is_refused() {
    let gauge = prometheus::Gauge::new("g", "G.").unwrap();
    let body = encode_protobuf(&[&gauge]);
    // cut inside the message, a length prefix past the end, plain garbage
    for bad in [
        &body[..body.len() - 2],
        &[0x7f, 0x01][..],
        b"\xff\xff\xff\xff\xff\xff",
    ] {
        let message = parse(Some(PROTOBUF), bad).unwrap_err();
        assert!(message.contains("MetricFamily"), "{message}");
    }
    // the text format sent with the protobuf type is not silently read as text
    assert!(parse(Some(PROTOBUF), b"x 1\n").is_err());
}

#[test]
fn untyped_families_may_follow_each_other_without_type_lines() {
    let families = parse(None, b"a 1\nb{x=\"1\"} 2\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\nc 3\n").unwrap();
    let names: Vec<(&str, PushedKind)> =
        families.iter().map(|f| (f.name.as_str(), f.kind)).collect();
    assert_eq!(
        names,
        [
            ("a", PushedKind::Untyped),
            ("b", PushedKind::Untyped),
            ("c", PushedKind::Untyped),
            ("h", PushedKind::Histogram)
        ]
    );
    // a family split in two is still refused, as the format says
    assert!(parse(None, b"a 1\nb 2\na 3\n").is_err());
    // typed text passes through unchanged
    assert!(matches!(
        separate_families("# TYPE a gauge\na 1\n"),
        Cow::Borrowed(_)
    ));
}
