use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::Serialize;
use std::fmt;

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, bounded in length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(transparent)]
pub struct MetricName(String);

impl MetricName {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("metric name is empty: use letters, digits, '_' and ':'".into());
        }
        if raw.len() > max_len {
            return Err(format!(
                "metric name is {} characters long; the limit (max_name_len) is {max_len}",
                raw.len()
            ));
        }
        let mut chars = raw.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            return Err(format!(
                "{raw:?} is not a valid Prometheus metric name: start with a letter, '_' or ':', then use letters, digits, '_' or ':'"
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for MetricName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MetricName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::MetricName;

    #[test]
    fn prometheus_name_rules() {
        for good in ["a", "signups_total", "ns:metric_1", "_x", ":y"] {
            assert!(MetricName::parse(good, 200).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "a-b", "a b", "é", "a.b"] {
            assert!(MetricName::parse(bad, 200).is_err(), "{bad}");
        }
        assert!(
            MetricName::parse(&"a".repeat(201), 200)
                .unwrap_err()
                .contains("200")
        );
    }
}
