//! The JSON batch as a whole (SPEC §5.1): `{"metrics": [...], "batch_id"?: "..."}`. A body that
//! is not such an object is refused whole, before any item is judged.

use super::outcome::BatchRefused;
use serde_json::Value;

const MAX_BATCH_ID_LEN: usize = 128;

/// The items of a batch and its optional `batch_id`.
pub struct Envelope<'a> {
    pub items: &'a [Value],
    pub batch_id: Option<&'a str>,
}

/// Decodes a push body as JSON.
pub fn parse_json(body: &[u8]) -> Result<Value, BatchRefused> {
    serde_json::from_slice(body).map_err(|e| BatchRefused {
        code: "invalid_json",
        message: format!("the body is not valid JSON ({e}); send {{\"metrics\": [{{\"name\": …, \"type\": …, \"value\": …}}]}}"),
    })
}

/// Judges the envelope of a decoded batch.
pub fn parse_envelope(batch: &Value, max_items: usize) -> Result<Envelope<'_>, BatchRefused> {
    let shape = || BatchRefused {
        code: "invalid_batch",
        message: "send an object {\"metrics\": [ … ]} with an optional \"batch_id\" string".into(),
    };
    let obj = batch.as_object().ok_or_else(shape)?;
    if let Some(field) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "metrics" | "batch_id"))
    {
        return Err(BatchRefused {
            code: "unknown_field",
            message: format!(
                "unknown top-level field {field:?}: a batch has only \"metrics\" and \"batch_id\""
            ),
        });
    }
    let items = obj
        .get("metrics")
        .and_then(Value::as_array)
        .ok_or_else(shape)?;
    let batch_id = match obj.get("batch_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_BATCH_ID_LEN => Some(s.as_str()),
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
