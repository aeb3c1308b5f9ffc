//! The built-in auto-track metrics of the tracking code (SPEC §6): fixed names, types, buckets
//! and bounded labels. Only browser (key-only) pushes may send them.

use super::MetricKind;

pub struct BuiltinMetric {
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
    pub buckets: &'static [f64],
    pub labels: &'static [&'static str],
}

/// Longest `path` label value the tracker sends; the server enforces it too.
pub const MAX_PATH_LEN: usize = 100;

pub const BUILTIN_METRICS: &[BuiltinMetric] = &[
    BuiltinMetric {
        name: "page_views_total",
        kind: MetricKind::Counter,
        help: "Page views, including SPA route changes.",
        buckets: &[],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "page_load_seconds",
        kind: MetricKind::Histogram,
        help: "Page load time (navigation start to load event end).",
        buckets: &[0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "js_errors_total",
        kind: MetricKind::Counter,
        help: "Uncaught JavaScript errors and unhandled promise rejections.",
        buckets: &[],
        labels: &["path", "kind"],
    },
    BuiltinMetric {
        name: "web_vitals_lcp_seconds",
        kind: MetricKind::Histogram,
        help: "Largest Contentful Paint (good <= 2.5 s, poor > 4 s).",
        buckets: &[1.0, 2.5, 4.0, 6.0, 10.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "web_vitals_inp_seconds",
        kind: MetricKind::Histogram,
        help: "Interaction to Next Paint (good <= 0.2 s, poor > 0.5 s).",
        buckets: &[0.1, 0.2, 0.5, 1.0, 2.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "web_vitals_cls",
        kind: MetricKind::Histogram,
        help: "Cumulative Layout Shift (good <= 0.1, poor > 0.25).",
        buckets: &[0.05, 0.1, 0.25, 0.5, 1.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "web_vitals_fcp_seconds",
        kind: MetricKind::Histogram,
        help: "First Contentful Paint (good <= 1.8 s, poor > 3 s).",
        buckets: &[1.0, 1.8, 3.0, 5.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "web_vitals_ttfb_seconds",
        kind: MetricKind::Histogram,
        help: "Time to First Byte (good <= 0.8 s, poor > 1.8 s).",
        buckets: &[0.2, 0.8, 1.8, 3.0],
        labels: &["path"],
    },
    BuiltinMetric {
        name: "time_on_page_seconds",
        kind: MetricKind::Histogram,
        help: "Visible time spent on a page.",
        buckets: &[5.0, 15.0, 30.0, 60.0, 180.0, 600.0],
        labels: &["path"],
    },
];

pub fn find(name: &str) -> Option<&'static BuiltinMetric> {
    BUILTIN_METRICS.iter().find(|m| m.name == name)
}
