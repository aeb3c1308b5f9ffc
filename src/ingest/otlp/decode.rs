//! OTLP/HTTP bodies in and out: binary protobuf (`application/x-protobuf`, prost) and the
//! OTLP JSON mapping (`application/json`, the crate's serde derives, which read the JSON
//! mapping's specifics: lowerCamelCase keys, 64-bit integers as strings or numbers, enums as
//! integers, hex trace and span ids in exemplars).

use crate::error::ApiError;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use prost::Message;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The encoding a `Content-Type` names; OTLP/HTTP defines no other.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, ApiError> {
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        match mime.as_deref() {
            Some("application/x-protobuf" | "application/protobuf") => Ok(Self::Protobuf),
            Some("application/json") => Ok(Self::Json),
            _ => Err(ApiError::UnsupportedMediaType(
                "OTLP/HTTP bodies are application/x-protobuf or application/json: set the Content-Type (OTLP exporters do)".into(),
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Protobuf => "application/x-protobuf",
            Self::Json => "application/json",
        }
    }

    pub fn decode(self, body: &[u8]) -> Result<ExportMetricsServiceRequest, ApiError> {
        match self {
            Self::Protobuf => ExportMetricsServiceRequest::decode(body).map_err(|e| {
                ApiError::BadRequest {
                    code: "invalid_protobuf",
                    message: format!(
                        "the body is not an OTLP ExportMetricsServiceRequest in protobuf ({e})"
                    ),
                }
            }),
            Self::Json => serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
                code: "invalid_json",
                message: format!(
                    "the body is not an OTLP ExportMetricsServiceRequest in the OTLP JSON encoding ({e})"
                ),
            }),
        }
    }

    pub fn encode(self, response: &ExportMetricsServiceResponse) -> Result<Vec<u8>, ApiError> {
        match self {
            Self::Protobuf => Ok(response.encode_to_vec()),
            Self::Json => {
                let mut json = serde_json::to_value(response).map_err(ApiError::internal)?;
                // the OTLP JSON encoding writes 64-bit integers as decimal strings
                if let Some(n) = json.pointer_mut("/partialSuccess/rejectedDataPoints") {
                    *n = serde_json::Value::String(n.to_string());
                }
                serde_json::to_vec(&json).map_err(ApiError::internal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point::Value};

    #[test]
    fn content_types() {
        assert_eq!(
            Encoding::from_content_type(Some("application/x-protobuf")).unwrap(),
            Encoding::Protobuf
        );
        assert_eq!(
            Encoding::from_content_type(Some("application/json; charset=utf-8")).unwrap(),
            Encoding::Json
        );
        assert!(Encoding::from_content_type(Some("text/plain")).is_err());
        assert!(Encoding::from_content_type(None).is_err());
    }

    #[test]
    fn json_reads_the_otlp_json_specifics() {
        // 64-bit integers as strings (asInt, timeUnixNano, count, bucketCounts), enums as
        // integers, hex ids in an exemplar, unknown fields ignored
        let body = r#"{"resourceMetrics":[{"resource":{"attributes":[
            {"key":"service.name","value":{"stringValue":"billing"}}]},
          "scopeMetrics":[{"scope":{"name":"s"},"metrics":[
            {"name":"jobs","unit":"1","sum":{"aggregationTemporality":2,"isMonotonic":true,
              "dataPoints":[{"asInt":"9007199254740993","timeUnixNano":"1700000000000000000",
                "attributes":[{"key":"n","value":{"intValue":"5"}}],
                "exemplars":[{"asDouble":1,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}},
            {"name":"lat","histogram":{"aggregationTemporality":1,"dataPoints":[
              {"count":"3","sum":1.5,"bucketCounts":["1",2],"explicitBounds":[0.5]}]}}],
            "someFutureField":true}]}]}"#;
        let request = Encoding::Json.decode(body.as_bytes()).unwrap();
        let metrics = &request.resource_metrics[0].scope_metrics[0].metrics;
        let Some(Data::Sum(sum)) = &metrics[0].data else {
            panic!("{metrics:?}")
        };
        assert_eq!((sum.aggregation_temporality, sum.is_monotonic), (2, true));
        assert_eq!(
            sum.data_points[0].value,
            Some(Value::AsInt(9_007_199_254_740_993))
        );
        assert_eq!(sum.data_points[0].time_unix_nano, 1_700_000_000_000_000_000);
        let Some(Data::Histogram(h)) = &metrics[1].data else {
            panic!()
        };
        assert_eq!(h.data_points[0].bucket_counts, vec![1, 2]);
        assert_eq!(h.data_points[0].count, 3);
    }

    #[test]
    fn protobuf_round_trips_and_garbage_is_refused() {
        let request = ExportMetricsServiceRequest::default();
        let bytes = request.encode_to_vec();
        assert_eq!(Encoding::Protobuf.decode(&bytes).unwrap(), request);
        assert!(matches!(
            Encoding::Protobuf.decode(b"\xff\xff\xff"),
            Err(ApiError::BadRequest {
                code: "invalid_protobuf",
                ..
            })
        ));
        assert!(matches!(
            Encoding::Json.decode(b"{\"resourceMetrics\": 3}"),
            Err(ApiError::BadRequest {
                code: "invalid_json",
                ..
            })
        ));
    }
}
