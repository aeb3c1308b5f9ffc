//! The label set of one series that arrives through another protocol than the JSON batch (the
//! Pushgateway API, OTLP): the client's own labels judged by the rules of SPEC §5.2, then the
//! protocol's identity labels (a grouping key, an OpenTelemetry service) added on top.

use super::registry::DeclaredMetric;
use crate::domain::LabelName;
use crate::domain::LabelSet;
use crate::domain::SERVER_LABELS;
use crate::settings::Limits;
use std::borrow::Cow;

/// Why a series' labels were refused: a code for the log and the live view, and a message for
/// the person who pushed them.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelError {
    pub code: &'static str,
    pub message: String,
}

/// One judged label pair, as it will be exposed.
pub type LabelPair = (Box<str>, Box<str>);

fn fail(code: &'static str, message: String) -> LabelError {
    LabelError { code, message }
}

/// A label pushgate sets itself (`tenant`, `instance`, `job`) becomes `exported_<name>`:
/// Prometheus's own convention when a target's label clashes with one the server sets.
pub fn exported(name: &str) -> Cow<'_, str> {
    if SERVER_LABELS.contains(&name) {
        Cow::Owned(format!("exported_{name}"))
    } else {
        Cow::Borrowed(name)
    }
}

/// One label a client sent, judged: the exported name, a valid label name, a bounded value.
/// `None` for an empty value, which Prometheus treats as no label at all.
pub fn judge_label(
    name: &str,
    value: &str,
    limits: &Limits,
) -> Result<Option<LabelPair>, LabelError> {
    let name = exported(name);
    let label =
        LabelName::parse(&name, limits.max_name_len).map_err(|m| fail("invalid_label_name", m))?;
    let length = value.chars().count();
    if length > limits.max_label_value_len {
        return Err(fail(
            "label_value_too_long",
            format!(
                "label {name:?} is {length} characters long; the limit (max_label_value_len) is {}",
                limits.max_label_value_len
            ),
        ));
    }
    if value.is_empty() {
        return Ok(None);
    }
    Ok(Some((label.as_ref().into(), value.into())))
}

/// The full label set of one series: the client's `own` labels (already judged by
/// `judge_label`), restricted to the declared ones with their defaults when the metric has a
/// config, plus the `identity` labels of the push. An own label may repeat an identity label
/// with the same value; another value is refused rather than silently overwritten.
pub fn series_labels(
    mut own: Vec<LabelPair>,
    identity: &[LabelPair],
    declared: Option<&DeclaredMetric>,
    limits: &Limits,
) -> Result<LabelSet, LabelError> {
    if let Some(config) = declared {
        if let Some((name, _)) = own
            .iter()
            .find(|(name, _)| !config.labels.iter().any(|(l, _)| l.as_ref() == &**name))
        {
            let declared_names: Vec<&str> = config.labels.iter().map(|(l, _)| l.as_ref()).collect();
            return Err(fail(
                "label_not_declared",
                format!(
                    "label {name:?} is not declared for this metric; declared labels: {}",
                    if declared_names.is_empty() {
                        "none".to_owned()
                    } else {
                        declared_names.join(", ")
                    }
                ),
            ));
        }
        for (label, default) in config.labels.iter() {
            if let Some(default) = default.filter(|d| !d.is_empty())
                && !own.iter().any(|(name, _)| &**name == label.as_ref())
            {
                own.push((label.as_ref().into(), default.into()));
            }
        }
    }
    for (name, value) in identity {
        match own.iter().find(|(n, _)| n == name) {
            Some((_, v)) if v == value => {}
            Some((_, v)) => {
                return Err(fail(
                    "label_conflict",
                    format!(
                        "label {name:?} is {v:?} in the metric but {value:?} in the push's identity (grouping key or service); drop it from the metric or make them agree"
                    ),
                ));
            }
            None => own.push((name.clone(), value.clone())),
        }
    }
    if own.len() > limits.max_labels {
        return Err(fail(
            "too_many_labels",
            format!(
                "{} labels on one series (its own and the push's identity labels); the limit (max_labels) is {}",
                own.len(),
                limits.max_labels
            ),
        ));
    }
    own.sort();
    if let Some(pair) = own.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(fail(
            "duplicate_label",
            format!("label {:?} is given twice on one series", pair[0].0),
        ));
    }
    Ok(own.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MetricKind;
    use crate::domain::{DeclaredLabels, MetricSchema};

    fn limits() -> Limits {
        Limits {
            max_labels: 4,
            max_label_value_len: 8,
            ..Limits::default()
        }
    }

    fn pair(n: &str, v: &str) -> (Box<str>, Box<str>) {
        (n.into(), v.into())
    }

    #[test]
    fn server_labels_are_exported_and_empty_values_dropped() {
        let l = limits();
        assert_eq!(
            judge_label("job", "a", &l).unwrap(),
            Some(pair("exported_job", "a"))
        );
        assert_eq!(
            judge_label("instance", "a", &l).unwrap(),
            Some(pair("exported_instance", "a"))
        );
        assert_eq!(judge_label("plan", "", &l).unwrap(), None);
        for bad in ["__name__", "le", "quantile", "a-b", "1a"] {
            assert_eq!(
                judge_label(bad, "x", &l).unwrap_err().code,
                "invalid_label_name"
            );
        }
        assert_eq!(
            judge_label("a", "123456789", &l).unwrap_err().code,
            "label_value_too_long"
        );
    }

    #[test]
    fn identity_labels_join_and_must_agree() {
        let l = limits();
        let identity = [pair("exported_job", "batch")];
        let set = series_labels(vec![pair("b", "1"), pair("a", "2")], &identity, None, &l).unwrap();
        assert_eq!(
            &*set,
            &[
                pair("a", "2"),
                pair("b", "1"),
                pair("exported_job", "batch")
            ]
        );
        let same = series_labels(vec![pair("exported_job", "batch")], &identity, None, &l).unwrap();
        assert_eq!(same.len(), 1);
        let err =
            series_labels(vec![pair("exported_job", "other")], &identity, None, &l).unwrap_err();
        assert_eq!(err.code, "label_conflict");
        let many = vec![
            pair("a", "1"),
            pair("b", "1"),
            pair("c", "1"),
            pair("d", "1"),
        ];
        assert_eq!(
            series_labels(many, &identity, None, &l).unwrap_err().code,
            "too_many_labels"
        );
    }

    #[test]
    fn declared_metrics_take_only_their_labels_and_defaults() {
        let l = limits();
        let config = DeclaredMetric {
            schema: MetricSchema::undeclared(MetricKind::Counter),
            labels: DeclaredLabels::new(
                [
                    (LabelName::parse("plan", 200).unwrap(), Some("free".into())),
                    (LabelName::parse("region", 200).unwrap(), None),
                ]
                .into(),
            ),
            is_active: true,
        };
        let set = series_labels(vec![], &[], Some(&config), &l).unwrap();
        assert_eq!(&*set, &[pair("plan", "free")]);
        let err = series_labels(vec![pair("other", "x")], &[], Some(&config), &l).unwrap_err();
        assert_eq!(err.code, "label_not_declared");
        assert!(err.message.contains("plan, region"));
    }
}
