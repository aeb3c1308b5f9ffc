//! A snapshot as remote-write requests: each series of the aggregate becomes the sample
//! series Prometheus would have scraped from the Pushgateway (a histogram's cumulative
//! `_bucket`s with `le`, `_sum`, `_count`; a summary's quantiles, `_sum`, `_count`), with
//! the same labels (`job="pushgate"`, `instance`, `tenant` and the series' own), sorted by
//! name as remote write 1.0 requires, every sample stamped with the flush time. Requests hold
//! at most `MAX_SERIES_PER_REQUEST` sample series and are snappy-compressed (block format).

use super::proto::{Label, Sample, TimeSeries, WriteRequest};
use crate::aggregator::removals::{Removal, RemovedShape};
use crate::aggregator::snapshot::{FamilySnapshot, SeriesSnapshot, Snapshot, ValueSnapshot};
use crate::domain::{LabelSet, UserId};
use crate::exposition::TENANT_LABEL;
use prost::Message;
use std::collections::{HashMap, HashSet};

pub const MAX_SERIES_PER_REQUEST: usize = 5_000;

/// Prometheus's staleness marker: a NaN no arithmetic produces (`value.StaleNaN`).
pub const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// One request, ready to POST.
pub struct Batch {
    /// whose series it holds, in tenant-header mode
    pub tenant: Option<UserId>,
    /// snappy-compressed `WriteRequest`
    pub body: Vec<u8>,
    /// sample series in it
    pub series: usize,
}

/// What one flush sends.
pub struct Plan<'a> {
    pub snapshot: &'a Snapshot,
    /// send only series updated at or after this Unix second; `None`: every series
    pub changed_since: Option<i64>,
    /// staleness markers for these, unless the snapshot holds them again
    pub removals: &'a [Removal],
    pub instance: &'a str,
    /// one tenant per request
    pub per_tenant: bool,
}

/// The labels every sample series of one aggregate series shares, `__name__` aside.
fn base_labels(instance: &str, tenant: UserId, labels: &LabelSet) -> Vec<Label> {
    let mut out = Vec::with_capacity(labels.len() + 5);
    out.push(label("instance", instance));
    out.push(label("job", "pushgate"));
    out.push(label(TENANT_LABEL, &tenant.to_string()));
    out.extend(labels.iter().map(|(k, v)| label(k, v)));
    out
}

fn label(name: &str, value: &str) -> Label {
    Label {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

/// The `le` and `quantile` values as the text exposition writes them (`1`, `0.25`, `+Inf`),
/// so the series are the same ones Prometheus scrapes from the Pushgateway.
fn bound(x: f64) -> String {
    if x == f64::INFINITY {
        "+Inf".to_owned()
    } else {
        x.to_string()
    }
}

/// Collects sample series into requests of at most `MAX_SERIES_PER_REQUEST`.
struct Batcher<'f> {
    timestamp: i64,
    tenant: Option<UserId>,
    series: Vec<TimeSeries>,
    emit: &'f mut dyn FnMut(Batch) -> bool,
    open: bool,
}

impl Batcher<'_> {
    fn push(&mut self, base: &[Label], name: String, extra: Option<(&str, String)>, value: f64) {
        let mut labels = Vec::with_capacity(base.len() + 2);
        labels.push(Label {
            name: "__name__".to_owned(),
            value: name,
        });
        labels.extend_from_slice(base);
        if let Some((n, v)) = extra {
            labels.push(Label {
                name: n.to_owned(),
                value: v,
            });
        }
        labels.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        self.series.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp,
            }],
        });
        if self.series.len() >= MAX_SERIES_PER_REQUEST {
            self.finish();
        }
    }

    /// Sends what is collected; after the receiving end went away, nothing more is built.
    fn finish(&mut self) {
        if self.series.is_empty() || !self.open {
            self.series.clear();
            return;
        }
        let request = WriteRequest {
            timeseries: std::mem::take(&mut self.series),
        };
        let series = request.timeseries.len();
        let raw = request.encode_to_vec();
        drop(request);
        // Compressing into a fresh buffer cannot fail but for sizes past `max_compress_len`.
        let body = match snap::raw::Encoder::new().compress_vec(&raw) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "could not compress a remote-write request");
                return;
            }
        };
        self.open = (self.emit)(Batch {
            tenant: self.tenant,
            body,
            series,
        });
    }

    fn value(&mut self, family: &str, base: &[Label], value: &ValueSnapshot) {
        match value {
            ValueSnapshot::Counter(v) | ValueSnapshot::Gauge(v) => {
                self.push(base, family.to_owned(), None, *v);
            }
            ValueSnapshot::Histogram {
                bounds,
                counts,
                sum,
                count,
            } => {
                let mut cumulative = 0u64;
                for (b, n) in bounds.iter().zip(counts.iter()) {
                    cumulative += n;
                    let name = format!("{family}_bucket");
                    self.push(base, name, Some(("le", bound(*b))), cumulative as f64);
                }
                if bounds.last() != Some(&f64::INFINITY) {
                    let name = format!("{family}_bucket");
                    self.push(
                        base,
                        name,
                        Some(("le", bound(f64::INFINITY))),
                        *count as f64,
                    );
                }
                self.push(base, format!("{family}_sum"), None, *sum);
                self.push(base, format!("{family}_count"), None, *count as f64);
            }
            ValueSnapshot::Summary {
                quantiles,
                values,
                sum,
                count,
            } => {
                for (q, v) in quantiles.iter().zip(values.iter()) {
                    self.push(base, family.to_owned(), Some(("quantile", bound(*q))), *v);
                }
                self.push(base, format!("{family}_sum"), None, *sum);
                self.push(base, format!("{family}_count"), None, *count as f64);
            }
        }
    }

    fn stale(&mut self, family: &str, base: &[Label], shape: &RemovedShape) {
        let nan = f64::from_bits(STALE_NAN);
        match shape {
            RemovedShape::Counter | RemovedShape::Gauge => {
                self.push(base, family.to_owned(), None, nan);
            }
            RemovedShape::Histogram { bounds } => {
                let mut les: Vec<f64> = bounds.to_vec();
                if les.last() != Some(&f64::INFINITY) {
                    les.push(f64::INFINITY);
                }
                for b in les {
                    let name = format!("{family}_bucket");
                    self.push(base, name, Some(("le", bound(b))), nan);
                }
                self.push(base, format!("{family}_sum"), None, nan);
                self.push(base, format!("{family}_count"), None, nan);
            }
            RemovedShape::Summary { quantiles } => {
                for q in quantiles.iter() {
                    self.push(base, family.to_owned(), Some(("quantile", bound(*q))), nan);
                }
                self.push(base, format!("{family}_sum"), None, nan);
                self.push(base, format!("{family}_count"), None, nan);
            }
        }
    }
}

