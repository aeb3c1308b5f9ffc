//! A pushed sample's value, judged for its type: counters finite and >= 0, gauges finite,
//! histograms with cumulative buckets that agree with their count, summaries with quantiles
//! in [0, 1]. The pushed values are the series' current values, stored as they are.

use super::body::PushedValue;
use super::judge::Reject;
use crate::aggregator::pushed::{CurrentValue, HistogramCounts, SummaryValues};
use crate::domain::MetricKind;

/// Counts above this are not exact in an `f64`, which both formats carry them through.
const MAX_EXACT_COUNT: f64 = 9_007_199_254_740_992.0;

fn exact_count(what: &str, n: f64) -> Result<u64, Reject> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_EXACT_COUNT {
        Ok(n as u64)
    } else {
        Err((
            "invalid_value",
            format!("{what} must be a whole number >= 0 (got {n})"),
        ))
    }
}

fn finite(what: &str, v: f64) -> Result<f64, Reject> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err((
            "invalid_value",
            format!("{what} must be a finite number (got {v}): NaN and ±Inf are not forwarded"),
        ))
    }
}

pub(super) fn current_value(kind: MetricKind, value: &PushedValue) -> Result<CurrentValue, Reject> {
    match (kind, value) {
        (MetricKind::Counter, PushedValue::Single(v)) => {
            let v = finite("a counter's value", *v)?;
            if v < 0.0 {
                return Err((
                    "invalid_value",
                    format!("a counter's value is its total and cannot be negative (got {v})"),
                ));
            }
            Ok(CurrentValue::Counter(v))
        }
        (MetricKind::Gauge, PushedValue::Single(v)) => {
            Ok(CurrentValue::Gauge(finite("a gauge's value", *v)?))
        }
        (
            MetricKind::Histogram,
            PushedValue::Histogram {
                buckets,
                sum,
                count,
            },
        ) => histogram(buckets, *sum, *count).map(CurrentValue::Histogram),
        (
            MetricKind::Summary,
            PushedValue::Summary {
                quantiles,
                sum,
                count,
            },
        ) => summary(quantiles, *sum, *count).map(CurrentValue::Summary),
        _ => Err((
            "type_mismatch",
            format!("the samples do not have the shape of a {kind}"),
        )),
    }
}

fn histogram(
    buckets: &[(f64, f64)],
    sum: Option<f64>,
    count: Option<f64>,
) -> Result<HistogramCounts, Reject> {
    let (finite_buckets, infinite): (Vec<_>, Vec<_>) =
        buckets.iter().partition(|(bound, _)| bound.is_finite());
    if buckets
        .iter()
        .any(|(b, _)| b.is_nan() || *b == f64::NEG_INFINITY)
    {
        return Err(("invalid_value", "a bucket bound is NaN or -Inf".into()));
    }
    let inf_count = match infinite.as_slice() {
        [] => None,
        [(_, n)] => Some(exact_count("the +Inf bucket's count", *n)?),
        _ => return Err(("invalid_value", "the +Inf bucket appears twice".into())),
    };
    let count = match (
        count.map(|c| exact_count("_count", c)).transpose()?,
        inf_count,
    ) {
        (Some(c), Some(i)) if c != i => {
            return Err((
                "invalid_value",
                format!("_count is {c} but the +Inf bucket holds {i}: they must be equal"),
            ));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => {
            return Err((
                "invalid_value",
                "a histogram needs its _count (or a +Inf bucket)".into(),
            ));
        }
    };
    let sum = finite("_sum", sum.unwrap_or(0.0))?;
    let mut bounds = Vec::with_capacity(finite_buckets.len());
    let mut counts = Vec::with_capacity(finite_buckets.len());
    let mut previous = 0u64;
    for (bound, cumulative) in finite_buckets {
        let cumulative = exact_count("a bucket's count", cumulative)?;
        if bounds.last().is_some_and(|last| *last >= bound) {
            return Err((
                "invalid_value",
                "bucket bounds must be strictly increasing (le=…), each given once".into(),
            ));
        }
        if cumulative < previous || cumulative > count {
            return Err((
                "invalid_value",
                "bucket counts must be cumulative: never lower than the bucket before, never above _count".into(),
            ));
        }
        bounds.push(bound);
        counts.push(cumulative - previous);
        previous = cumulative;
    }
    Ok(HistogramCounts {
        bounds: bounds.into(),
        counts: counts.into(),
        sum,
        count,
    })
}

fn summary(
    quantiles: &[(f64, f64)],
    sum: Option<f64>,
    count: Option<f64>,
) -> Result<SummaryValues, Reject> {
    let count = exact_count("_count", count.unwrap_or(0.0))?;
    let sum = finite("_sum", sum.unwrap_or(0.0))?;
    let mut qs = Vec::with_capacity(quantiles.len());
    let mut values = Vec::with_capacity(quantiles.len());
    for (q, v) in quantiles {
        if !(0.0..=1.0).contains(q) || qs.last().is_some_and(|last| last >= q) {
            return Err((
                "invalid_value",
                "quantiles must be between 0 and 1, increasing, each given once".into(),
            ));
        }
        // NaN is how client libraries say "no observation in the window"; ±Inf is not a value
        if v.is_infinite() {
            return Err(("invalid_value", format!("quantile {q} has the value {v}")));
        }
        qs.push(*q);
        values.push(*v);
    }
    Ok(SummaryValues {
        quantiles: qs.into(),
        values: values.into(),
        sum,
        count,
    })
}
