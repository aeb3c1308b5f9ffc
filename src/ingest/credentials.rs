//! Who is pushing: key + secret (servers, curl) or the key alone from an allowed browser
//! origin (SPEC §5.4). Checked against the in-memory registry only.

use super::registry::{CachedKey, Registry};
use crate::auth::credentials::secret_matches;
use crate::domain::Scope;
use crate::error::ApiError;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// key + secret: may push undeclared metrics
    Server,
    /// key only, from a browser: declared configs and built-in metrics only
    Browser,
}

pub struct Pusher {
    pub key: Arc<CachedKey>,
    pub caller: Caller,
}

pub fn authenticate(
    registry: &Registry,
    api_key: Option<&str>,
    secret: Option<&str>,
    origin: Option<&str>,
) -> Result<Pusher, ApiError> {
    let api_key = api_key.filter(|k| !k.is_empty()).ok_or_else(|| {
        ApiError::Unauthorized(
            "missing API key: send it in the X-API-Key header (and the secret in X-API-Secret for server-side pushes)".into(),
        )
    })?;
    let key = registry.keys.get(api_key).cloned().ok_or_else(|| {
        ApiError::Unauthorized(
            "unknown or inactive API key: check X-API-Key against your dashboard".into(),
        )
    })?;
    if let Some(expired) = key.expires_at.filter(|at| *at <= chrono::Utc::now()) {
        return Err(ApiError::Unauthorized(format!(
            "this API key expired at {}: create a new key in the dashboard",
            expired.to_rfc3339()
        )));
    }
    if let Some(secret) = secret {
        return if secret_matches(secret, &key.secret_hash) {
            may_push(&key)?;
            Ok(Pusher {
                key,
                caller: Caller::Server,
            })
        } else {
            Err(ApiError::Unauthorized(
                "wrong API secret for this key: check X-API-Secret".into(),
            ))
        };
    }
    let Some(origin) = origin else {
        return Err(ApiError::Unauthorized(
            "missing API secret: server-side pushes send X-API-Secret; only browsers may push with the key alone".into(),
        ));
    };
    if !key.allowed_origins.is_empty()
        && !key
            .allowed_origins
            .iter()
            .any(|o| origin_matches(o, origin))
    {
        return Err(ApiError::Forbidden(format!(
            "origin {origin:?} is not allowed for this API key: add it to the key's allowed origins in the dashboard"
        )));
    }
    may_push(&key)?;
    Ok(Pusher {
        key,
        caller: Caller::Browser,
    })
}

/// A read-only key (scopes without `push`) authenticates, and is then refused.
fn may_push(key: &CachedKey) -> Result<(), ApiError> {
    if key.scopes.allows(Scope::Push) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "this API key may only read (scopes: [\"read\"]): push with a key that has the \"push\" scope, or add it to this key on the API keys page".into(),
        ))
    }
}

fn origin_matches(allowed: &str, origin: &str) -> bool {
    allowed
        .trim_end_matches('/')
        .eq_ignore_ascii_case(origin.trim_end_matches('/'))
}

/// The key and secret of a server-side push: `X-API-Key` / `X-API-Secret`, or HTTP basic auth
/// with the key as user and the secret as password (what the Prometheus client libraries'
/// basic-auth handlers send).
pub fn server_credentials(
    headers: &actix_web::http::header::HeaderMap,
) -> (Option<String>, Option<String>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(key) = header("x-api-key") {
        return (Some(key), header("x-api-secret"));
    }
    match headers
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_auth)
    {
        Some((key, secret)) => (Some(key), Some(secret)),
        None => (None, None),
    }
}

/// `Basic base64(user:password)`, as RFC 7617 writes it.
pub fn basic_auth(authorization: &str) -> Option<(String, String)> {
    use base64::Engine;
    let (scheme, encoded) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.insert(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn basic_auth_carries_key_and_secret() {
        // base64("pk_abc:sk_d:ef"): a colon in the secret stays in the secret
        let h = headers(&[("authorization", "Basic cGtfYWJjOnNrX2Q6ZWY=")]);
        assert_eq!(
            server_credentials(&h),
            (Some("pk_abc".into()), Some("sk_d:ef".into()))
        );
        let h = headers(&[("x-api-key", "pk_1"), ("x-api-secret", "sk_1")]);
        assert_eq!(
            server_credentials(&h),
            (Some("pk_1".into()), Some("sk_1".into()))
        );
        for bad in ["Bearer abc", "Basic !!!", "Basic cGtfYWJj"] {
            assert_eq!(basic_auth(bad), None, "{bad}");
        }
    }
}
