//! Where the aggregate goes. The forwarder takes one snapshot per flush, writes the checkpoint,
//! then hands that same snapshot to every configured `Sink`; each sink keeps its own retry and
//! backoff (in the forwarder) and answers for its own readiness (`/api/v1/health/ready`).
//! `PushgatewayClient` is the first sink, and the only owner of the Pushgateway's URL.
//!
//! `RemoteWriteSink` is the second: it sends only what changed, which it finds in `Flush`:
//! each series carries the time of its last update (`SeriesSnapshot::touched`), the snapshot
//! its aggregator generation, and `Flush::previous` says what this sink last delivered
//! successfully. Series that left (staleness markers) come from the aggregator's removal log
//! (`aggregator/removals.rs`), drained up to the snapshot's generation.

mod pushgateway;
pub mod remote_write;

pub use pushgateway::PushgatewayClient;
pub use remote_write::{RemoteWriteSettings, RemoteWriteSink};

use crate::aggregator::Snapshot;
use std::sync::Arc;

/// The sinks of this instance, in the order they were configured.
pub type Sinks = Arc<[Arc<dyn Sink>]>;

/// One flush as one sink receives it.
pub struct Flush {
    /// the snapshot every sink of this flush receives (already checkpointed when due)
    pub snapshot: Arc<Snapshot>,
    /// this sink's last successful delivery; `None` when nothing went out since start-up
    pub previous: Option<Delivered>,
}

/// What a sink holds after a successful send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// the aggregator generation of the snapshot it received
    pub generation: u64,
    /// when that snapshot was taken, Unix milliseconds
    pub taken_at_ms: i64,
}

/// Milliseconds a successful send spent encoding and on the wire (the bench reads them).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sent {
    pub encode_ms: f64,
    pub send_ms: f64,
    /// series (Pushgateway) or sample series (remote write) the receiver took
    pub samples: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// No answer: connection refused, reset, timed out. The cause chain is in the message
    /// (reqwest's own text says only "error sending request"); the URL is not, since it may
    /// hold credentials.
    #[error("unreachable: {}", crate::error::causes(.0))]
    Unreachable(#[source] reqwest::Error),
    /// An answer that is not a success.
    #[error("answered HTTP {status}{}", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    Refused {
        status: reqwest::StatusCode,
        /// the start of the receiver's answer, which says why
        body: String,
    },
    #[error("could not encode the snapshot: {0}")]
    Encode(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The last send failed (a sink without a readiness endpoint of its own says so).
    #[error("last send failed: {0}")]
    Failing(String),
}

impl SinkError {
    /// The `status` label of `pushgate_sink_failures_total`: the HTTP status, or what
    /// happened instead.
    pub fn status_label(&self) -> String {
        match self {
            Self::Refused { status, .. } => status.as_u16().to_string(),
            Self::Unreachable(_) => "unreachable".into(),
            Self::Encode(_) => "encode".into(),
            Self::Failing(_) => "failing".into(),
        }
    }
}

/// A receiver of the aggregate.
#[async_trait::async_trait]
pub trait Sink: Send + Sync {
    /// Its key in `/api/v1/health/ready`, in logs and in metrics: `pushgateway`.
    fn name(&self) -> &'static str;
    /// How messages name it: "the Pushgateway".
    fn description(&self) -> &'static str;
    /// Whether the receiver answers now, within a short timeout.
    async fn ready(&self) -> Result<(), SinkError>;
    /// Delivers one flush. A failure is retried by the forwarder with a fresh snapshot.
    async fn send(&self, flush: &Flush) -> Result<Sent, SinkError>;
    /// Whether the sink counts its own requests' samples and failures in
    /// `pushgate_sink_*` (it makes several per flush); else the forwarder counts per flush.
    fn counts_requests(&self) -> bool {
        false
    }
}
