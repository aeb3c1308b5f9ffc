//! Who reads, and as which tenant: a signed-in session (cookie or Bearer JWT) reads its own
//! tenant; HTTP basic auth with an API key as user and its secret as password reads the key
//! owner's tenant, if the key has the `read` scope. Also the per-reader rate limit.

use crate::auth::credentials::secret_matches;
use crate::domain::{Scope, UserId};
use crate::error::ApiError;
use crate::extract::{AuthUser, access_token};
use crate::ingest::credentials::basic_auth;
use crate::ingest::registry::Registry;
use crate::query::error::PromError;
use crate::state::AppState;
use actix_governor::KeyExtractor;
use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_web::dev::ServiceRequest;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use actix_web::{http::header, web};

/// The tenant a read is scoped to.
#[derive(Clone, Copy, Debug)]
pub struct Reader(pub UserId);

/// `Authorization: Basic base64(user:password)`, if the request carries it.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    basic_auth(value)
}

/// A key + secret that may read: the key's owner, or why not.
fn key_reader(registry: &Registry, public: &str, secret: &str) -> Result<UserId, ApiError> {
    let key = registry.keys.get(public).ok_or_else(|| {
        ApiError::Unauthorized(
            "unknown or inactive API key: use a key from your dashboard as the basic-auth user and its secret as the password".into(),
        )
    })?;
    if key.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(ApiError::Unauthorized(
            "this API key has expired: create a new key with the read scope".into(),
        ));
    }
    if !secret_matches(secret, &key.secret_hash) {
        return Err(ApiError::Unauthorized(
            "wrong secret for this API key: the basic-auth password is the key's secret (sk_…)"
                .into(),
        ));
    }
    if !key.scopes.allows(Scope::Read) {
        return Err(ApiError::Forbidden(
            "this API key may not read: give it the \"read\" scope on the API keys page (or PATCH /api/v1/apikeys/{id} with {\"scopes\": [\"push\", \"read\"]})".into(),
        ));
    }
    Ok(key.user_id)
}

impl Reader {
    pub async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<Self, PromError> {
        if let Some((public, secret)) = basic_credentials(req) {
            return Ok(Reader(key_reader(
                &state.registry.current(),
                &public,
                &secret,
            )?));
        }
        if access_token(req).is_none() {
            return Err(ApiError::Unauthorized(
                "sign in, or send basic auth with an API key that has the read scope as user and its secret as password".into(),
            )
            .into());
        }
        let user = AuthUser::extract(req).await?;
        Ok(Reader(user.0))
    }
}

/// Counts reads per tenant, whichever way they authenticate; requests that do not
/// authenticate are not counted (they get their 401 at once).
#[derive(Clone)]
pub struct ByReader;

impl KeyExtractor for ByReader {
    type Key = Option<UserId>;
    type KeyExtractionError = ApiError;

    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, ApiError> {
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return Ok(None);
        };
        if let Some((public, secret)) = basic_credentials(req.request()) {
            return Ok(key_reader(&state.registry.current(), &public, &secret).ok());
        }
        Ok(access_token(req.request()).and_then(|t| state.jwt.verify(&t).ok()))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _: HttpResponseBuilder,
    ) -> HttpResponse {
        let wait = negative
            .wait_time_from(DefaultClock::default().now())
            .as_secs()
            .max(1);
        PromError::rate_limited(wait).error_response()
    }

    fn whitelisted_keys(&self) -> Vec<Self::Key> {
        vec![None]
    }
}
