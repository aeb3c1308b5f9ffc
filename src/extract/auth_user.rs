//! `AuthUser`: the signed-in user of a request, from `Authorization: Bearer` or the session
//! cookie. The account must still exist and be active (a deleted user's token stops working).

use crate::auth::cookies::ACCESS_COOKIE;
use crate::domain::UserId;
use crate::error::ApiError;
use crate::models::User;
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use std::future::Future;
use std::pin::Pin;

#[derive(Clone, Copy, Debug)]
pub struct AuthUser(pub UserId);

/// The token a request carries, Bearer first, then the cookie.
pub fn access_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    bearer
        .or_else(|| req.cookie(ACCESS_COOKIE).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = access_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized(
                    "sign in first: send Authorization: Bearer <access_token>".into(),
                )
            })?;
            let user = state.jwt.verify(&token)?;
            let mut conn = state.pool.get().await?;
            if !User::is_active(&mut conn, user).await? {
                return Err(ApiError::Unauthorized(
                    "this account no longer exists: sign up again".into(),
                ));
            }
            Ok(AuthUser(user))
        })
    }
}
