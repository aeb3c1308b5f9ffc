//! The snapshot in the protobuf delimited format (`io.prometheus.client.MetricFamily`, each
//! message preceded by its length as a varint): what the Pushgateway sink PUTs, since the
//! Pushgateway parses it faster than the text format (docs/performance.md).
//!
//! A family is still built a slice of series at a time; the slices are written as one message
//! (the Pushgateway keeps only the last message of a name): the name, help and type once, then
//! each slice's metrics, which protobuf reads as one message with the metrics appended.

use super::{CHUNK, header, metrics, sorted_families};
use crate::aggregator::snapshot::Snapshot;
use prometheus::proto::MetricFamily;
use protobuf::Message;

/// The Content-Type of the body `encode` returns.
pub const CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// The snapshot as delimited `MetricFamily` messages, one per name.
pub fn encode(snapshot: &Snapshot) -> Result<Vec<u8>, protobuf::Error> {
    encode_in_chunks(snapshot, CHUNK)
}

fn encode_in_chunks(snapshot: &Snapshot, chunk: usize) -> Result<Vec<u8>, protobuf::Error> {
    let mut out = Vec::with_capacity(snapshot.series_count() * 64);
    let mut message = Vec::new();
    for f in sorted_families(snapshot) {
        message.clear();
        header(f).write_to_vec(&mut message)?;
        for series in f.series.chunks(chunk) {
            let mut part = MetricFamily::default();
            part.set_metric(metrics(series));
            part.write_to_vec(&mut message)?;
        }
        write_varint(&mut out, message.len() as u64);
        out.extend_from_slice(&message);
    }
    Ok(out)
}

fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::tests::snapshot;
    use protobuf::CodedInputStream;

    fn decode(mut body: &[u8]) -> Vec<MetricFamily> {
        let mut families = Vec::new();
        while !body.is_empty() {
            let mut input = CodedInputStream::from_bytes(body);
            let len = input.read_raw_varint64().unwrap() as usize;
            let start = input.pos() as usize;
            families.push(MetricFamily::parse_from_bytes(&body[start..start + len]).unwrap());
            body = &body[start + len..];
        }
        families
    }

    #[test]
    fn slices_make_one_message_per_family_equal_to_the_whole() {
        let s = snapshot(7);
        let whole = encode_in_chunks(&s, usize::MAX).unwrap();
        for chunk in [1, 2, 3, 7] {
            assert_eq!(
                decode(&encode_in_chunks(&s, chunk).unwrap()),
                decode(&whole),
                "chunk {chunk}"
            );
        }
        let families = decode(&whole);
        assert_eq!(families.len(), 2);
        assert_eq!(families[0].name(), "load_seconds");
        assert_eq!(families[1].name(), "views_total");
        assert_eq!(families[1].help(), "multi\nline help");
        assert_eq!(families[1].metric.len(), 7);
        assert_eq!(families[1].metric[3].label[1].value(), "/p\n\"3");
        assert_eq!(families[1].metric[3].counter.value(), 3.0);
    }

    #[test]
    fn lengths_past_127_take_more_varint_bytes() {
        let mut out = Vec::new();
        write_varint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
    }
}
