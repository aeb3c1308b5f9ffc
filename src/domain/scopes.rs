//! What an API key may do (`scopes`): `push` metrics, `read` its owner's series through the
//! tenant-scoped Prometheus API, or both. Stored as a Postgres `text[]`.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Push,
    Read,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Push, Scope::Read];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Push => "push",
            Scope::Read => "read",
        }
    }
}

/// A non-empty set of scopes, in the order of `Scope::ALL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes {
    push: bool,
    read: bool,
}

impl Scopes {
    /// A new key's scopes when none are asked for (and every key made before scopes existed).
    pub const DEFAULT: Scopes = Scopes {
        push: true,
        read: false,
    };

    /// `["push", "read"]`, a subset, in any order, without repeats mattering; empty or unknown
    /// names are refused with a message that says what to send.
    pub fn parse(raw: &[String]) -> Result<Self, String> {
        let mut scopes = Scopes {
            push: false,
            read: false,
        };
        for name in raw {
            match name.as_str() {
                "push" => scopes.push = true,
                "read" => scopes.read = true,
                other => {
                    return Err(format!(
                        "{other:?} is not a scope: use \"push\" (send metrics), \"read\" (query them through /prometheus) or both"
                    ));
                }
            }
        }
        if !scopes.push && !scopes.read {
            return Err("give the key at least one scope: \"push\", \"read\" or both".into());
        }
        Ok(scopes)
    }

    /// From a stored row, which the table's CHECK constraint keeps valid; anything else
    /// falls back to no scope at all rather than to a wider one.
    pub fn from_stored(raw: &[String]) -> Self {
        Self::parse(raw).unwrap_or(Scopes {
            push: false,
            read: false,
        })
    }

    pub fn allows(self, scope: Scope) -> bool {
        match scope {
            Scope::Push => self.push,
            Scope::Read => self.read,
        }
    }

    pub fn to_vec(self) -> Vec<String> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.allows(*s))
            .map(|s| s.as_str().to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_subsets_in_any_order() {
        assert_eq!(Scopes::parse(&strings(&["push"])).unwrap(), Scopes::DEFAULT);
        let both = Scopes::parse(&strings(&["read", "push", "read"])).unwrap();
        assert_eq!(both.to_vec(), strings(&["push", "read"]));
        let read = Scopes::parse(&strings(&["read"])).unwrap();
        assert!(read.allows(Scope::Read) && !read.allows(Scope::Push));
    }

    #[test]
    fn refuses_empty_and_unknown() {
        assert!(Scopes::parse(&[]).unwrap_err().contains("at least one"));
        assert!(
            Scopes::parse(&strings(&["admin"]))
                .unwrap_err()
                .contains("\"admin\" is not a scope")
        );
        let none = Scopes::from_stored(&strings(&["admin"]));
        assert!(!none.allows(Scope::Push) && !none.allows(Scope::Read));
    }
}
