//! Ingestion (SPEC §5): credentials from the in-memory key cache, each item validated on its
//! own against the tenant's configs, accepted items applied to the aggregator at once.

pub mod credentials;
pub mod key_cache;
pub mod live;
pub mod outcome;
pub mod validate;
