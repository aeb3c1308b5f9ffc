//! The JSON batch as a whole (SPEC §5.1): `{"metrics": [...], "batch_id"?: "..."}`. A body that
//! is not such an object is refused whole, before any item is judged.

use super::batch::{self, Batch, Item, Json, Metrics};
use super::outcome::BatchRefused;

const MAX_BATCH_ID_LEN: usize = 128;

/// The items of a batch and its optional `batch_id`.
pub struct Envelope<'b, 'a> {
    pub items: &'b [Item<'a>],
    pub batch_id: Option<&'b str>,
}

/// Decodes a push body as JSON (borrowed and typed, `batch.rs`).
pub fn parse_json(body: &[u8]) -> Result<Batch<'_>, BatchRefused> {
    batch::decode(body).map_err(|e| BatchRefused {
        code: "invalid_json",
        message: format!("the body is not valid JSON ({e}); send {{\"metrics\": [{{\"name\": …, \"type\": …, \"value\": …}}]}}"),
    })
}

/// Judges the envelope of a decoded batch.
pub fn parse_envelope<'b, 'a>(
    batch: &'b Batch<'a>,
    max_items: usize,
) -> Result<Envelope<'b, 'a>, BatchRefused> {
    let shape = || BatchRefused {
        code: "invalid_batch",
        message: "send an object {\"metrics\": [ … ]} with an optional \"batch_id\" string".into(),
    };
    let Batch::Object {
        metrics,
        batch_id,
        unknown,
    } = batch
    else {
        return Err(shape());
    };
    if let Some(field) = unknown {
        return Err(BatchRefused {
            code: "unknown_field",
            message: format!(
                "unknown top-level field {field:?}: a batch has only \"metrics\" and \"batch_id\""
            ),
        });
    }
    let Some(Metrics::Array(items)) = metrics else {
        return Err(shape());
    };
    let batch_id = match batch_id {
        None | Some(Json::Null) => None,
        Some(Json::Str(s)) if !s.is_empty() && s.len() <= MAX_BATCH_ID_LEN => Some(s.as_ref()),
        Some(_) => {
            return Err(BatchRefused {
                code: "invalid_batch_id",
                message: format!(
                    "batch_id must be a non-empty string of at most {MAX_BATCH_ID_LEN} characters"
                ),
            });
        }
    };
    if items.is_empty() {
        return Err(BatchRefused {
            code: "empty_batch",
            message: "the batch has no items: send at least one metric in \"metrics\"".into(),
        });
    }
    if items.len() > max_items {
        return Err(BatchRefused {
            code: "batch_too_large",
            message: format!(
                "the batch has {} items; the limit (max_batch_items) is {max_items}: split it into smaller batches",
                items.len()
            ),
        });
    }
    Ok(Envelope { items, batch_id })
}
