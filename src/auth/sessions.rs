//! Sessions: a short-lived access token (JWT) with a refresh token that rotates on every use.
//! A refresh token is stored only as its SHA-256, in a family per login; presenting a rotated
//! token again means someone holds a copy, and ends the whole family.

use super::{JwtKeys, credentials, jwt::ACCESS_TOKEN_SECONDS};
use crate::domain::UserId;
use crate::error::ApiError;
use crate::models::refresh_token::NewRefreshToken;
use crate::models::{RefreshToken, User};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// The tokens of one session, as they are handed to the client.
pub struct Session {
    pub user: UserId,
    pub access_token: String,
    pub refresh_token: String,
    /// seconds the access token lives
    pub expires_in: i64,
}

impl Session {
    /// A new login of `user`: an access token and the first refresh token of a new family.
    pub async fn start(
        conn: &mut AsyncPgConnection,
        jwt: &JwtKeys,
        user: UserId,
    ) -> Result<Self, ApiError> {
        Self::issue(conn, jwt, user, Uuid::new_v4()).await
    }

    /// Trades `presented` for a new pair in the same family. A token used twice signs the
    /// login out everywhere.
    pub async fn rotate(
        conn: &mut AsyncPgConnection,
        jwt: &JwtKeys,
        presented: &str,
    ) -> Result<Self, ApiError> {
        let stored = RefreshToken::find_by_hash(conn, &credentials::sha256(presented))
            .await?
            .ok_or_else(|| ApiError::Unauthorized("unknown refresh token: sign in again".into()))?;
        if stored.revoked_at.is_some() {
            return Err(ApiError::Unauthorized(
                "this refresh token was revoked: sign in again".into(),
            ));
        }
        let won =
            stored.rotated_at.is_none() && RefreshToken::mark_rotated(conn, stored.id).await?;
        if !won {
            // A rotated token came back: someone holds a copy. End every session of this login.
            RefreshToken::revoke_family(conn, stored.family_id).await?;
            tracing::warn!(tenant = %stored.user_id, "refresh token reuse detected; family revoked");
            return Err(ApiError::Unauthorized("this refresh token was already used, so this login was signed out everywhere: sign in again".into()));
        }
        if stored.expires_at <= chrono::Utc::now() {
            return Err(ApiError::Unauthorized(
                "the refresh token expired: sign in again".into(),
            ));
        }
        if !User::is_active(conn, stored.user_id).await? {
            return Err(ApiError::Unauthorized(
                "this account no longer exists".into(),
            ));
        }
        Self::issue(conn, jwt, stored.user_id, stored.family_id).await
    }

    /// Ends the login `presented` belongs to, if it is one of `user`'s.
    pub async fn end(
        conn: &mut AsyncPgConnection,
        user: UserId,
        presented: &str,
    ) -> Result<(), ApiError> {
        if let Some(stored) =
            RefreshToken::find_by_hash(conn, &credentials::sha256(presented)).await?
            && stored.user_id == user
        {
            RefreshToken::revoke_family(conn, stored.family_id).await?;
        }
        Ok(())
    }

    async fn issue(
        conn: &mut AsyncPgConnection,
        jwt: &JwtKeys,
        user: UserId,
        family: Uuid,
    ) -> Result<Self, ApiError> {
        let refresh_token = credentials::new_refresh_token();
        RefreshToken::insert(
            conn,
            NewRefreshToken {
                user_id: user,
                family_id: family,
                token_hash: &credentials::sha256(&refresh_token),
                expires_at: chrono::Utc::now() + chrono::Duration::days(REFRESH_TOKEN_DAYS),
            },
        )
        .await?;
        Ok(Self {
            user,
            access_token: jwt.issue(user)?,
            refresh_token,
            expires_in: ACCESS_TOKEN_SECONDS,
        })
    }
}
