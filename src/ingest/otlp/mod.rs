//! OTLP/HTTP metrics (`POST /v1/metrics`), so that an OpenTelemetry SDK's exporter can point
//! at pushgate: the request in protobuf or JSON, and the judgement of every data point by the
//! OpenTelemetry-to-Prometheus compatibility rules.

pub mod decode;
pub mod judge;
pub mod naming;
pub mod pipeline;
mod points;

pub use decode::Encoding;
pub use judge::{Judged, OtlpJudge, PointRejection};
