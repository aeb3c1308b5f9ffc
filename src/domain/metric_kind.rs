use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The four Prometheus metric types a tenant can declare or push.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    Summary,
}

impl MetricKind {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "counter" => Ok(Self::Counter),
            "gauge" => Ok(Self::Gauge),
            "histogram" => Ok(Self::Histogram),
            "summary" => Ok(Self::Summary),
            other => Err(format!(
                "unknown metric type {other:?}: use counter, gauge, histogram or summary"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
            Self::Summary => "summary",
        }
    }

    /// The series names this metric exposes in the exposition format, besides its own name
    /// (a histogram `x` writes `x_bucket`, `x_sum`, `x_count`).
    pub fn suffixes(self) -> &'static [&'static str] {
        match self {
            Self::Counter | Self::Gauge => &[],
            Self::Histogram => &["_bucket", "_sum", "_count"],
            Self::Summary => &["_sum", "_count"],
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
