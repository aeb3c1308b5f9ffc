//! pushgate's own metrics, served at `/metrics` (never pushed to the Pushgateway).

use prometheus::{
    Encoder, Gauge, GaugeVec, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

#[derive(Clone)]
pub struct OwnMetrics {
    registry: Registry,
    pub ingest_requests: IntCounterVec,
    pub items_accepted: IntCounter,
    pub items_rejected: IntCounterVec,
    pub active_series: IntGauge,
    pub pushes: IntCounter,
    pub push_failures: IntCounter,
    pub push_duration: Histogram,
    pub last_successful_push: Gauge,
    pub checkpoints: IntCounter,
    pub checkpoint_failures: IntCounter,
    /// per sink (`pushgateway`, `remote_write`): series or sample series the receiver took
    pub sink_samples: IntCounterVec,
    /// per sink and status (`500`, `unreachable`, …): failed requests
    pub sink_failures: IntCounterVec,
    /// per sink: requests sent again with the same body
    pub sink_retries: IntCounterVec,
    pub sink_last_success: GaugeVec,
}

impl OwnMetrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let m = Self {
            ingest_requests: IntCounterVec::new(
                Opts::new(
                    "pushgate_ingest_requests_total",
                    "Ingestion requests by outcome.",
                ),
                &["outcome"],
            )?,
            items_accepted: IntCounter::new("pushgate_items_accepted_total", "Items accepted.")?,
            items_rejected: IntCounterVec::new(
                Opts::new(
                    "pushgate_items_rejected_total",
                    "Items rejected, by reason code.",
                ),
                &["reason"],
            )?,
            active_series: IntGauge::new("pushgate_active_series", "Series held in memory.")?,
            pushes: IntCounter::new(
                "pushgate_pushes_total",
                "Pushes to the Pushgateway attempted.",
            )?,
            push_failures: IntCounter::new("pushgate_push_failures_total", "Pushes that failed.")?,
            push_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "pushgate_push_duration_seconds",
                    "Time to encode and push the state.",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
            )?,
            last_successful_push: Gauge::new(
                "pushgate_last_successful_push_timestamp_seconds",
                "Unix time of the last successful push.",
            )?,
            checkpoints: IntCounter::new("pushgate_checkpoints_total", "Checkpoints written.")?,
            checkpoint_failures: IntCounter::new(
                "pushgate_checkpoint_failures_total",
                "Checkpoints that could not be written.",
            )?,
            sink_samples: IntCounterVec::new(
                Opts::new(
                    "pushgate_sink_samples_sent_total",
                    "Series (Pushgateway) or sample series (remote write) each sink's receiver took.",
                ),
                &["sink"],
            )?,
            sink_failures: IntCounterVec::new(
                Opts::new(
                    "pushgate_sink_failures_total",
                    "Failed requests to each sink's receiver, by HTTP status (or unreachable).",
                ),
                &["sink", "status"],
            )?,
            sink_retries: IntCounterVec::new(
                Opts::new(
                    "pushgate_sink_retries_total",
                    "Requests sent again, same body and timestamps, after a 5xx, a 429 or no answer.",
                ),
                &["sink"],
            )?,
            sink_last_success: GaugeVec::new(
                Opts::new(
                    "pushgate_sink_last_success_timestamp_seconds",
                    "Unix time of each sink's last successful flush (its start until the first).",
                ),
                &["sink"],
            )?,
            registry,
        };
        m.registry.register(Box::new(m.sink_samples.clone()))?;
        m.registry.register(Box::new(m.sink_failures.clone()))?;
        m.registry.register(Box::new(m.sink_retries.clone()))?;
        m.registry.register(Box::new(m.sink_last_success.clone()))?;
        m.registry.register(Box::new(m.ingest_requests.clone()))?;
        m.registry.register(Box::new(m.items_accepted.clone()))?;
        m.registry.register(Box::new(m.items_rejected.clone()))?;
        m.registry.register(Box::new(m.active_series.clone()))?;
        m.registry.register(Box::new(m.pushes.clone()))?;
        m.registry.register(Box::new(m.push_failures.clone()))?;
        m.registry.register(Box::new(m.push_duration.clone()))?;
        m.registry
            .register(Box::new(m.last_successful_push.clone()))?;
        m.registry.register(Box::new(m.checkpoints.clone()))?;
        m.registry
            .register(Box::new(m.checkpoint_failures.clone()))?;
        #[cfg(target_os = "linux")]
        m.registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(m)
    }

    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        let mut text = String::from_utf8_lossy(&buf).into_owned();
        crate::lock_wait::render(&mut text);
        Ok(text)
    }
}
