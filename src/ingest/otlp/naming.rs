//! OpenTelemetry names to Prometheus names, following the OpenTelemetry-to-Prometheus
//! compatibility rules as Prometheus's own OTLP receiver applies them by default (underscore
//! escaping with suffixes): `http.server.request.duration` in `s` becomes
//! `http_server_request_duration_seconds`, a monotonic sum gains `_total`, a gauge in `1`
//! gains `_ratio`; attribute keys become valid label names.

use crate::domain::{SERVER_LABELS, TYPE_LABELS};

/// What the metric becomes in Prometheus, which decides its suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Counter,
    Gauge,
    Histogram,
}

/// UCUM units as OpenTelemetry writes them, and their Prometheus words.
fn unit_word(unit: &str) -> &str {
    match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "%" => "percent",
        "1" => "",
        other => other,
    }
}

/// The unit after a `/` ("requests per second"), singular.
fn per_unit_word(unit: &str) -> &str {
    match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        other => other,
    }
}

/// Words of a name: runs of ASCII letters, digits and `:`, everything else a separator.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|t| !t.is_empty())
}

/// Drops `{annotations}` from a unit (`{request}/s` is "per second").
fn without_annotations(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    let mut depth = 0usize;
    for c in unit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The Prometheus name of an OpenTelemetry metric.
pub fn metric_name(name: &str, unit: &str, shape: Shape) -> String {
    let mut words: Vec<String> = tokens(name).map(str::to_owned).collect();
    let unit = without_annotations(unit);
    let (main, per) = match unit.split_once('/') {
        Some((main, per)) => (main.trim(), per.trim()),
        None => (unit.trim(), ""),
    };
    let push_unit = |words: &mut Vec<String>, unit_words: Vec<String>| {
        for w in unit_words {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    };
    let main_words: Vec<String> = tokens(unit_word(main)).map(str::to_owned).collect();
    push_unit(&mut words, main_words);
    let per_words: Vec<String> = tokens(per_unit_word(per)).map(str::to_owned).collect();
    if !per_words.is_empty() {
        let mut with_per = vec!["per".to_owned()];
        with_per.extend(per_words);
        if !words.ends_with(&with_per) {
            words.extend(with_per);
        }
    }
    match shape {
        Shape::Counter => {
            words.retain(|w| w != "total");
            words.push("total".into());
        }
        Shape::Gauge if main == "1" && !words.iter().any(|w| w == "ratio") => {
            words.push("ratio".into());
        }
        _ => {}
    }
    let joined = words.join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{joined}")
    } else {
        joined
    }
}

/// An attribute key as a Prometheus label name: invalid characters become `_`, a leading digit
/// or underscore gets a `key` prefix, and a name Prometheus or pushgate sets itself
/// (`le`, `quantile`, `job`, `instance`, `tenant`) becomes `exported_<name>`.
pub fn label_name(key: &str) -> String {
    let sanitized: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let label = if sanitized.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{sanitized}")
    } else if sanitized.starts_with('_') {
        format!("key{sanitized}")
    } else {
        sanitized
    };
    if SERVER_LABELS.contains(&label.as_str()) || TYPE_LABELS.contains(&label.as_str()) {
        format!("exported_{label}")
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_prometheus_compatibility_rules() {
        for (name, unit, shape, expected) in [
            (
                "http.server.request.duration",
                "s",
                Shape::Histogram,
                "http_server_request_duration_seconds",
            ),
            (
                "jobs.processed",
                "{job}",
                Shape::Counter,
                "jobs_processed_total",
            ),
            (
                "jobs.processed.total",
                "",
                Shape::Counter,
                "jobs_processed_total",
            ),
            ("total.jobs", "1", Shape::Counter, "jobs_total"),
            ("queue.depth", "{item}", Shape::Gauge, "queue_depth"),
            (
                "cpu.utilization",
                "1",
                Shape::Gauge,
                "cpu_utilization_ratio",
            ),
            ("memory.usage", "By", Shape::Gauge, "memory_usage_bytes"),
            (
                "request.rate",
                "{request}/s",
                Shape::Gauge,
                "request_rate_per_second",
            ),
            (
                "throughput",
                "By/s",
                Shape::Counter,
                "throughput_bytes_per_second_total",
            ),
            ("latency_seconds", "s", Shape::Histogram, "latency_seconds"),
            ("weird--name__x", "", Shape::Gauge, "weird_name_x"),
            ("2xx.responses", "", Shape::Counter, "_2xx_responses_total"),
            ("temperature", "Cel", Shape::Gauge, "temperature_celsius"),
        ] {
            assert_eq!(metric_name(name, unit, shape), expected, "{name} [{unit}]");
        }
    }

    #[test]
    fn attribute_keys_become_label_names() {
        for (key, expected) in [
            ("http.route", "http_route"),
            ("plan", "plan"),
            ("1st", "key_1st"),
            ("_private", "key_private"),
            ("__name__", "key__name__"),
            ("job", "exported_job"),
            ("le", "exported_le"),
            ("tenant", "exported_tenant"),
            ("ünï", "key_n_"),
        ] {
            assert_eq!(label_name(key), expected, "{key}");
        }
    }
}
