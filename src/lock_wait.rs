//! How long requests wait for, and hold, the shared locks on the ingestion path (issue 17's
//! contention figure). A lock is first tried; only when another thread holds it is the wait
//! timed. The time it is held is measured always (two reads of the TSC clock): the hold time
//! per request bounds the request rate any number of cores can reach through that lock.
//! Served at `/metrics` as `pushgate_lock_{wait,hold}_seconds_total` and
//! `pushgate_lock_{waits,acquisitions}_total`.

use parking_lot::{Mutex, MutexGuard};
use std::fmt::Write;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The locks a request may take, in the order `/metrics` lists them.
#[derive(Clone, Copy)]
pub enum Site {
    /// any of the aggregator's shards
    Aggregator,
    /// the aggregator's live name claims (a family new to a shard, or leaving it)
    Claims,
    Live,
    UsedKeys,
}

const SITES: [(Site, &str); 4] = [
    (Site::Aggregator, "aggregator"),
    (Site::Claims, "claims"),
    (Site::Live, "live"),
    (Site::UsedKeys, "used_keys"),
];

struct Counters {
    wait_ns: AtomicU64,
    waits: AtomicU64,
    hold_ns: AtomicU64,
    acquisitions: AtomicU64,
}

static COUNTERS: [Counters; SITES.len()] = [const {
    Counters {
        wait_ns: AtomicU64::new(0),
        waits: AtomicU64::new(0),
        hold_ns: AtomicU64::new(0),
        acquisitions: AtomicU64::new(0),
    }
}; SITES.len()];

fn nanos(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A held lock; the time it was held is counted when it is dropped.
pub struct Held<'a, T> {
    guard: MutexGuard<'a, T>,
    site: Site,
    since: Instant,
}

impl<T> Deref for Held<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Held<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        let c = &COUNTERS[self.site as usize];
        c.hold_ns.fetch_add(nanos(self.since), Ordering::Relaxed);
        c.acquisitions.fetch_add(1, Ordering::Relaxed);
    }
}

/// Locks `mutex`, counting the wait against `site` when it was held by another thread.
pub fn lock<T>(site: Site, mutex: &Mutex<T>) -> Held<'_, T> {
    let guard = match mutex.try_lock() {
        Some(guard) => guard,
        None => {
            let c = &COUNTERS[site as usize];
            // counted before blocking, so a test can see a waiter
            c.waits.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let guard = mutex.lock();
            c.wait_ns.fetch_add(nanos(started), Ordering::Relaxed);
            guard
        }
    };
    Held {
        guard,
        site,
        since: Instant::now(),
    }
}

/// Appends the counters in the Prometheus text format.
pub fn render(out: &mut String) {
    type Field = fn(&Counters) -> &AtomicU64;
    let families: [(&str, &str, Field, f64); 4] = [
        (
            "pushgate_lock_wait_seconds_total",
            "Time spent waiting for a lock another thread held, by lock.",
            |c| &c.wait_ns,
            1e9,
        ),
        (
            "pushgate_lock_waits_total",
            "Lock acquisitions that had to wait, by lock.",
            |c| &c.waits,
            1.0,
        ),
        (
            "pushgate_lock_hold_seconds_total",
            "Time a lock was held, by lock.",
            |c| &c.hold_ns,
            1e9,
        ),
        (
            "pushgate_lock_acquisitions_total",
            "Lock acquisitions, by lock.",
            |c| &c.acquisitions,
            1.0,
        ),
    ];
    for (family, help, field, per_unit) in families {
        let _ = writeln!(out, "# HELP {family} {help}\n# TYPE {family} counter");
        for (site, name) in SITES {
            let n = field(&COUNTERS[site as usize]).load(Ordering::Relaxed);
            let _ = writeln!(out, "{family}{{lock=\"{name}\"}} {}", n as f64 / per_unit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_wait_for_a_held_lock_is_counted() {
        let m = Arc::new(Mutex::new(0));
        let before = COUNTERS[Site::UsedKeys as usize]
            .waits
            .load(Ordering::Relaxed);
        let held = m.lock();
        let other = Arc::clone(&m);
        let t = std::thread::spawn(move || *lock(Site::UsedKeys, &other) += 1);
        // the wait is counted before it blocks: hold the lock until the other thread is there
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while COUNTERS[Site::UsedKeys as usize]
            .waits
            .load(Ordering::Relaxed)
            == before
        {
            assert!(Instant::now() < deadline, "the other thread never waited");
            std::thread::yield_now();
        }
        drop(held);
        t.join().unwrap();
        assert_eq!(*m.lock(), 1);
        assert!(
            COUNTERS[Site::UsedKeys as usize]
                .wait_ns
                .load(Ordering::Relaxed)
                > 0
        );
        let mut text = String::new();
        render(&mut text);
        assert!(text.contains("pushgate_lock_waits_total{lock=\"used_keys\"}"));
    }
}
