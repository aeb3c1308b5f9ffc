//! `prometheus.WriteRequest` (remote write 1.0) written by hand, straight into one reused
//! buffer: the request is a run of `TimeSeries` (field 1), each its `Label`s (field 1: name 1,
//! value 2) and one `Sample` (field 2: value 1 as a double, timestamp 2 as a varint). Byte for
//! byte what prost writes for `proto::WriteRequest` (the tests decode it with prost), without
//! building a `String` per label and a `Vec` per series first: at 1M series that was most of
//! the encoding time. prost's proto3 rule is kept: an empty string, a zero double and a zero
//! timestamp are left out (a receiver reads them as absent, which is the same value).

/// Appends `v` as a protobuf varint.
fn varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        // the low seven bits with the continuation bit; the cast keeps exactly those
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Bytes of `v` as a varint.
fn varint_len(v: u64) -> usize {
    // 1 + (highest set bit) / 7, with 0 taking one byte
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Bytes of a string field (tag, length, bytes); none for an empty string.
fn string_len(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        1 + varint_len(s.len() as u64) + s.len()
    }
}

fn put_string(buf: &mut Vec<u8>, tag: u8, s: &str) {
    if !s.is_empty() {
        buf.push(tag);
        varint(buf, s.len() as u64);
        buf.extend_from_slice(s.as_bytes());
    }
}

/// A `Label` message's bytes.
fn label_len(name: &str, value: &str) -> usize {
    string_len(name) + string_len(value)
}

/// A length-delimited field's bytes: tag, length, message.
fn field_len(message: usize) -> usize {
    1 + varint_len(message as u64) + message
}

/// A series' own labels, as a `LabelSet` holds them.
pub type Pairs = [(Box<str>, Box<str>)];

/// The bytes `labels` take in a `TimeSeries`: what `put_series` wants as `own_len` (the same
/// for every sample series of one aggregate series, so worked out once).
pub fn labels_len(labels: &Pairs) -> usize {
    labels.iter().map(|(n, v)| field_len(label_len(n, v))).sum()
}

/// Appends one `TimeSeries` (as a field of `WriteRequest`) with one sample. Its labels: a
/// few of the sink's own in `fixed` (`__name__`, `instance`, `job`, `tenant`, `le` or
/// `quantile`; any order, sorted here) and the series' own in `own` (`labels_len` bytes),
/// sorted by name (a `LabelSet`), written merged in name order as remote write 1.0 requires.
pub fn put_series(
    buf: &mut Vec<u8>,
    fixed: &mut [(&str, &str)],
    (own, own_len): (&Pairs, usize),
    value: f64,
    timestamp: i64,
) {
    debug_assert_eq!(own_len, labels_len(own));
    // stable: equal names (which the sink never writes) keep their order, as prost would
    fixed.sort_by(|a, b| a.0.cmp(b.0));
    let sample = if value != 0.0 { 9 } else { 0 }
        + if timestamp != 0 {
            1 + varint_len(timestamp as u64)
        } else {
            0
        };
    let series = fixed
        .iter()
        .map(|(n, v)| field_len(label_len(n, v)))
        .sum::<usize>()
        + own_len
        + field_len(sample);
    buf.reserve(field_len(series));
    buf.push(0x0a);
    varint(buf, series as u64);
    let put_label = |buf: &mut Vec<u8>, name: &str, value: &str| {
        buf.push(0x0a);
        varint(buf, label_len(name, value) as u64);
        put_string(buf, 0x0a, name);
        put_string(buf, 0x12, value);
    };
    let mut own = own.iter().peekable();
    for (name, value) in fixed.iter() {
        while let Some((n, v)) = own.next_if(|(n, _)| **n < **name) {
            put_label(buf, n, v);
        }
        put_label(buf, name, value);
    }
    for (n, v) in own {
        put_label(buf, n, v);
    }
    buf.push(0x12);
    varint(buf, sample as u64);
    if value != 0.0 {
        buf.push(0x09);
        buf.extend_from_slice(&value.to_le_bytes());
    }
    if timestamp != 0 {
        buf.push(0x10);
        // int64 as protobuf writes it: two's complement, ten bytes when negative
        varint(buf, timestamp as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::super::proto::{Label, Sample, TimeSeries, WriteRequest};
    use super::*;
    use proptest::prelude::*;
    use prost::Message;

    fn label() -> impl Strategy<Value = (String, String)> {
        // empty strings too: prost leaves them out, and so must this
        ("[a-zA-Z_]{0,12}", "\\PC{0,20}")
    }

    proptest! {
        /// Whatever the labels, value bits and timestamp: the bytes prost writes for the same
        /// `WriteRequest`, labels sorted by name.
        #[test]
        fn series_are_byte_for_byte_what_prost_writes(
            fixed in proptest::collection::vec(label(), 0..6),
            own in proptest::collection::vec(label(), 0..8),
            bits in any::<u64>(),
            timestamp in prop_oneof![Just(0i64), any::<i64>()],
            zero in any::<bool>(),
        ) {
            let value = if zero { 0.0 } else { f64::from_bits(bits) };
            let mut own: Vec<(Box<str>, Box<str>)> =
                own.into_iter().map(|(n, v)| (n.into(), v.into())).collect();
            own.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut refs: Vec<(&str, &str)> =
                fixed.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let mut buf = Vec::new();
            put_series(&mut buf, &mut refs, (&own, labels_len(&own)), value, timestamp);
            put_series(&mut buf, &mut [], (&[], 0), value, timestamp);

            let mut labels: Vec<Label> = fixed
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .chain(own.iter().map(|(n, v)| (&**n, &**v)))
                .map(|(name, value)| Label { name: name.into(), value: value.into() })
                .collect();
            labels.sort_by(|a, b| a.name.cmp(&b.name));
            let samples = vec![Sample { value, timestamp }];
            let expected = WriteRequest {
                timeseries: vec![
                    TimeSeries { labels: labels.clone(), samples: samples.clone() },
                    TimeSeries { labels: Vec::new(), samples },
                ],
            };
            let decoded = WriteRequest::decode(buf.as_slice()).unwrap();
            let want = if value != 0.0 { value.to_bits() } else { 0 };
            prop_assert_eq!(decoded.timeseries[0].samples[0].value.to_bits(), want);
            prop_assert_eq!(buf, expected.encode_to_vec());
        }
    }

    #[test]
    fn varints_are_as_long_as_protobuf_writes_them() {
        for v in [
            0u64,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            varint(&mut buf, v);
            assert_eq!(buf.len(), varint_len(v), "{v}");
            assert_eq!(buf.len(), prost::encoding::encoded_len_varint(v), "{v}");
            assert_eq!(
                prost::encoding::decode_varint(&mut buf.as_slice()).ok(),
                Some(v)
            );
        }
    }
}
