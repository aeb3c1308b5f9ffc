//! A snapshot as remote-write requests: each series of the aggregate becomes the sample
//! series Prometheus would have scraped from the Pushgateway (a histogram's cumulative
//! `_bucket`s with `le`, `_sum`, `_count`; a summary's quantiles, `_sum`, `_count`), with
//! the same labels (`job="pushgate"`, `instance`, `tenant` and the series' own), sorted by
//! name as remote write 1.0 requires, every sample stamped with the flush time. Requests hold
//! at most `Plan::max_series` sample series, written straight into one reused buffer
//! (`wire.rs`: no label `String`s, no per-series `Vec`s) and snappy-compressed (block format)
//! with one reused encoder.
//! Over 300 lines: the walk over a snapshot and the request it fills share their buffers; split,
//! each half would pass the other's state around.

use super::wire;
use crate::aggregator::removals::{Removal, RemovedShape};
use crate::aggregator::snapshot::{SeriesSnapshot, Snapshot, ValueSnapshot};
use crate::domain::{LabelSet, UserId};
use crate::exposition::TENANT_LABEL;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Sample series per request at most, by default (`--remote-write-batch-series`): chosen by
/// measurement with `IN_FLIGHT` (docs/performance.md, "Remote write"); Prometheus's own
/// `max_samples_per_send` default is the same.
pub const MAX_SERIES_PER_REQUEST: usize = 2_000;
/// Bytes one sample series takes before compression, about: what the buffer starts with.
const RAW_BYTES_PER_SERIES: usize = 192;

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
    /// sample series per request at most
    pub max_series: usize,
}

/// What every sample series of one aggregate series shares, `__name__` aside: the labels it
/// is written with (borrowed from the snapshot) and its tenant as text.
struct Base<'a> {
    instance: &'a str,
    tenant: &'a str,
    /// sorted by name
    own: &'a [(Box<str>, Box<str>)],
    /// the bytes they take (`wire::labels_len`)
    own_len: usize,
}

/// `tenant` as the `tenant` label writes it (hyphenated), in `buf`.
fn tenant_text(tenant: UserId, buf: &mut [u8; uuid::fmt::Hyphenated::LENGTH]) -> &str {
    tenant.0.hyphenated().encode_lower(buf)
}

/// A label set sorted by name: as it is (a `LabelSet` is kept sorted), or a sorted copy.
fn sorted(labels: &LabelSet) -> Cow<'_, [(Box<str>, Box<str>)]> {
    if labels.is_sorted_by(|a, b| a.0 <= b.0) {
        Cow::Borrowed(&labels[..])
    } else {
        let mut copy = labels.to_vec();
        copy.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Cow::Owned(copy)
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

/// The bounds of the last histogram (or quantiles of the last summary) as label values: the
/// series of a family nearly always share them, so they are written as text once.
#[derive(Default)]
struct BoundTexts {
    of: Vec<f64>,
    /// with `+Inf` appended for a histogram whose bounds lack it
    texts: Vec<String>,
    with_inf: bool,
}

impl BoundTexts {
    fn get(&mut self, bounds: &[f64], with_inf: bool) -> &[String] {
        let same = self.with_inf == with_inf
            && self.of.len() == bounds.len()
            && self
                .of
                .iter()
                .zip(bounds)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            self.of = bounds.to_vec();
            self.with_inf = with_inf;
            self.texts = bounds.iter().map(|b| bound(*b)).collect();
            if with_inf && bounds.last() != Some(&f64::INFINITY) {
                self.texts.push(bound(f64::INFINITY));
            }
        }
        &self.texts
    }
}

/// A family's sample-series names, written once per family.
struct Names {
    plain: String,
    bucket: String,
    sum: String,
    count: String,
}

impl Names {
    fn of(family: &str) -> Self {
        Self {
            plain: family.to_owned(),
            bucket: format!("{family}_bucket"),
            sum: format!("{family}_sum"),
            count: format!("{family}_count"),
        }
    }
}

/// Collects sample series into requests of at most `max_series`, written straight
/// into one reused buffer (`wire`) and compressed with one reused snappy encoder.
struct Batcher<'f> {
    timestamp: i64,
    tenant: Option<UserId>,
    /// the `WriteRequest` being written
    raw: Vec<u8>,
    /// sample series in `raw`
    series: usize,
    max_series: usize,
    snappy: snap::raw::Encoder,
    /// what `snappy` writes into, reused
    compressed: Vec<u8>,
    bounds: BoundTexts,
    emit: &'f mut dyn FnMut(Batch) -> bool,
    open: bool,
}

