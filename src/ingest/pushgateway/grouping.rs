//! The grouping key of a Pushgateway API path, read as the Pushgateway reads it:
//! `job/{job}` (or `job@base64/{job}`) followed by `/{label}/{value}` pairs, where
//! `{label}@base64/{value}` carries a URL-safe base64 value (one with a `/`, or `=` for an
//! empty one). The path is percent-decoded first, as Go's router does.

use crate::ingest::series_labels::{LabelError, judge_label};
use crate::settings::Limits;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const BASE64_SUFFIX: &str = "@base64";

/// One group of one tenant: its labels as they are exposed (`job` → `exported_job`,
/// `instance` → `exported_instance`), sorted by name, empty values left out (Prometheus does
/// not tell an empty label from a missing one, so neither does the group's identity).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupingKey {
    labels: Vec<(Box<str>, Box<str>)>,
}

fn bad(message: String) -> LabelError {
    LabelError {
        code: "invalid_grouping_key",
        message,
    }
}

/// A URL-safe base64 value; trailing `=` padding is ignored, as the Pushgateway does.
fn decode_base64(name: &str, value: &str) -> Result<String, LabelError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|e| {
            bad(format!(
                "the value of {name}{BASE64_SUFFIX} is not URL-safe base64 ({e}); encode it with base64.urlsafe_b64encode or leave out the @base64 suffix"
            ))
        })?;
    String::from_utf8(bytes).map_err(|_| {
        bad(format!(
            "the base64 value of {name}{BASE64_SUFFIX} is not UTF-8 text"
        ))
    })
}

impl GroupingKey {
    /// Parses the path after `/metrics/`, e.g. `job/nightly/instance@base64/=`.
    pub fn parse(tail: &str, limits: &Limits) -> Result<Self, LabelError> {
        let decoded = percent_encoding::percent_decode_str(tail)
            .decode_utf8()
            .map_err(|_| bad("the path is not UTF-8 once percent-decoded".into()))?;
        let mut parts: Vec<&str> = decoded.split('/').collect();
        // `/metrics/job/x/` (a trailing slash) names the same group as `/metrics/job/x`
        if parts.len() > 2 && parts.last() == Some(&"") {
            parts.pop();
        }
        if !matches!(parts[0], "job" | "job@base64") {
            return Err(bad(
                "the path must start with /metrics/job/<job> (or /metrics/job@base64/<job>)".into(),
            ));
        }
        if !parts.len().is_multiple_of(2) {
            return Err(bad(format!(
                "the path has an odd number of parts after /metrics/ ({decoded:?}): write /metrics/job/<job>/<label>/<value>…"
            )));
        }
        let mut raw: Vec<(&str, String)> = Vec::with_capacity(parts.len() / 2);
        for pair in parts.chunks(2) {
            let (name, value) = (pair[0], pair[1]);
            raw.push(match name.strip_suffix(BASE64_SUFFIX) {
                Some(name) => (name, decode_base64(name, value)?),
                None => (name, value.to_owned()),
            });
        }
        if raw[0].1.is_empty() {
            return Err(bad("the job name is empty: it is required".into()));
        }
        let mut labels = Vec::with_capacity(raw.len());
        for (name, value) in &raw {
            if raw.iter().filter(|(n, _)| n == name).count() > 1 {
                return Err(bad(format!(
                    "the grouping key names the label {name:?} twice"
                )));
            }
            let judged = judge_label(name, value, limits).map_err(|e| LabelError {
                code: "invalid_grouping_key",
                message: format!("in the grouping key: {}", e.message),
            })?;
            labels.extend(judged);
        }
        if labels.len() > limits.max_labels {
            return Err(bad(format!(
                "the grouping key has {} labels; the limit (max_labels) is {}",
                labels.len(),
                limits.max_labels
            )));
        }
        labels.sort();
        Ok(Self { labels })
    }

    /// The labels every series of the group carries, sorted by name.
    pub fn labels(&self) -> &[(Box<str>, Box<str>)] {
        &self.labels
    }

    /// The job, as pushed (the value of `exported_job`).
    pub fn job(&self) -> &str {
        self.labels
            .iter()
            .find(|(n, _)| &**n == "exported_job")
            .map_or("", |(_, v)| v)
    }

    /// Rebuilds a key from labels that were valid when it was made (a restored checkpoint).
    pub fn from_labels(mut labels: Vec<(Box<str>, Box<str>)>) -> Self {
        labels.sort();
        Self { labels }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn key(tail: &str) -> Result<Vec<(String, String)>, String> {
        GroupingKey::parse(tail, &limits())
            .map(|k| {
                k.labels()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect()
            })
            .map_err(|e| e.message)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn job_and_instance_become_exported_labels() {
        assert_eq!(
            key("job/nightly/instance/db1/shard/7").unwrap(),
            pairs(&[
                ("exported_instance", "db1"),
                ("exported_job", "nightly"),
                ("shard", "7")
            ])
        );
        assert_eq!(
            key("job/nightly/").unwrap(),
            pairs(&[("exported_job", "nightly")])
        );
    }

    #[test]
    fn base64_values_and_the_empty_value() {
        // what prometheus_client sends for a value with a slash, and for an empty value
        assert_eq!(
            key("job@base64/L3Zhci90bXA=/instance@base64/=").unwrap(),
            pairs(&[("exported_job", "/var/tmp")])
        );
        assert_eq!(
            key("job/a/path@base64/L3Zhci90bXA").unwrap(),
            pairs(&[("exported_job", "a"), ("path", "/var/tmp")])
        );
        // the empty value names the same group as no label at all
        assert_eq!(key("job/a/instance@base64/="), key("job/a"));
    }

    #[test]
    fn percent_escapes_are_decoded_before_splitting() {
        assert_eq!(
            key("job/a%20b/x/%C3%A9").unwrap(),
            pairs(&[("exported_job", "a b"), ("x", "é")])
        );
    }

    #[test]
    fn malformed_paths_are_refused() {
        for (tail, why) in [
            ("", "must start with /metrics/job"),
            ("job", "odd number"),
            ("instance/x", "must start with /metrics/job"),
            ("job/", "empty"),
            ("job@base64/=", "empty"),
            ("job/a/x", "odd number"),
            ("job/a/x/1/x/2", "twice"),
            ("job/a/job/b", "twice"),
            ("job/a/le/1", "reserved"),
            ("job/a/__x/1", "'__'"),
            ("job/a/a-b/1", "not a valid label name"),
            ("job/a/x@base64/!!", "base64"),
            ("job/a/x/%FF", "UTF-8"),
        ] {
            let message = key(tail).unwrap_err();
            assert!(message.contains(why), "{tail}: {message}");
        }
    }
}
