//! Items refused one by one, and label values that try to break the exposition format.

use serde_json::{Value, json};

/// One item that is refused on its own, with the code it must be refused with.
pub fn bad_items() -> Vec<(Value, &'static str)> {
    let mut v: Vec<(Value, &'static str)> = Vec::new();
    let kinds = ["counter", "gauge", "histogram", "summary"];
    // NaN and the infinities, spelled every way a JSON string can carry them
    for spelled in [
        "NaN",
        "nan",
        "NAN",
        "-NaN",
        "Inf",
        "+Inf",
        "-Inf",
        "inf",
        "-inf",
        "Infinity",
        "-Infinity",
        "infinity",
        "1e999",
        "0x10",
        "1",
        "",
        " 1 ",
    ] {
        for kind in kinds {
            v.push((
                json!({"name": "h_value", "type": kind, "value": spelled}),
                "invalid_value",
            ));
        }
    }
    for value in [
        json!(null),
        json!(true),
        json!(false),
        json!([]),
        json!([1]),
        json!({}),
        json!({"value": 1}),
    ] {
        v.push((
            json!({"name": "h_value", "type": "gauge", "value": value}),
            "invalid_value",
        ));
    }
    for neg in [-1.0, -0.0001, -1e308, -5e-324] {
        v.push((
            json!({"name": "h_neg_total", "type": "counter", "value": neg}),
            "invalid_value",
        ));
    }
    let long_name = "n".repeat(201);
    for name in [
        "",
        "1abc",
        "a-b",
        "a b",
        "a.b",
        "ü",
        "a\nb",
        "x{a=\"b\"}",
        "x#",
        "x\"",
        "x}",
        "x\u{0}",
        long_name.as_str(),
    ] {
        v.push((
            json!({"name": name, "type": "counter", "value": 1}),
            "invalid_name",
        ));
    }
    for name in [json!(7), json!(null), json!([]), json!({}), json!(true)] {
        v.push((
            json!({"name": name, "type": "counter", "value": 1}),
            "invalid_name",
        ));
    }
    for name in [
        "go_goroutines",
        "process_cpu_seconds_total",
        "pushgateway_build_info",
        "push_time_seconds",
        "push_failure_time_seconds",
        "pushgate_x",
        "page_views_total",
        "page_load_seconds_bucket",
        "web_vitals_lcp_seconds_sum",
        "time_on_page_seconds_count",
        "js_errors_total_created",
    ] {
        v.push((
            json!({"name": name, "type": "gauge", "value": 1}),
            "reserved_name",
        ));
    }
    for kind in [
        json!("timer"),
        json!(""),
        json!("Counter"),
        json!("COUNTER"),
    ] {
        v.push((
            json!({"name": "h_kind", "type": kind, "value": 1}),
            "invalid_type",
        ));
    }
    for kind in [json!(1), json!(["counter"]), json!({})] {
        v.push((
            json!({"name": "h_kind", "type": kind, "value": 1}),
            "invalid_type",
        ));
    }
    v.push((json!({"name": "h_kind", "value": 1}), "missing_field"));
    v.push((json!({"type": "counter", "value": 1}), "missing_field"));
    v.push((
        json!({"name": "h_kind", "type": "counter"}),
        "missing_field",
    ));
    for (kind, op) in [
        ("gauge", json!("mul")),
        ("gauge", json!("")),
        ("gauge", json!("SET")),
        ("gauge", json!(1)),
        ("gauge", json!(["inc"])),
        ("counter", json!("inc")),
        ("counter", json!("set")),
        ("histogram", json!("set")),
        ("summary", json!("dec")),
    ] {
        v.push((
            json!({"name": "h_op", "type": kind, "value": 1, "op": op}),
            "invalid_op",
        ));
    }
    // reserved and malformed label names
    for (kind, label) in [
        ("counter", "__name__"),
        ("counter", "__meta"),
        ("counter", "__"),
        ("counter", "le"),
        ("histogram", "le"),
        ("counter", "quantile"),
        ("summary", "quantile"),
        ("counter", "tenant"),
        ("counter", "instance"),
        ("counter", "job"),
        ("counter", ""),
        ("counter", "1a"),
        ("counter", "a-b"),
        ("counter", "a b"),
        ("counter", "ü"),
        ("counter", "a\nb"),
        ("counter", "a=\"b\""),
        ("counter", "a}"),
        ("counter", "a:b"),
    ] {
        v.push((
            json!({"name": "h_label", "type": kind, "value": 1, "labels": {label: "x"}}),
            "invalid_label_name",
        ));
    }
    for value in [
        json!(1),
        json!(true),
        json!(null),
        json!([]),
        json!({"a": "b"}),
    ] {
        v.push((
            json!({"name": "h_label", "type": "counter", "value": 1, "labels": {"a": value}}),
            "invalid_label_value",
        ));
    }
    for labels in [json!("a=b"), json!(["a"]), json!(1), json!(true)] {
        v.push((
            json!({"name": "h_label", "type": "counter", "value": 1, "labels": labels}),
            "invalid_labels",
        ));
    }
    let many: serde_json::Map<String, Value> =
        (0..31).map(|i| (format!("l{i}"), json!("v"))).collect();
    v.push((
        json!({"name": "h_label", "type": "counter", "value": 1, "labels": many}),
        "too_many_labels",
    ));
    v.push((
        json!({"name": "h_label", "type": "counter", "value": 1, "labels": {"a": "\"".repeat(2049)}}),
        "label_value_too_long",
    ));
    for field in ["timestamp", "ts", "time", "timestamp_ms"] {
        v.push((
            json!({"name": "h_field", "type": "counter", "value": 1, field: 1_700_000_000}),
            "timestamp_not_allowed",
        ));
    }
    for field in ["extra", "", "__proto__", "constructor", "Name", "help"] {
        v.push((
            json!({"name": "h_field", "type": "counter", "value": 1, field: 1}),
            "unknown_field",
        ));
    }
    for item in [
        json!("str"),
        json!(1),
        json!(null),
        json!(true),
        json!([]),
        json!([[]]),
    ] {
        v.push((item, "invalid_item"));
    }
    v
}

/// Label values that try to break out of the exposition format: each must be accepted and
/// reach the Pushgateway intact, and nothing else may appear there.
pub fn exposition_breakers() -> Vec<String> {
    [
        "\"",
        "\\",
        "\\\"",
        "\n",
        "\r",
        "\r\n",
        "\t",
        "}",
        "{",
        ",",
        "=",
        "#",
        " ",
        "",
        "# HELP x y\n# TYPE x gauge",
        "\"} 1\nevil_total{a=\"",
        "\\n",
        "a\\",
        "\u{7f}",
        "\u{2028}",
        "\u{feff}",
        "\u{fffd}",
        "🚀",
        "\u{0}",
        "\u{1}",
        "x\"}\ninjected_total 1\n#",
        "NaN",
        "+Inf",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(["\"".repeat(2048), "\\".repeat(2048), "\n".repeat(2048)])
    .collect()
}
