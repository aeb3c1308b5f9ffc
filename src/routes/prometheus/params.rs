//! Request parameters as Prometheus reads them (Go's `r.Form`): a form-encoded POST body and
//! the query string together, body values first; `match[]` may repeat.

use crate::extract::read_limited;
use crate::query::error::PromError;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, web};

/// Form bodies are small (Grafana's are a few hundred bytes); a huge query is refused here.
pub const FORM_BODY_LIMIT: usize = 1024 * 1024;

pub struct Params(Vec<(String, String)>);

impl Params {
    pub async fn read(req: &HttpRequest, payload: &mut web::Payload) -> Result<Self, PromError> {
        let mut pairs = Vec::new();
        if req.method() == Method::POST {
            let body = read_limited(req, payload, FORM_BODY_LIMIT)
                .await
                .map_err(PromError::from)?;
            if !body.is_empty() {
                if !is_form(req) {
                    return Err(PromError::bad_data(
                        "send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded) or in the query string",
                    ));
                }
                pairs = decode(&body)?;
            }
        }
        pairs.extend(decode(req.query_string().as_bytes())?);
        Ok(Self(pairs))
    }

    /// The first value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `name` or a bad_data error in Prometheus's words.
    pub fn required(&self, name: &str) -> Result<&str, PromError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| PromError::bad_data(format!("invalid parameter \"{name}\": missing")))
    }

    /// The values of the listed names, to pass on unchanged (times are checked first).
    pub fn passthrough(&self, names: &[&str]) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .fold(Vec::new(), |mut out, (k, v)| {
                // first value wins, as Prometheus reads it
                if !out.iter().any(|(seen, _): &(String, String)| seen == k) {
                    out.push((k.clone(), v.clone()));
                }
                out
            })
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn decode(raw: &[u8]) -> Result<Vec<(String, String)>, PromError> {
    serde_urlencoded::from_bytes(raw)
        .map_err(|e| PromError::bad_data(format!("cannot read the parameters: {e}")))
}
