use std::fmt;

/// Label names pushgate sets itself; clients may neither set nor declare them.
pub const SERVER_LABELS: [&str; 3] = ["tenant", "instance", "job"];
/// Label names the exposition format reserves for histograms and summaries.
pub const TYPE_LABELS: [&str; 2] = ["le", "quantile"];

/// A label name a client may use: `[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed, not reserved.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct LabelName(String);

impl LabelName {
    pub fn parse(raw: &str, max_len: usize) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > max_len {
            return Err(format!(
                "label name must be 1 to {max_len} characters long (max_name_len)"
            ));
        }
        let mut chars = raw.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
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
        Ok(Self(raw.to_owned()))
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
