//! Compressed request bodies (`Content-Encoding: gzip`, what OTLP exporters send with
//! `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`): inflated with the same size limit as a plain body,
//! so a small bomb cannot expand past `max_body_bytes`.

use crate::error::ApiError;
use flate2::read::GzDecoder;
use std::io::Read;

/// The body as the client meant it: `encoding` is the `Content-Encoding` header, if any.
pub fn decode(encoding: Option<&str>, body: &[u8], limit: usize) -> Result<Vec<u8>, ApiError> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "identity") => Ok(body.to_vec()),
        Some("gzip" | "x-gzip") => {
            let mut inflated = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
            // one byte past the limit tells "too large" from "exactly the limit"
            GzDecoder::new(body)
                .take(limit as u64 + 1)
                .read_to_end(&mut inflated)
                .map_err(|e| ApiError::BadRequest {
                    code: "invalid_gzip",
                    message: format!(
                        "the body says Content-Encoding: gzip but does not inflate ({e}); send it compressed with gzip or drop the header"
                    ),
                })?;
            if inflated.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            Ok(inflated)
        }
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Encoding {other:?} is not supported: send the body uncompressed or with gzip"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_is_inflated_within_the_limit() {
        assert_eq!(
            decode(Some("gzip"), &gzip(b"x 1\n"), 100).unwrap(),
            b"x 1\n"
        );
        assert_eq!(decode(None, b"plain", 100).unwrap(), b"plain");
        assert_eq!(decode(Some("identity"), b"plain", 100).unwrap(), b"plain");
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![b'a'; 10 * 1024 * 1024]);
        assert!(bomb.len() < 20 * 1024);
        assert!(matches!(
            decode(Some("gzip"), &bomb, 1024 * 1024),
            Err(ApiError::PayloadTooLarge { .. })
        ));
        assert_eq!(
            decode(Some("gzip"), &gzip(&[b'a'; 100]), 100)
                .unwrap()
                .len(),
            100
        );
    }

    #[test]
    fn garbage_and_unknown_encodings_are_refused() {
        assert!(matches!(
            decode(Some("gzip"), b"not gzip", 100),
            Err(ApiError::BadRequest {
                code: "invalid_gzip",
                ..
            })
        ));
        assert!(matches!(
            decode(Some("br"), b"x", 100),
            Err(ApiError::UnsupportedMediaType(_))
        ));
    }
}
