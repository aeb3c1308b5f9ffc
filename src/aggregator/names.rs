//! Which exposition names each metric family claims, so that no two tenants' choices can make
//! the Pushgateway reject a push (SPEC §5.3): the same name with two types, or a name that
//! collides with a histogram's `_bucket`/`_sum`/`_count`.

use crate::domain::MetricKind;
use std::collections::HashMap;

#[derive(Default, Clone, Debug)]
pub struct NameClaims {
    /// exposition name -> (family name, kind) of the family that writes it
    claims: HashMap<String, (String, MetricKind)>,
    /// family name -> how many holders (tenants' configs or live families) claim it
    holders: HashMap<String, (MetricKind, usize)>,
}

fn exposed(name: &str, kind: MetricKind) -> impl Iterator<Item = String> + '_ {
    std::iter::once(name.to_owned())
        .chain(kind.suffixes().iter().map(move |s| format!("{name}{s}")))
}

impl NameClaims {
    /// Why `(name, kind)` cannot join the families already claimed; `None` when it can.
    pub fn conflict(&self, name: &str, kind: MetricKind) -> Option<String> {
        if let Some((held_kind, _)) = self.holders.get(name) {
            if *held_kind != kind {
                return Some(format!(
                    "metric name {name:?} is already used as a {held_kind} (by this or another account); a {kind} cannot share it: choose another name"
                ));
            }
            return None;
        }
        exposed(name, kind).find_map(|series| {
            let (family, held_kind) = self.claims.get(&series)?;
            Some(format!(
                "metric name {name:?} ({kind}) would write the series {series:?}, which the {held_kind} {family:?} already writes; choose another name"
            ))
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
        assert!(c.conflict("x", Gauge).unwrap().contains("counter"));
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
}
