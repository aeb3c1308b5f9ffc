//! The ingestion pipeline, whatever the transport: an authenticated pusher's body is decoded,
//! each item judged on its own, the accepted ones applied to the aggregate at once, and the
//! batch recorded for the live view and pushgate's own metrics. The HTTP handler
//! (`routes/ingest.rs`) only authenticates and maps the outcome to a response; the fuzz target
//! (`fuzz/`) calls the same function.

use super::credentials::Pusher;
use super::envelope::{parse_envelope, parse_json};
use super::live::LiveStats;
use super::outcome::{BatchOutcome, BatchRefused, ItemError};
use super::registry::Registry;
use super::validate::ItemValidator;
use crate::aggregator::{Aggregator, BatchKey, Rejection};
use crate::domain::UserId;
use crate::own_metrics::OwnMetrics;
use crate::settings::Limits;

/// What a push is judged against and applied to.
pub struct Pipeline<'a> {
    /// the registry as of this request (keys, configs, claims)
    pub registry: &'a Registry,
    pub aggregator: &'a Aggregator,
    pub live: &'a LiveStats,
    pub metrics: &'a OwnMetrics,
    pub limits: &'a Limits,
}

impl Pipeline<'_> {
    /// Ingests one JSON batch (SPEC §5) of `pusher`. A batch refused whole is recorded in the
    /// live view (but for a body that is not JSON at all) and changes nothing.
    pub fn ingest_json(&self, pusher: &Pusher, body: &[u8]) -> Result<BatchOutcome, BatchRefused> {
        let tenant = pusher.key.user_id;
        let batch = parse_json(body)?;
        let envelope = parse_envelope(&batch, self.limits.max_batch_items).inspect_err(|e| {
            self.live.record_refusal(tenant, e.code, e.message.clone());
        })?;
        let validator = ItemValidator {
            registry: self.registry,
            tenant,
            caller: pusher.caller,
            limits: self.limits,
        };
        let mut samples = Vec::with_capacity(envelope.items.len());
        let mut invalid = Vec::new();
        for (index, item) in envelope.items.iter().enumerate() {
            match validator.validate(index, item) {
                Ok(sample) => samples.push(sample),
                Err(e) => invalid.push(Rejection::from(e)),
            }
        }
        let batch_key = envelope.batch_id.map(|id| BatchKey {
            key_id: pusher.key.id,
            batch_id: id.into(),
        });
        let applied = self.aggregator.apply_batch(
            tenant,
            batch_key,
            envelope.items.len(),
            &samples,
            invalid,
            &self.registry.claims,
        );
        if applied.duplicate {
            return Ok(BatchOutcome::from(applied));
        }
        // borrowed from the samples: the live view costs no copy of the names
        let accepted: Vec<&str> = samples
            .iter()
            .filter(|s| applied.accepts(s.index))
            .map(|s| s.name.as_str())
            .collect();
        let outcome = BatchOutcome::from(applied);
        self.record(tenant, &accepted, &outcome.errors);
        Ok(outcome)
    }

    pub(super) fn record(&self, tenant: UserId, accepted: &[&str], errors: &[ItemError]) {
        self.metrics.items_accepted.inc_by(accepted.len() as u64);
        for e in errors {
            self.metrics
                .items_rejected
                .with_label_values(&[e.code])
                .inc();
        }
        self.live.record(tenant, accepted, errors);
    }
}
