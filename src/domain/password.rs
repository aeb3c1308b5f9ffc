use std::fmt;

/// A password that meets the length rule. Its `Debug` never prints the text.
pub struct Password(String);

pub const MIN_PASSWORD_LEN: usize = 8;
/// bcrypt only looks at the first 72 bytes: refuse longer passwords instead of silently truncating.
pub const MAX_PASSWORD_BYTES: usize = 72;

impl Password {
    pub fn parse(raw: String) -> Result<Self, String> {
        if raw.chars().count() < MIN_PASSWORD_LEN {
            return Err(format!("use at least {MIN_PASSWORD_LEN} characters"));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(format!("use at most {MAX_PASSWORD_BYTES} bytes"));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn length_rules() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("long enough".into()).is_ok());
        assert!(Password::parse("x".repeat(73)).is_err());
        assert!(
            !format!("{:?}", Password::parse("secret-pass".into()).unwrap()).contains("secret")
        );
    }
}
