//! The soak (issue 8, not in CI: `scripts/soak`): the real binary under steady load for
//! `PUSHGATE_SOAK_SECS` (default 600). Memory stays flat, nothing is refused, totals are exact.

use crate::helpers::binary::{self, Stack};
use crate::helpers::load;
use crate::helpers::{Key, eventually, exposition};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LOADERS: usize = 4;
const PACE: Duration = Duration::from_millis(5);
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
const WARM_UP: Duration = Duration::from_secs(60);

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "a 10-minute soak: run it with scripts/soak"]
async fn soak_steady_load_memory_flat_totals_exact() {
    let secs: u64 = std::env::var("PUSHGATE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let Stack { db, pgw, port } = Stack::new().await;
    let mut child = binary::serve(&db.url, &pgw.url, port, "soak", "soak-secret")
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    binary::wait_healthy(&base).await;
    let mut tenants = Vec::new();
    for i in 0..LOADERS {
        let r: Value = client
            .post(format!("{base}/api/v1/auth/signup"))
            .header("Content-Type", "application/json")
            .body(
                json!({"email": format!("soak{i}@example.com"), "password": "long enough"})
                    .to_string(),
            )
            .send()
            .await
            .expect("signup")
            .json()
            .await
            .expect("a JSON answer");
        let s = |p: &[&str]| {
            p.iter()
                .fold(&r, |v, k| &v[*k])
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let key = Key {
            id: s(&["api_key", "id"]),
            public: s(&["api_key", "api_key"]),
            secret: s(&["api_key", "api_secret"]),
        };
        tenants.push((
            s(&["user", "id"]),
            load::steady(&base, &key, "soak_total", PACE),
        ));
    }
    let started = Instant::now();
    let mut rss = Vec::new();
    while started.elapsed() < Duration::from_secs(secs) {
        // the soak's own clock: sampling memory at a fixed interval, not synchronisation
        tokio::time::sleep(SAMPLE_EVERY).await;
        rss.push((started.elapsed(), rss_kib(child.id())));
    }
    let mut sent = Vec::new();
    for (tenant, l) in tenants {
        let r = l.finish().await;
        assert!(
            r.failures.is_empty(),
            "{} failures: {:?}",
            r.failures.len(),
            &r.failures[..r.failures.len().min(5)]
        );
        sent.push((tenant, r.acked, r.quantile(0.99)));
    }
    for (tenant, acked, _) in &sent {
        eventually(Duration::from_secs(20), "exact totals", || async {
            let text = pgw.metrics_text().await;
            (exposition::find(&text, "soak_total", &[("tenant", tenant)]) == Some(*acked as f64))
                .then_some(())
        })
        .await;
    }
    pgw.assert_never_refused_a_push().await;
    let _ = child.kill();
    let _ = child.wait();
    let warm: Vec<u64> = rss
        .iter()
        .filter(|(t, _)| *t >= WARM_UP)
        .map(|(_, k)| *k)
        .collect();
    let (first, last, max) = (
        warm.first().copied().unwrap_or(0),
        warm.last().copied().unwrap_or(0),
        warm.iter().copied().max().unwrap_or(0),
    );
    let total: u64 = sent.iter().map(|(_, a, _)| a).sum();
    println!(
        "soak {secs} s: {total} pushes ({:.0}/s) from {LOADERS} tenants, none refused, totals exact; p99 {:?}; RSS after warm-up {first} KiB -> {last} KiB (max {max} KiB)",
        total as f64 / secs as f64,
        sent.iter().map(|(_, _, p)| *p).max().unwrap_or_default()
    );
    println!(
        "RSS samples (s, KiB): {:?}",
        rss.iter()
            .map(|(t, k)| (t.as_secs(), *k))
            .collect::<Vec<_>>()
    );
    assert!(
        last <= first + first / 5 + 8 * 1024,
        "memory grew: {first} KiB -> {last} KiB"
    );
}
