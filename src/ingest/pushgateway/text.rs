//! The Prometheus text format 0.0.4, read with `openmetrics-parser` (strict: escapes,
//! histogram and summary structure, duplicate series and TYPE lines are its to judge).

use super::body::{PushedFamily, PushedKind, PushedMetric, PushedValue};
use openmetrics_parser::{MetricNumber, PrometheusType, PrometheusValue};
use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// True when the text has no sample and no HELP or TYPE line: an empty push, which the
/// Pushgateway accepts (a PUT of nothing empties the group) but the parser calls malformed.
fn has_no_content(text: &str) -> bool {
    text.lines().map(str::trim).all(|line| {
        line.is_empty()
            || (line.starts_with('#')
                && !line
                    .trim_start_matches('#')
                    .trim_start()
                    .starts_with("HELP")
                && !line
                    .trim_start_matches('#')
                    .trim_start()
                    .starts_with("TYPE"))
    })
}

pub fn parse(body: &[u8]) -> Result<Vec<PushedFamily>, String> {
    let text = std::str::from_utf8(body).map_err(|e| {
        format!("the body is not UTF-8 text ({e}); the Prometheus text format is UTF-8")
    })?;
    if has_no_content(text) {
        return Ok(Vec::new());
    }
    // The grammar wants every line ended, the last one included; `curl -d` sends none.
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        &owned
    };
    let text = separate_families(text);
    // The parser is strict and maintained, but it is a dependency judging hostile input:
    // a panic inside it must become a 400 for this push, not an aborted request.
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        openmetrics_parser::prometheus::parse_prometheus(&text)
    }))
    .map_err(|_| "the body could not be parsed as the Prometheus text format".to_owned())?
    .map_err(|e| {
        format!(
            "the body is not valid Prometheus text format (0.0.4): {}",
            e.to_string().trim()
        )
    })?;
    let mut families: Vec<PushedFamily> = parsed
        .families
        .into_values()
        .map(from_text)
        .collect::<Result<_, _>>()?;
    families.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(families)
}

/// The series names a family of `kind` may write, besides its own name.
fn suffixes(kind: &str) -> &'static [&'static str] {
    match kind {
        "histogram" => &["_bucket", "_sum", "_count"],
        "summary" => &["_sum", "_count"],
        _ => &[],
    }
}

/// The text format lets untyped families follow each other without HELP or TYPE lines
/// (`a 1` then `b 2`), which the parser takes as one family with two names. Writes the
/// `# TYPE b untyped` the format implies before each sample that starts a family of its own,
/// and changes nothing else.
pub(super) fn separate_families(text: &str) -> Cow<'_, str> {
    // (family name, declared type) of the family the last lines belong to
    let mut current: Option<(&str, &str)> = None;
    let mut out: Option<String> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("TYPE"), Some(name), Some(kind)) => current = Some((name, kind)),
                (Some("HELP"), Some(name), _) if current.is_none_or(|(n, _)| n != name) => {
                    current = Some((name, "untyped"));
                }
                _ => {}
            }
        } else if let Some(name) = trimmed
            .split(|c: char| c == '{' || c.is_whitespace())
            .next()
            .filter(|n| !n.is_empty())
        {
            let belongs = current.is_some_and(|(family, kind)| {
                name == family
                    || suffixes(kind)
                        .iter()
                        .any(|s| name.strip_suffix(s) == Some(family))
            });
            if !belongs {
                let buf = out.get_or_insert_with(|| text[..offset].to_owned());
                buf.push_str("# TYPE ");
                buf.push_str(name);
                buf.push_str(" untyped\n");
                current = Some((name, "untyped"));
            }
        }
        if let Some(buf) = out.as_mut() {
            buf.push_str(line);
        }
        offset += line.len();
    }
    match out {
        Some(buf) => Cow::Owned(buf),
        None => Cow::Borrowed(text),
    }
}

fn number(n: MetricNumber) -> f64 {
    n.as_f64()
}

fn from_text(family: openmetrics_parser::PrometheusMetricFamily) -> Result<PushedFamily, String> {
    let kind = match family.family_type {
        PrometheusType::Counter => PushedKind::Counter,
        PrometheusType::Gauge => PushedKind::Gauge,
        PrometheusType::Histogram => PushedKind::Histogram,
        PrometheusType::Summary => PushedKind::Summary,
        PrometheusType::Unknown => PushedKind::Untyped,
    };
    let mut metrics = Vec::new();
    for sample in family.iter_samples() {
        let labels = sample
            .get_labelset()
            .map_err(|e| format!("metric family {:?}: {e}", family.family_name))?
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let value = match &sample.value {
            PrometheusValue::Unknown(n) | PrometheusValue::Gauge(n) => {
                PushedValue::Single(number(*n))
            }
            PrometheusValue::Counter(c) => PushedValue::Single(number(c.value)),
            PrometheusValue::Histogram(h) => PushedValue::Histogram {
                buckets: h
                    .buckets
                    .iter()
                    .map(|b| (b.upper_bound, number(b.count)))
                    .collect(),
                sum: h.sum.map(number),
                count: h.count.map(|c| c as f64),
            },
            PrometheusValue::Summary(s) => PushedValue::Summary {
                quantiles: s
                    .quantiles
                    .iter()
                    .map(|q| (q.quantile, number(q.value)))
                    .collect(),
                sum: s.sum.map(number),
                count: s.count.map(|c| c as f64),
            },
        };
        metrics.push(PushedMetric {
            labels,
            value,
            has_timestamp: sample.timestamp.is_some(),
        });
    }
    Ok(PushedFamily {
        name: family.family_name,
        help: family.help,
        kind,
        metrics,
    })
}
