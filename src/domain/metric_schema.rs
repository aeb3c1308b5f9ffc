//! What the samples of one metric look like: its type, help, buckets and quantiles. Built
//! here only: for a tenant's config, for a built-in metric, or for an undeclared metric.

use super::MetricKind;
use super::builtin::{BUILTIN_METRICS, BuiltinMetric};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Prometheus' default histogram buckets, used when a config names none.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Quantiles of a summary whose config names none.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

#[derive(Debug, Clone, PartialEq)]
pub struct MetricSchema {
    pub kind: MetricKind,
    pub help: Option<String>,
    pub buckets: Arc<[f64]>,
    pub quantiles: Arc<[f64]>,
}

impl MetricSchema {
    /// The help a family is exposed with when no one gave it one.
    pub const DEFAULT_HELP: &'static str = "Custom metric pushed through pushgate.";

    /// A tenant's declared metric: its buckets and quantiles, or the defaults where it names
    /// none (an empty list names none).
    pub fn declared(
        kind: MetricKind,
        help: Option<String>,
        buckets: Option<&[f64]>,
        quantiles: Option<&[f64]>,
    ) -> Self {
        Self {
            kind,
            help,
            buckets: buckets
                .filter(|b| !b.is_empty())
                .unwrap_or(&DEFAULT_BUCKETS)
                .into(),
            quantiles: quantiles
                .filter(|q| !q.is_empty())
                .unwrap_or(&DEFAULT_QUANTILES)
                .into(),
        }
    }

    /// An undeclared metric of `kind`: one shared copy per type, not three allocations per item.
    pub fn undeclared(kind: MetricKind) -> Arc<Self> {
        static SCHEMAS: OnceLock<[Arc<MetricSchema>; 4]> = OnceLock::new();
        let schemas = SCHEMAS.get_or_init(|| {
            [
                MetricKind::Counter,
                MetricKind::Gauge,
                MetricKind::Histogram,
                MetricKind::Summary,
            ]
            .map(|k| Arc::new(Self::declared(k, None, None, None)))
        });
        let i = match kind {
            MetricKind::Counter => 0,
            MetricKind::Gauge => 1,
            MetricKind::Histogram => 2,
            MetricKind::Summary => 3,
        };
        schemas[i].clone()
    }

    /// An undeclared metric whose client sends a help text with it (a `# HELP` line, an OTLP
    /// description); the shared copy of `undeclared` when the text is empty.
    pub fn pushed(kind: MetricKind, help: &str) -> Arc<Self> {
        if help.is_empty() {
            Self::undeclared(kind)
        } else {
            Arc::new(Self::declared(kind, Some(help.to_owned()), None, None))
        }
    }

    /// A built-in auto-track metric's schema (its help and buckets), one shared copy each.
    pub fn builtin(metric: &BuiltinMetric) -> Arc<Self> {
        static SCHEMAS: OnceLock<HashMap<&'static str, Arc<MetricSchema>>> = OnceLock::new();
        let of = |m: &BuiltinMetric| {
            Self::declared(m.kind, Some(m.help.to_owned()), Some(m.buckets), None)
        };
        let schemas = SCHEMAS.get_or_init(|| {
            BUILTIN_METRICS
                .iter()
                .map(|m| (m.name, Arc::new(of(m))))
                .collect()
        });
        schemas
            .get(metric.name)
            .cloned()
            .unwrap_or_else(|| Arc::new(of(metric)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lists_take_the_defaults_and_shared_copies_are_shared() {
        let h = MetricSchema::declared(MetricKind::Histogram, None, Some(&[]), None);
        assert_eq!(&*h.buckets, &DEFAULT_BUCKETS);
        assert_eq!(&*h.quantiles, &DEFAULT_QUANTILES);
        assert!(Arc::ptr_eq(
            &MetricSchema::undeclared(MetricKind::Gauge),
            &MetricSchema::undeclared(MetricKind::Gauge)
        ));
        let views = &BUILTIN_METRICS[1];
        assert_eq!(&*MetricSchema::builtin(views).buckets, views.buckets);
    }
}
