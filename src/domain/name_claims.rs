//! Which exposition names each metric family claims, so that no two tenants' choices can make
//! the Pushgateway reject a push (SPEC §5.3): the same name with two types, or a name that
//! collides with a histogram's `_bucket`/`_sum`/`_count`. The suffix rules live here only.

use super::MetricKind;
use std::collections::HashMap;
use std::fmt;

#[derive(Default, Clone, Debug)]
pub struct NameClaims {
    /// exposition name -> (family name, kind) of the family that writes it
    claims: HashMap<String, (String, MetricKind)>,
    /// family name -> how many holders (tenants' configs or live families) claim it
    holders: HashMap<String, (MetricKind, usize)>,
}

/// Why a family cannot have the name it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameConflict {
    /// The name is already held with another type.
    KindTaken {
        name: String,
        held: MetricKind,
        wanted: MetricKind,
    },
    /// The family would write `series`, which the family `holder` (a `held`) already writes.
    SeriesTaken {
        name: String,
        kind: MetricKind,
        series: String,
        holder: String,
        held: MetricKind,
    },
}

impl fmt::Display for NameConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KindTaken { name, held, wanted } => write!(
                f,
                "metric name {name:?} is already used as a {held} (by this or another account); a {wanted} cannot share it: choose another name"
            ),
            Self::SeriesTaken {
                name,
                kind,
                series,
                holder,
                held,
            } => write!(
                f,
                "metric name {name:?} ({kind}) would write the series {series:?}, which the {held} {holder:?} already writes; choose another name"
            ),
        }
    }
}

/// The series names a family writes: its own, and those of its type's suffixes.
fn exposed(name: &str, kind: MetricKind) -> impl Iterator<Item = String> + '_ {
    std::iter::once(name.to_owned())
        .chain(kind.suffixes().iter().map(move |s| format!("{name}{s}")))
}

/// Every family name whose holder could clash with `name` of `kind`: the name, the series it
/// writes, and the family it would be a series of (`x` for `x_count`).
pub fn names_that_could_clash(name: &str, kind: MetricKind) -> Vec<String> {
    let mut names: Vec<String> = exposed(name, kind).collect();
    for s in MetricKind::Histogram.suffixes() {
        if let Some(base) = name.strip_suffix(s) {
            names.push(base.to_owned());
        }
    }
    names
}

impl NameClaims {
    /// The kind `name` is held as and by how many holders, when someone holds it.
    pub fn holder(&self, name: &str) -> Option<(MetricKind, usize)> {
        self.holders.get(name).copied()
    }

    /// Why `(name, kind)` cannot join the families already claimed; `None` when it can.
    pub fn conflict(&self, name: &str, kind: MetricKind) -> Option<NameConflict> {
        if let Some((held, _)) = self.holders.get(name) {
            if *held != kind {
                return Some(NameConflict::KindTaken {
                    name: name.to_owned(),
                    held: *held,
                    wanted: kind,
                });
            }
            return None;
        }
        exposed(name, kind).find_map(|series| {
            let (holder, held) = self.claims.get(&series)?;
            Some(NameConflict::SeriesTaken {
                name: name.to_owned(),
                kind,
                holder: holder.clone(),
                held: *held,
                series,
            })
        })
    }

    /// Records one more holder of `(name, kind)`. Call only after `conflict` returned `None`.
    pub fn claim(&mut self, name: &str, kind: MetricKind) {
        let entry = self.holders.entry(name.to_owned()).or_insert((kind, 0));
        entry.1 += 1;
        if entry.1 == 1 {
            for series in exposed(name, kind) {
                self.claims.insert(series, (name.to_owned(), kind));
            }
        }
    }

    /// Drops one holder; the names are free again once nobody holds them.
    pub fn release(&mut self, name: &str) {
        let Some((kind, count)) = self.holders.get_mut(name) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            let kind = *kind;
            self.holders.remove(name);
            for series in exposed(name, kind) {
                self.claims.remove(&series);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MetricKind::*;

    #[test]
    fn same_name_same_type_is_shared() {
        let mut c = NameClaims::default();
        c.claim("x", Counter);
        assert!(c.conflict("x", Counter).is_none());
        assert!(
            c.conflict("x", Gauge)
                .unwrap()
                .to_string()
                .contains("counter")
        );
    }

    #[test]
    fn histogram_suffixes_collide() {
        let mut c = NameClaims::default();
        c.claim("latency", Histogram);
        assert!(c.conflict("latency_bucket", Counter).is_some());
        assert!(c.conflict("latency_count", Gauge).is_some());
        let mut c = NameClaims::default();
        c.claim("req_count", Gauge);
        assert!(c.conflict("req", Summary).is_some());
        assert!(c.conflict("req", Counter).is_none());
    }

    #[test]
    fn release_frees_names() {
        let mut c = NameClaims::default();
        c.claim("h", Histogram);
        c.claim("h", Histogram);
        c.release("h");
        assert!(c.conflict("h_sum", Counter).is_some());
        c.release("h");
        assert!(c.conflict("h_sum", Counter).is_none());
    }

    #[test]
    fn clashing_names_cover_suffixes_both_ways() {
        assert_eq!(
            names_that_could_clash("lat", Histogram),
            ["lat", "lat_bucket", "lat_sum", "lat_count"]
        );
        assert_eq!(
            names_that_could_clash("req_count", Gauge),
            ["req_count", "req"]
        );
    }
}