/// The removals whose series the snapshot does not hold (again).
fn gone<'r>(snapshot: &Snapshot, removals: &'r [Removal]) -> Vec<&'r Removal> {
    if removals.is_empty() {
        return Vec::new();
    }
    let names: HashSet<&str> = removals.iter().map(|r| r.family.as_str()).collect();
    let present: HashSet<(&str, UserId, &LabelSet)> = snapshot
        .families
        .iter()
        .filter(|f| names.contains(f.name.as_str()))
        .flat_map(|f| {
            f.series
                .iter()
                .map(|s| (f.name.as_str(), s.tenant, &s.labels))
        })
        .collect();
    let mut seen = HashSet::new();
    removals
        .iter()
        .filter(|r| !present.contains(&(r.family.as_str(), r.tenant, &r.labels)))
        // a series removed twice between two successful sends needs one marker
        .filter(|r| seen.insert((r.family.as_str(), r.tenant, &r.labels)))
        .collect()
}

/// One tenant's series (family, series) and markers, in tenant-header mode.
type TenantPart<'a> = (
    Vec<(&'a FamilySnapshot, &'a SeriesSnapshot)>,
    Vec<&'a Removal>,
);

/// Builds the requests of one flush stamped `timestamp` and hands each to `emit`, which
/// answers whether it wants more. Runs off the async executor (it is CPU work).
pub fn encode(plan: &Plan<'_>, timestamp: i64, emit: &mut dyn FnMut(Batch) -> bool) {
    let wanted = |s: &SeriesSnapshot| plan.changed_since.is_none_or(|t| s.touched >= t);
    let stale = gone(plan.snapshot, plan.removals);
    let mut batcher = Batcher {
        timestamp,
        tenant: None,
        series: Vec::new(),
        emit,
        open: true,
    };
    if !plan.per_tenant {
        for f in &plan.snapshot.families {
            for s in f.series.iter().filter(|s| wanted(s)) {
                let base = base_labels(plan.instance, s.tenant, &s.labels);
                batcher.value(&f.name, &base, &s.value);
            }
        }
        for r in stale {
            let base = base_labels(plan.instance, r.tenant, &r.labels);
            batcher.stale(&r.family, &base, &r.shape);
        }
        batcher.finish();
        return;
    }
    // One tenant per request: first where each tenant's series are, then tenant by tenant.
    let mut by_tenant: HashMap<UserId, TenantPart<'_>> = HashMap::new();
    for f in &plan.snapshot.families {
        for s in f.series.iter().filter(|s| wanted(s)) {
            by_tenant.entry(s.tenant).or_default().0.push((f, s));
        }
    }
    for r in stale {
        by_tenant.entry(r.tenant).or_default().1.push(r);
    }
    for (tenant, (series, removed)) in by_tenant {
        batcher.tenant = Some(tenant);
        for (f, s) in series {
            let base = base_labels(plan.instance, s.tenant, &s.labels);
            batcher.value(&f.name, &base, &s.value);
        }
        for r in removed {
            let base = base_labels(plan.instance, r.tenant, &r.labels);
            batcher.stale(&r.family, &base, &r.shape);
        }
        batcher.finish();
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
