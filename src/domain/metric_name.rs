use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::Serialize;
use std::fmt;

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, bounded in length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(transparent)]
pub struct MetricName(String);

/// `[a-zA-Z_:][a-zA-Z0-9_:]*` as one loop over the bytes: any byte of a non-ASCII character
/// fails the test, so no character needs decoding.
fn is_metric_name(raw: &[u8]) -> bool {
    let Some((first, rest)) = raw.split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || matches!(first, b'_' | b':'))
        && rest
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':'))
}

impl MetricName {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, String> {
        Self::check(raw, max_len)?;
        Ok(Self(raw.to_owned()))
    }

    /// The rules of `parse`, without making a name: for a caller that keeps `raw` itself.
    pub fn check(raw: &str, max_len: usize) -> Result<(), String> {
        if raw.is_empty() {
            return Err("metric name is empty: use letters, digits, '_' and ':'".into());
        }
        if raw.len() > max_len {
            return Err(format!(
                "metric name is {} characters long; the limit (max_name_len) is {max_len}",
                raw.len()
            ));
        }
        if !is_metric_name(raw.as_bytes()) {
            return Err(format!(
                "{raw:?} is not a valid Prometheus metric name: start with a letter, '_' or ':', then use letters, digits, '_' or ':'"
            ));
        }
        Ok(())
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
    use proptest::prelude::*;

    proptest! {
        /// The byte loop against the regex it replaced, on any text (ASCII-heavy and not).
        #[test]
        fn the_byte_loop_is_the_old_regex(raw in "[a-zA-Z0-9_:é\\- .\u{0}\u{80}\u{10FFFF}]{0,12}|\\PC{0,8}") {
            let old = regex_lite::Regex::new("^[a-zA-Z_:][a-zA-Z0-9_:]*$").unwrap();
            prop_assert_eq!(MetricName::parse(&raw, 200).is_ok(), old.is_match(&raw));
            prop_assert_eq!(MetricName::check(&raw, 200).is_ok(), old.is_match(&raw));
        }
    }

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
