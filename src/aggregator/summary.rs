//! Summary quantiles over a sliding window, like client_golang's summaries: the last
//! `WINDOW` split into `AGE_BUCKETS` sketches, the oldest dropped as time moves on. Quantiles
//! come from DDSketch (relative-error guarantees, mergeable).

use sketches_ddsketch::{Config, DDSketch};

pub const WINDOW_SECS: i64 = 600;
const AGE_BUCKETS: usize = 5;
const BUCKET_SECS: i64 = WINDOW_SECS / AGE_BUCKETS as i64;

#[derive(Clone)]
pub struct SlidingQuantiles {
    sketches: Vec<DDSketch>,
    /// index of the sketch receiving observations now
    head: usize,
    /// unix seconds at which `head` started
    head_started: i64,
}

impl SlidingQuantiles {
    pub fn new(now: i64) -> Self {
        Self {
            sketches: (0..AGE_BUCKETS)
                .map(|_| DDSketch::new(Config::defaults()))
                .collect(),
            head: 0,
            head_started: now,
        }
    }

    fn rotate(&mut self, now: i64) {
        let steps = ((now - self.head_started) / BUCKET_SECS).clamp(0, AGE_BUCKETS as i64);
        for _ in 0..steps {
            self.head = (self.head + 1) % AGE_BUCKETS;
            self.sketches[self.head] = DDSketch::new(Config::defaults());
        }
        if steps > 0 {
            self.head_started = now - (now - self.head_started) % BUCKET_SECS;
        }
    }

    pub fn observe(&mut self, value: f64, now: i64) {
        self.rotate(now);
        self.sketches[self.head].add(value);
    }

    /// The quantiles of the window; NaN where the window is empty (Prometheus' convention).
    pub fn quantiles(&mut self, qs: &[f64], now: i64) -> Vec<f64> {
        self.rotate(now);
        let mut merged = DDSketch::new(Config::defaults());
        for s in &self.sketches {
            // Sketches built from one Config always merge.
            let _ = merged.merge(s);
        }
        qs.iter()
            .map(|q| merged.quantile(*q).ok().flatten().unwrap_or(f64::NAN))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_relative_error_and_window_slides() {
        let mut s = SlidingQuantiles::new(0);
        for i in 1..=1000 {
            s.observe(i as f64, 10);
        }
        let q = s.quantiles(&[0.5, 0.99], 20);
        assert!((q[0] - 500.0).abs() / 500.0 < 0.02, "{q:?}");
        assert!((q[1] - 990.0).abs() / 990.0 < 0.02, "{q:?}");
        // after the whole window has passed, the old observations are gone
        assert!(s.quantiles(&[0.5], 10 + WINDOW_SECS + BUCKET_SECS)[0].is_nan());
    }
}
