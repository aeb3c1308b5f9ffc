//! Any bytes as a push body, through the ingestion pipeline the endpoint uses (as a server and
//! as a browser caller), then the exposition that would be pushed rendered. Nothing may panic,
//! every item is either accepted or refused, a browser gets nothing but built-in metrics in
//! (this registry declares none), and the exposition stays well-formed: every sample carries
//! the tenant label and a finite value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pushgate::aggregator::Aggregator;
use pushgate::domain::{ApiKeyId, Scopes, UserId, builtin};
use pushgate::exposition;
use pushgate::ingest::credentials::{Caller, Pusher};
use pushgate::ingest::live::LiveStats;
use pushgate::ingest::pipeline::Pipeline;
use pushgate::ingest::registry::{CachedKey, Registry};
use pushgate::own_metrics::OwnMetrics;
use pushgate::settings::Limits;
use std::sync::{Arc, OnceLock};

fn metrics() -> &'static OwnMetrics {
    static METRICS: OnceLock<OwnMetrics> = OnceLock::new();
    METRICS.get_or_init(|| OwnMetrics::new().expect("the metrics register"))
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let registry = Registry::default();
    let tenant = UserId(uuid::Uuid::from_u128(0x5eed));
    let key = Arc::new(CachedKey {
        id: ApiKeyId(uuid::Uuid::from_u128(0xbee)),
        user_id: tenant,
        secret_hash: Vec::new(),
        allowed_origins: Vec::new(),
        expires_at: None,
        scopes: Scopes::DEFAULT,
    });
    for caller in [Caller::Browser, Caller::Server] {
        let aggregator = Aggregator::new(limits.max_series_per_tenant);
        let pipeline = Pipeline {
            registry: &registry,
            aggregator: &aggregator,
            live: &LiveStats::default(),
            metrics: metrics(),
            limits: &limits,
        };
        let pusher = Pusher {
            key: key.clone(),
            caller,
        };
        let Ok(outcome) = pipeline.ingest_json(&pusher, data) else {
            return; // refused whole: not a batch
        };
        let items =
            serde_json::from_slice::<serde_json::Value>(data).expect("a batch is JSON")["metrics"]
                .as_array()
                .map_or(0, Vec::len);
        assert_eq!(outcome.accepted + outcome.rejected, items);
        let snapshot = aggregator.snapshot(86_400);
        if caller == Caller::Browser {
            for family in &snapshot.families {
                assert!(
                    builtin::find(&family.name).is_some(),
                    "a browser pushed {:?}, which is neither declared nor built in",
                    family.name
                );
            }
            continue;
        }
        let text = exposition::encode(&snapshot).expect("a judged batch encodes");
        let text = String::from_utf8(text).expect("the exposition is UTF-8");
        let tenant_label = format!("tenant=\"{}\"", tenant.0);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (head, value) = line.rsplit_once(' ').expect("name and value");
            assert!(head.contains(&tenant_label), "no tenant label: {line}");
            let value: f64 = value.parse().expect("a number");
            // histogram buckets write le="+Inf", but no sample value is ever infinite
            assert!(value.is_finite(), "non-finite sample: {line}");
        }
    }
});
