use std::fmt;

/// Label names pushgate sets itself; clients may neither set nor declare them.
pub const SERVER_LABELS: [&str; 3] = ["tenant", "instance", "job"];
/// Label names the exposition format reserves for histograms and summaries.
pub const TYPE_LABELS: [&str; 2] = ["le", "quantile"];

/// A label name a client may use: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, not reserved.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct LabelName(String);

/// `[a-zA-Z_][a-zA-Z0-9_]*` as one loop over the bytes: any byte of a non-ASCII character
/// fails the test, so no character needs decoding.
fn is_label_name(raw: &[u8]) -> bool {
    let Some((first, rest)) = raw.split_first() else {
        return false;
    };
    (first.is_ascii_alphabetic() || *first == b'_')
        && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

impl LabelName {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, String> {
        Self::check(raw, max_len)?;
        Ok(Self(raw.to_owned()))
    }

    /// The rules of `parse`, without making a name: for a caller that keeps `raw` itself.
    pub fn check(raw: &str, max_len: usize) -> Result<(), String> {
        if raw.is_empty() || raw.len() > max_len {
            return Err(format!(
                "label name must be 1 to {max_len} characters long (max_name_len)"
            ));
        }
        if !is_label_name(raw.as_bytes()) {
            return Err(format!(
                "{raw:?} is not a valid label name: start with a letter or '_', then use letters, digits or '_'"
            ));
        }
        if raw.starts_with("__") {
            return Err(format!(
                "label name {raw:?} starts with '__', which Prometheus reserves"
            ));
        }
        if TYPE_LABELS.contains(&raw) {
            return Err(format!(
                "label name {raw:?} is reserved: Prometheus sets it for histograms and summaries"
            ));
        }
        if SERVER_LABELS.contains(&raw) {
            return Err(format!(
                "label name {raw:?} is reserved: pushgate sets tenant, instance and job itself"
            ));
        }
        Ok(())
    }
}

impl AsRef<str> for LabelName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LabelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::LabelName;
    use proptest::prelude::*;

    proptest! {
        /// The byte loop against the regex it replaced, with the reserved names apart.
        #[test]
        fn the_byte_loop_is_the_old_regex(raw in "[a-zA-Z0-9_:é\\- .\u{0}\u{80}\u{10FFFF}]{0,12}|\\PC{0,8}|__[a-z]{0,3}|le|job") {
            let old = regex_lite::Regex::new("^[a-zA-Z_][a-zA-Z0-9_]*$").unwrap();
            let reserved = raw.starts_with("__")
                || super::TYPE_LABELS.contains(&raw.as_str())
                || super::SERVER_LABELS.contains(&raw.as_str());
            prop_assert_eq!(LabelName::parse(&raw, 200).is_ok(), old.is_match(&raw) && !reserved);
            prop_assert_eq!(LabelName::check(&raw, 200).is_ok(), old.is_match(&raw) && !reserved);
        }
    }

    #[test]
    fn label_rules() {
        for good in ["plan", "_x", "a1"] {
            assert!(LabelName::parse(good, 200).is_ok(), "{good}");
        }
        for bad in [
            "", "1a", "a:b", "__name__", "le", "quantile", "tenant", "instance", "job", "a-b",
        ] {
            assert!(LabelName::parse(bad, 200).is_err(), "{bad}");
        }
    }
}
