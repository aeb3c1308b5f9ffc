//! Steady load from a task of its own: one push after another at a fixed pace, counting what
//! was acknowledged, what was not, and how long each answer took.

use super::Key;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<LoadResult>,
}

#[derive(Debug, Default)]
pub struct LoadResult {
    /// increments acknowledged with a 200
    pub acked: u64,
    /// when each acknowledgement arrived (the SIGKILL test bounds its loss with them)
    pub acked_at: Vec<Instant>,
    /// anything else: status or transport error
    pub failures: Vec<String>,
    pub latencies: Vec<Duration>,
}

impl LoadResult {
    /// The `q` quantile (0..=1) of the answer times.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        let i = ((l.len() as f64 * q).ceil() as usize).clamp(1, l.len().max(1)) - 1;
        l.get(i).copied().unwrap_or_default()
    }
}

/// Pushes `metric` += 1 with `key` to `base` (the server's address) every `every` until stopped.
pub fn steady(base: &str, key: &Key, metric: &'static str, every: Duration) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let (url, key, flag, count) = (
        format!("{base}/api/v1/metrics"),
        key.clone(),
        stop.clone(),
        acked.clone(),
    );
    let handle = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let body =
            json!({"metrics": [{"name": metric, "type": "counter", "value": 1}]}).to_string();
        let mut result = LoadResult::default();
        let mut pace = tokio::time::interval(every);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !flag.load(Ordering::SeqCst) {
            pace.tick().await;
            let started = Instant::now();
            let sent = client
                .post(&url)
                .header("X-API-Key", &key.public)
                .header("X-API-Secret", &key.secret)
                .body(body.clone())
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            result.latencies.push(started.elapsed());
            match sent {
                Ok(r) if r.status() == 200 => {
                    result.acked += 1;
                    result.acked_at.push(Instant::now());
                    count.fetch_add(1, Ordering::SeqCst);
                }
                Ok(r) => result.failures.push(format!("status {}", r.status())),
                Err(e) => result.failures.push(format!("transport: {e}")),
            }
        }
        result
    });
    Load {
        stop,
        acked,
        handle,
    }
}

impl Load {
    pub fn acked_so_far(&self) -> u64 {
        self.acked.load(Ordering::SeqCst)
    }

    pub async fn finish(self) -> LoadResult {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.await.expect("the load task")
    }
}
