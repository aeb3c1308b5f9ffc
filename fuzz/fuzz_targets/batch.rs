//! Any bytes as a push body: parse the envelope, judge every item (as a server and as a
//! browser caller), apply the accepted ones and render the exposition that would be pushed.
//! Nothing may panic, every item is either accepted or refused, and the exposition stays
//! well-formed: every sample carries the tenant label and a finite value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pushgate::aggregator::{Aggregator, render};
use pushgate::domain::UserId;
use pushgate::ingest::credentials::Caller;
use pushgate::ingest::key_cache::Registry;
use pushgate::ingest::validate::Judge;
use pushgate::routes::ingest::parse_envelope;
use pushgate::settings::Limits;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let limits = Limits::default();
    let Ok((items, _batch_id)) = parse_envelope(&batch, limits.max_batch_items) else {
        return;
    };
    let registry = Registry::default();
    let tenant = UserId(uuid::Uuid::from_u128(0x5eed));
    for caller in [Caller::Browser, Caller::Server] {
        let judge = Judge {
            registry: &registry,
            tenant,
            caller,
            limits: &limits,
        };
        let mut samples = Vec::new();
        let mut errors = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match judge.judge(index, item) {
                Ok(sample) => samples.push(sample),
                Err(e) => errors.push(e),
            }
        }
        if caller == Caller::Browser {
            // a browser may only push declared or built-in metrics; this registry declares none
            assert!(samples.iter().all(|s| !s.declared), "nothing is declared");
            continue;
        }
        let aggregator = Aggregator::new(limits.max_series_per_tenant);
        let outcome =
            aggregator.apply_batch(tenant, None, items.len(), &samples, errors, &registry.claims);
        assert_eq!(outcome.accepted + outcome.rejected, items.len());
        let text = render::encode(&aggregator.snapshot(86_400)).expect("a judged batch encodes");
        let text = String::from_utf8(text).expect("the exposition is UTF-8");
        let tenant_label = format!("tenant=\"{}\"", tenant.0);
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (head, value) = line.rsplit_once(' ').expect("name and value");
            assert!(head.contains(&tenant_label), "no tenant label: {line}");
            let value: f64 = value.parse().expect("a number");
            // histogram buckets write le="+Inf", but no sample value is ever infinite
            assert!(value.is_finite(), "non-finite sample: {line}");
        }
    }
});
