//! Ingestion (SPEC §5): credentials from the in-memory registry, then the pipeline: the
//! envelope, each item validated on its own against the tenant's configs, accepted items
//! applied to the aggregator at once, the batch recorded for the live view.

pub mod credentials;
pub mod envelope;
pub mod live;
pub mod outcome;
pub mod pipeline;
pub mod registry;
pub mod validate;
