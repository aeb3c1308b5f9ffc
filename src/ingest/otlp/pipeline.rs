//! An OTLP export through the ingestion pipeline: decoded, every data point judged, the
//! accepted ones applied to the aggregate at once, the export recorded for the live view and
//! pushgate's own metrics. Answered per data point (`partial_success`).

use super::decode::Encoding;
use super::judge::{OtlpJudge, PointRejection};
use crate::error::ApiError;
use crate::ingest::credentials::Pusher;
use crate::ingest::outcome::{ItemError, describe};
use crate::ingest::pipeline::Pipeline;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};

/// How many distinct reasons the answer's `error_message` spells out.
const REASONS_IN_MESSAGE: usize = 5;

impl Pipeline<'_> {
    /// Ingests one `ExportMetricsServiceRequest` of `pusher`; an undecodable body is refused
    /// whole, anything else answered with what was rejected.
    pub fn ingest_otlp(
        &self,
        pusher: &Pusher,
        encoding: Encoding,
        body: &[u8],
    ) -> Result<ExportMetricsServiceResponse, ApiError> {
        let tenant = pusher.key.user_id;
        let request = encoding.decode(body).inspect_err(|e| {
            self.live.record_refusal(tenant, e.code(), e.to_string());
        })?;
        let judge = OtlpJudge {
            registry: self.registry,
            tenant,
            limits: self.limits,
        };
        let mut judged = judge.judge(&request);
        let refused = self
            .aggregator
            .apply_points(tenant, &judged.points, &self.registry.claims);
        let mut left_out = vec![false; judged.points.len()];
        for (index, reason) in refused {
            left_out[index] = true;
            let metric = &judged.points[index].name;
            let (code, message) = describe(reason, metric);
            judged.rejections.push(PointRejection {
                metric: metric.clone(),
                code,
                message,
            });
        }
        let accepted: Vec<&str> = judged
            .points
            .iter()
            .zip(&left_out)
            .filter(|(_, out)| !**out)
            .map(|(p, _)| p.name.as_str())
            .collect();
        let errors = ItemError::listed(
            judged
                .rejections
                .iter()
                .map(|r| (r.metric.as_str(), r.code, r.message.as_str())),
        );
        self.record(tenant, &accepted, &errors);
        Ok(response(&judged.rejections))
    }
}

/// `partial_success` when something was rejected: how many points, and the first reasons.
fn response(rejections: &[PointRejection]) -> ExportMetricsServiceResponse {
    if rejections.is_empty() {
        return ExportMetricsServiceResponse::default();
    }
    let mut reasons: Vec<String> = Vec::new();
    for r in rejections {
        let reason = format!("{}: {}", r.metric, r.message);
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    let more = reasons.len().saturating_sub(REASONS_IN_MESSAGE);
    reasons.truncate(REASONS_IN_MESSAGE);
    let mut error_message = format!(
        "{} data point(s) rejected: {}",
        rejections.len(),
        reasons.join("; ")
    );
    if more > 0 {
        error_message.push_str(&format!(
            "; and {more} more reason(s), see the dashboard's live view"
        ));
    }
    ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: rejections.len() as i64,
            error_message,
        }),
    }
}
