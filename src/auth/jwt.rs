//! HS256 access tokens, 15 minutes long. Only HS256 is accepted (no `alg: none`, no other key).

use crate::domain::UserId;
use crate::error::ApiError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    iat: i64,
    exp: i64,
    typ: String,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(&self, user: UserId) -> Result<String, ApiError> {
        self.issue_at(user, chrono::Utc::now().timestamp())
    }

    pub fn issue_at(&self, user: UserId, iat: i64) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user,
            iat,
            exp: iat + ACCESS_TOKEN_SECONDS,
            typ: "access".into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
            let why = match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the access token expired: refresh it with POST /api/v1/auth/refresh"
                }
                _ => "the access token is invalid: sign in again",
            };
            ApiError::Unauthorized(why.into())
        })?;
        if data.claims.typ != "access" {
            return Err(ApiError::Unauthorized(
                "not an access token: sign in again".into(),
            ));
        }
        Ok(data.claims.sub)
    }
}
