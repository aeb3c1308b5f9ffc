//! The messages of Prometheus remote write 1.0 (`prometheus.WriteRequest` of
//! prometheus/prompb `remote.proto` and `types.proto`), derived with prost: the three
//! messages this sink sends, with their field numbers as upstream. The fields it never sets
//! (metadata, exemplars, native histograms) are left out; a receiver reads them as absent.
//! The sink writes these bytes itself (`wire.rs`); prost decodes them in the tests (and in the
//! test suite's stand-in receiver), which prove the two byte-equal.

#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// sorted by name; `__name__` among them
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Unix milliseconds
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}
