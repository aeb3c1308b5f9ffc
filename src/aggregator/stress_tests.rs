//! The sharded aggregate under concurrency: many threads and tenants applying batches while
//! snapshots are taken and tenants removed, copies of one batch racing, tenants of different
//! shards racing to create one name with two types, one tenant's threads racing for its last
//! series. Each outcome is exact whatever the interleaving, and checked as such.
//! Over 300 lines: one race per rule, each with its own exact check.

use super::{Aggregator, BatchKey, Reason, SHARDS, Sample, Update, shard_of};
use crate::domain::{ApiKeyId, LabelSet, MetricKind, MetricSchema, NameClaims, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

fn tenant(n: u128) -> UserId {
    UserId(Uuid::from_u128(
        0x5EED_0000_0000_0000_0000_0000_0000_0000 + n,
    ))
}

fn labels(path: &str) -> LabelSet {
    vec![("path".into(), path.into())].into()
}

fn sample(index: usize, name: &str, kind: MetricKind, path: &str, update: Update) -> Sample {
    Sample {
        index,
        name: name.into(),
        schema: MetricSchema::undeclared(kind),
        declared: false,
        labels: labels(path),
        update,
    }
}

fn add(index: usize, name: &str, path: &str) -> Sample {
    sample(index, name, MetricKind::Counter, path, Update::Add(1.0))
}

/// Counter value by (family, tenant, path) in a snapshot.
fn values(agg: &Aggregator) -> HashMap<(String, UserId, String), f64> {
    let mut out = HashMap::new();
    for family in agg.snapshot(3600).families {
        for s in family.series {
            let value = match s.value {
                super::snapshot::ValueSnapshot::Counter(v) => v,
                super::snapshot::ValueSnapshot::Gauge(v) => v,
                _ => f64::NAN,
            };
            let path = s.labels[0].1.to_string();
            let previous = out.insert((family.name.clone(), s.tenant, path), value);
            assert!(previous.is_none(), "a series twice in one snapshot");
        }
    }
    out
}

/// Every shard's families of one name have one type, and the live claims hold each name once
/// per shard that has it, and nothing else.
fn assert_claims_consistent(agg: &Aggregator) {
    let mut kinds: HashMap<String, (MetricKind, usize)> = HashMap::new();
    for shard in agg.inner.shards.iter() {
        for (name, family) in &shard.lock().families {
            let entry = kinds.entry(name.clone()).or_insert((family.kind, 0));
            assert_eq!(entry.0, family.kind, "{name} has two types in two shards");
            entry.1 += 1;
        }
    }
    let claims = agg.inner.shared.claims.lock();
    for (name, held) in &kinds {
        assert_eq!(claims.holder(name), Some(*held), "claims of {name}");
    }
    for n in 0..4000 {
        for name in [format!("race_{n}"), format!("fill_{n}")] {
            if !kinds.contains_key(&name) {
                assert_eq!(
                    claims.holder(&name),
                    None,
                    "{name} claimed by nobody's family"
                );
            }
        }
    }
}

#[test]
fn concurrent_batches_snapshots_and_removals_add_up_exactly() {
    const THREADS: usize = 8;
    // a multiple of TENANTS: each thread writes each tenant the same number of times
    const BATCHES: usize = 288;
    const TENANTS: u128 = 96;
    const DOOMED: u128 = 32;
    let agg = Aggregator::new(1_000_000);
    agg.track_removals();
    let claims = NameClaims::default();
    // the doomed tenants' series, written before and removed while the others write
    for t in TENANTS..TENANTS + DOOMED {
        let batch: Vec<Sample> = (0..5)
            .map(|i| add(i, "page_views_total", &format!("/gone/{i}")))
            .collect();
        let applied = agg.apply_batch(tenant(t), None, 5, &batch, vec![], &claims);
        assert_eq!(applied.accepted(), 5);
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (agg, claims) = (&agg, &claims);
            scope.spawn(move || {
                for b in 0..BATCHES {
                    // every thread writes every tenant: batch b of thread t goes to tenant
                    // (t + b) mod TENANTS, 10 items over 2 families and 5 paths
                    let t = tenant(((thread + b) as u128) % TENANTS);
                    let batch: Vec<Sample> = (0..10)
                        .map(|i| {
                            let name = if i % 2 == 0 {
                                "page_views_total"
                            } else {
                                "clicks_total"
                            };
                            add(i, name, &format!("/p/{}", i / 2))
                        })
                        .collect();
                    let applied = agg.apply_batch(t, None, 10, &batch, vec![], claims);
                    assert_eq!(applied.accepted(), 10, "{:?}", applied.rejections);
                }
            });
        }
        let (agg, done) = (&agg, &done);
        scope.spawn(move || {
            for t in TENANTS..TENANTS + DOOMED {
                agg.remove_tenant(tenant(t));
            }
        });
        scope.spawn(move || {
            // snapshots while it all happens: counters never go down between two of them
            let mut last: HashMap<(String, UserId, String), f64> = HashMap::new();
            while !done.load(Ordering::Relaxed) {
                let now = values(agg);
                for (key, v) in &last {
                    if key.2.starts_with("/p/") {
                        assert!(now.get(key).is_some_and(|n| n >= v), "{key:?} went down");
                    }
                }
                last = now;
            }
        });
        // the writers and the remover are the scope's first threads: wait for the counts
        let expected = (THREADS * BATCHES * 10) as f64;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let total: f64 = values(agg)
                .iter()
                .filter(|(k, _)| k.2.starts_with("/p/"))
                .map(|(_, v)| v)
                .sum();
            if total == expected {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {total} of {expected}"
            );
            std::thread::yield_now();
        }
        done.store(true, Ordering::Relaxed);
    });

    let all = values(&agg);
    // exact per series: each tenant got BATCHES * THREADS / TENANTS batches, one add per series
    let per_tenant = (THREADS * BATCHES) as f64 / TENANTS as f64;
    for t in 0..TENANTS {
        for name in ["page_views_total", "clicks_total"] {
            for p in 0..5 {
                let key = (name.to_owned(), tenant(t), format!("/p/{p}"));
                assert_eq!(all.get(&key), Some(&per_tenant), "{key:?}");
            }
        }
    }
    assert!(
        all.keys().all(|k| !k.2.starts_with("/gone/")),
        "a removed tenant's series stayed"
    );
    assert_eq!(all.len(), TENANTS as usize * 10);
    assert_eq!(agg.series_count(), TENANTS as usize * 10);
    // every removal once, each of a generation the last snapshot reflects
    let snapshot = agg.snapshot(3600);
    let drained = agg.drain_removals(snapshot.generation);
    assert_eq!(drained.removals.len(), (DOOMED * 5) as usize);
    assert!(agg.drain_removals(u64::MAX).removals.is_empty());
    // nothing changed since: an equal generation, an equal state
    assert_eq!(agg.generation(), snapshot.generation);
    assert_eq!(values(&agg), all);
    assert_claims_consistent(&agg);
}