impl Batcher<'_> {
    fn push(&mut self, base: &Base<'_>, name: &str, extra: Option<(&str, &str)>, value: f64) {
        let mut fixed = [
            ("__name__", name),
            ("instance", base.instance),
            ("job", "pushgate"),
            (TENANT_LABEL, base.tenant),
            ("", ""),
        ];
        let n = match extra {
            Some(pair) => {
                fixed[4] = pair;
                5
            }
            None => 4,
        };
        wire::put_series(
            &mut self.raw,
            &mut fixed[..n],
            (base.own, base.own_len),
            value,
            self.timestamp,
        );
        self.series += 1;
        if self.series >= self.max_series {
            self.finish();
        }
    }

    /// Sends what is collected; after the receiving end went away, nothing more is built.
    fn finish(&mut self) {
        let series = std::mem::take(&mut self.series);
        if series == 0 || !self.open {
            self.raw.clear();
            return;
        }
        // into the reused scratch buffer, then a body of the compressed size: no zeroing and
        // no page faults of a worst-case-sized buffer per request
        self.compressed
            .resize(snap::raw::max_compress_len(self.raw.len()), 0);
        // Cannot fail but for sizes past `max_compress_len`'s limit (4 GiB).
        let compressed = self.snappy.compress(&self.raw, &mut self.compressed);
        self.raw.clear();
        let body = match compressed {
            Ok(n) => self.compressed[..n].to_vec(),
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

    fn value(&mut self, names: &Names, base: &Base<'_>, value: &ValueSnapshot) {
        match value {
            ValueSnapshot::Counter(v) | ValueSnapshot::Gauge(v) => {
                self.push(base, &names.plain, None, *v);
            }
            ValueSnapshot::Histogram {
                bounds,
                counts,
                sum,
                count,
            } => {
                let mut les = std::mem::take(&mut self.bounds);
                let texts = les.get(bounds, true);
                let mut cumulative = 0u64;
                for (le, n) in texts[..bounds.len()].iter().zip(counts.iter()) {
                    cumulative += n;
                    self.push(base, &names.bucket, Some(("le", le)), cumulative as f64);
                }
                if let Some(inf) = texts.get(bounds.len()) {
                    // the +Inf bucket the exposition adds: every observation
                    self.push(base, &names.bucket, Some(("le", inf)), *count as f64);
                }
                self.bounds = les;
                self.push(base, &names.sum, None, *sum);
                self.push(base, &names.count, None, *count as f64);
            }
            ValueSnapshot::Summary {
                quantiles,
                values,
                sum,
                count,
            } => {
                let mut qs = std::mem::take(&mut self.bounds);
                for (q, v) in qs.get(quantiles, false).iter().zip(values.iter()) {
                    self.push(base, &names.plain, Some(("quantile", q)), *v);
                }
                self.bounds = qs;
                self.push(base, &names.sum, None, *sum);
                self.push(base, &names.count, None, *count as f64);
            }
        }
    }

    fn stale(&mut self, names: &Names, base: &Base<'_>, shape: &RemovedShape) {
        let nan = f64::from_bits(STALE_NAN);
        match shape {
            RemovedShape::Counter | RemovedShape::Gauge => {
                self.push(base, &names.plain, None, nan);
            }
            RemovedShape::Histogram { bounds } => {
                let mut les = std::mem::take(&mut self.bounds);
                for le in les.get(bounds, true) {
                    self.push(base, &names.bucket, Some(("le", le)), nan);
                }
                self.bounds = les;
                self.push(base, &names.sum, None, nan);
                self.push(base, &names.count, None, nan);
            }
            RemovedShape::Summary { quantiles } => {
                let mut qs = std::mem::take(&mut self.bounds);
                for q in qs.get(quantiles, false) {
                    self.push(base, &names.plain, Some(("quantile", q)), nan);
                }
                self.bounds = qs;
                self.push(base, &names.sum, None, nan);
                self.push(base, &names.count, None, nan);
            }
        }
    }

    /// One aggregate series' sample series.
    fn series(&mut self, names: &Names, instance: &str, s: &SeriesSnapshot) {
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        let own = sorted(&s.labels);
        let base = Base {
            instance,
            tenant: tenant_text(s.tenant, &mut text),
            own: &own,
            own_len: wire::labels_len(&own),
        };
        self.value(names, &base, &s.value);
    }

    /// One removed series' staleness markers.
    fn marker(&mut self, instance: &str, r: &Removal) {
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        let own = sorted(&r.labels);
        let base = Base {
            instance,
            tenant: tenant_text(r.tenant, &mut text),
            own: &own,
            own_len: wire::labels_len(&own),
        };
        self.stale(&Names::of(&r.family), &base, &r.shape);
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
type TenantPart<'a> = (Vec<(usize, &'a SeriesSnapshot)>, Vec<&'a Removal>);

/// Builds the requests of one flush stamped `timestamp` and hands each to `emit`, which
/// answers whether it wants more. Runs off the async executor (it is CPU work).
pub fn encode(plan: &Plan<'_>, timestamp: i64, emit: &mut dyn FnMut(Batch) -> bool) {
    let wanted = |s: &SeriesSnapshot| plan.changed_since.is_none_or(|t| s.touched >= t);
    let stale = gone(plan.snapshot, plan.removals);
    let mut batcher = Batcher {
        timestamp,
        tenant: None,
        raw: Vec::with_capacity(plan.max_series.min(50_000) * RAW_BYTES_PER_SERIES),
        series: 0,
        max_series: plan.max_series.max(1),
        snappy: snap::raw::Encoder::new(),
        compressed: Vec::new(),
        bounds: BoundTexts::default(),
        emit,
        open: true,
    };
    if !plan.per_tenant {
        for f in &plan.snapshot.families {
            let names = Names::of(&f.name);
            for s in f.series.iter().filter(|s| wanted(s)) {
                batcher.series(&names, plan.instance, s);
            }
        }
        for r in stale {
            batcher.marker(plan.instance, r);
        }
        batcher.finish();
        return;
    }
    // One tenant per request: first where each tenant's series are, then tenant by tenant.
    let mut by_tenant: HashMap<UserId, TenantPart<'_>> = HashMap::new();
    for (i, f) in plan.snapshot.families.iter().enumerate() {
        for s in f.series.iter().filter(|s| wanted(s)) {
            by_tenant.entry(s.tenant).or_default().0.push((i, s));
        }
    }
    for r in stale {
        by_tenant.entry(r.tenant).or_default().1.push(r);
    }
    let names: Vec<Names> = plan
        .snapshot
        .families
        .iter()
        .map(|f| Names::of(&f.name))
        .collect();
    for (tenant, (series, removed)) in by_tenant {
        batcher.tenant = Some(tenant);
        for (i, s) in series {
            batcher.series(&names[i], plan.instance, s);
        }
        for r in removed {
            batcher.marker(plan.instance, r);
        }
        batcher.finish();
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
