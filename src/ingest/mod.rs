//! Ingestion (SPEC §5): credentials from the in-memory registry, then the pipeline: the
//! envelope, each item validated on its own against the tenant's configs, accepted items
//! applied to the aggregator at once, the batch recorded for the live view.

pub mod batch;
pub mod content_encoding;
pub mod credentials;
pub mod envelope;
pub mod live;
pub mod otlp;
pub mod outcome;
pub mod pipeline;
pub mod pushgateway;
pub mod registry;
pub mod rejections;
pub mod series_labels;
pub mod validate;

#[cfg(test)]
mod intake_props;