#[test]
fn copies_of_one_batch_racing_apply_once() {
    const KEYS: usize = 40;
    const COPIES: usize = 6;
    let agg = Aggregator::new(1_000_000);
    let claims = NameClaims::default();
    let key_id = ApiKeyId(Uuid::from_u128(7));
    let barrier = Barrier::new(COPIES);
    let firsts = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..COPIES {
            let (agg, claims, barrier, firsts) = (&agg, &claims, &barrier, &firsts);
            scope.spawn(move || {
                for k in 0..KEYS {
                    barrier.wait();
                    let t = tenant(k as u128);
                    let key = BatchKey {
                        key_id,
                        batch_id: format!("batch-{k}").into(),
                    };
                    let batch = [add(0, "page_views_total", "/")];
                    let applied = agg.apply_batch(t, Some(key), 1, &batch, vec![], claims);
                    assert_eq!(applied.accepted(), 1);
                    if !applied.duplicate {
                        firsts.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(
        firsts.load(Ordering::Relaxed),
        KEYS,
        "each batch applied exactly once"
    );
    let all = values(&agg);
    for k in 0..KEYS {
        let key = (
            "page_views_total".to_owned(),
            tenant(k as u128),
            "/".to_owned(),
        );
        assert_eq!(all.get(&key), Some(&1.0));
    }
}

/// Two tenants of different shards.
fn two_shards() -> (UserId, UserId) {
    let a = tenant(1000);
    let b = (1001..)
        .map(tenant)
        .find(|b| shard_of(*b) != shard_of(a))
        .unwrap();
    (a, b)
}

#[test]
fn tenants_of_two_shards_racing_for_a_name_never_both_get_it() {
    const ROUNDS: usize = 4000;
    let agg = Aggregator::new(1_000_000);
    let claims = NameClaims::default();
    let (a, b) = two_shards();
    let barrier = Barrier::new(2);
    let mut won = [0usize; 2];
    std::thread::scope(|scope| {
        let racers: Vec<_> = [(a, MetricKind::Counter), (b, MetricKind::Gauge)]
            .into_iter()
            .map(|(t, kind)| {
                let (agg, claims, barrier) = (&agg, &claims, &barrier);
                scope.spawn(move || {
                    let mut wins = 0;
                    for round in 0..ROUNDS {
                        let name = format!("race_{round}");
                        let update = if kind == MetricKind::Counter {
                            Update::Add(1.0)
                        } else {
                            Update::Set(1.0)
                        };
                        barrier.wait();
                        let batch = [sample(0, &name, kind, "/", update)];
                        let applied = agg.apply_batch(t, None, 1, &batch, vec![], claims);
                        match applied.rejections.first().map(|r| &r.reason) {
                            None => wins += 1,
                            Some(Reason::KindConflict { .. } | Reason::NameConflict(_)) => {}
                            Some(other) => panic!("refused for {other:?}"),
                        }
                        // every other round the name is let go again, once both tried
                        barrier.wait();
                        if round % 2 == 1 {
                            agg.remove_metric(t, &name);
                        }
                    }
                    wins
                })
            })
            .collect();
        for (i, racer) in racers.into_iter().enumerate() {
            won[i] = racer.join().unwrap();
        }
    });
    assert_eq!(
        won[0] + won[1],
        ROUNDS,
        "each round exactly one of the two wins"
    );
    // the rounds whose name stayed: one family, one type, one series
    let snapshot = agg.snapshot(3600);
    for round in (0..ROUNDS).step_by(2) {
        let name = format!("race_{round}");
        let families: Vec<_> = snapshot
            .families
            .iter()
            .filter(|f| f.name == name)
            .collect();
        assert_eq!(families.len(), 1, "{name}");
        assert_eq!(families[0].series.len(), 1, "{name}");
    }
    assert_claims_consistent(&agg);
    let stayed: HashSet<&str> = snapshot.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(stayed.len(), ROUNDS / 2);
}

#[test]
fn one_tenant_racing_for_its_last_series_stops_at_the_limit() {
    const LIMIT: usize = 500;
    const THREADS: usize = 6;
    let agg = Aggregator::new(LIMIT);
    let claims = NameClaims::default();
    let t = tenant(42);
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (agg, claims, accepted) = (&agg, &claims, &accepted);
            scope.spawn(move || {
                for b in 0..40 {
                    // each batch 5 new series of one of 2 families (one new to the shard
                    // while the other thread's batches create it)
                    let name = format!("fill_{}", b % 2);
                    let batch: Vec<Sample> = (0..5)
                        .map(|i| add(i, &name, &format!("/{thread}/{b}/{i}")))
                        .collect();
                    let applied = agg.apply_batch(t, None, 5, &batch, vec![], claims);
                    for r in &applied.rejections {
                        assert!(matches!(r.reason, Reason::SeriesLimit { .. }), "{r:?}");
                    }
                    accepted.fetch_add(applied.accepted(), Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(accepted.load(Ordering::Relaxed), LIMIT);
    assert_eq!(agg.series_count(), LIMIT);
    assert_eq!(agg.snapshot(3600).series_count(), LIMIT);
    assert_claims_consistent(&agg);
}

#[test]
fn a_snapshot_merges_the_shards_and_restores_into_them() {
    let agg = Aggregator::new(1_000);
    let claims = NameClaims::default();
    let tenants: Vec<UserId> = (0..(SHARDS as u128 * 3)).map(tenant).collect();
    for (n, t) in tenants.iter().enumerate() {
        let batch = [
            add(0, "page_views_total", "/"),
            add(1, "clicks_total", &format!("/{n}")),
        ];
        assert_eq!(
            agg.apply_batch(*t, None, 2, &batch, vec![], &claims)
                .accepted(),
            2
        );
    }
    let snapshot = agg.snapshot(3600);
    // one family per name, whatever the number of shards holding it
    let names: Vec<&str> = snapshot.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let before = values(&agg);
    let json = serde_json::to_string(&snapshot).unwrap();
    let restored = Aggregator::new(1_000);
    restored.restore(serde_json::from_str(&json).unwrap());
    assert_eq!(values(&restored), before);
    assert_claims_consistent(&restored);
    // the claims came back too: another type of a restored name is refused
    let gauge = [sample(
        0,
        "clicks_total",
        MetricKind::Gauge,
        "/",
        Update::Set(1.0),
    )];
    let applied = restored.apply_batch(tenant(9_999), None, 1, &gauge, vec![], &claims);
    assert_eq!(
        applied.rejections[0].reason,
        Reason::KindConflict {
            existing: MetricKind::Counter
        }
    );
}

#[test]
fn a_name_that_changes_type_while_the_shards_are_copied_is_left_for_the_next_snapshot() {
    let agg = Aggregator::new(100);
    let claims = NameClaims::default();
    let (a, b) = two_shards();
    let counter = [add(0, "flip", "/")];
    assert_eq!(
        agg.apply_batch(a, None, 1, &counter, vec![], &claims)
            .accepted(),
        1
    );
    // a's shard is copied, then the name leaves it and comes back in b's as a gauge
    let mut merged = super::copy::Merged::default();
    let now = super::unix_now();
    agg.inner.shards[shard_of(a)]
        .lock()
        .snapshot_into(now, &mut merged);
    agg.remove_metric(a, "flip");
    let gauge = [sample(0, "flip", MetricKind::Gauge, "/", Update::Set(2.0))];
    assert_eq!(
        agg.apply_batch(b, None, 1, &gauge, vec![], &claims)
            .accepted(),
        1
    );
    agg.inner.shards[shard_of(b)]
        .lock()
        .snapshot_into(now, &mut merged);
    let snapshot = merged.finish();
    assert_eq!(snapshot.families.len(), 1);
    assert_eq!(snapshot.families[0].kind, MetricKind::Counter);
    assert_eq!(snapshot.families[0].series.len(), 1);
    assert_eq!(snapshot.families[0].series[0].tenant, a);
    // the next snapshot has the gauge alone
    let next = agg.snapshot(3600);
    assert_eq!(next.families.len(), 1);
    assert_eq!(next.families[0].kind, MetricKind::Gauge);
    assert_eq!(next.families[0].series[0].tenant, b);
}
