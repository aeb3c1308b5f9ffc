//! `/api/v1/auth`: sign up, sign in, refresh, sign out, the current user, account deletion.

use crate::auth::{AuthUser, cookies, credentials, passwords};
use crate::db::Conn;
use crate::domain::{Email, Password, Scopes, UserId};
use crate::error::ApiError;
use crate::extract::{ApiJson, read_limited};
use crate::models::refresh_token::NewRefreshToken;
use crate::models::user::NewUser;
use crate::models::{RefreshToken, User, UserResponse};
use crate::routes::api_keys::create_key;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

const REFRESH_TOKEN_DAYS: i64 = 30;
const MAX_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    email: String,
    password: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigninRequest {
    email: String,
    password: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    password: String,
}

#[derive(Serialize)]
struct Session {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
}

/// Issues an access token and a refresh token (a new family unless one is given).
async fn new_session(
    state: &AppState,
    conn: &mut Conn,
    user: UserId,
    family: Option<Uuid>,
) -> Result<Session, ApiError> {
    let refresh_token = credentials::new_refresh_token();
    RefreshToken::insert(
        conn,
        NewRefreshToken {
            user_id: user,
            family_id: family.unwrap_or_else(Uuid::new_v4),
            token_hash: &credentials::sha256(&refresh_token),
            expires_at: chrono::Utc::now() + chrono::Duration::days(REFRESH_TOKEN_DAYS),
        },
    )
    .await?;
    Ok(Session {
        access_token: state.jwt.issue(user)?,
        refresh_token,
        expires_in: crate::auth::jwt::ACCESS_TOKEN_SECONDS,
    })
}

fn with_session(
    req: &HttpRequest,
    state: &AppState,
    mut response: actix_web::HttpResponseBuilder,
    session: &Session,
    body: serde_json::Value,
) -> HttpResponse {
    for c in cookies::session(
        req,
        &state.public_url,
        &session.access_token,
        &session.refresh_token,
        REFRESH_TOKEN_DAYS * 86400,
    ) {
        response.cookie(c);
    }
    response.json(body)
}

fn optional_name(
    field: &str,
    value: Option<String>,
    errors: &mut BTreeMap<String, String>,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_NAME_CHARS)
    {
        errors.insert(
            field.into(),
            format!("use at most {MAX_NAME_CHARS} characters"),
        );
    }
    value
}

pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = BTreeMap::new();
    let email = Email::parse(&body.email)
        .map_err(|m| errors.insert("email".into(), m))
        .ok();
    let password = Password::parse(body.password)
        .map_err(|m| errors.insert("password".into(), m))
        .ok();
    let first_name = optional_name("first_name", body.first_name, &mut errors);
    let last_name = optional_name("last_name", body.last_name, &mut errors);
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        return Err(ApiError::Validation {
            message: "please correct the highlighted fields".into(),
            fields: errors,
        });
    };
    let password_hash = passwords::hash(&password, state.settings.bcrypt_cost).await?;
    let mut conn = state.pool.get().await?;
    let (user, key) = (*conn)
        .transaction::<_, ApiError, _>(async |conn| {
            let user = User::insert(
                conn,
                NewUser {
                    email: email.as_ref(),
                    password_hash: &password_hash,
                    first_name: first_name.as_deref(),
                    last_name: last_name.as_deref(),
                },
            )
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict(
                    "an account with this e-mail already exists: sign in instead".into(),
                ),
                other => other,
            })?;
            let key = create_key(conn, user.id, "Default key", &[], None, Scopes::DEFAULT).await?;
            Ok((user, key))
        })
        .await?;
    let session = new_session(&state, &mut conn, user.id, None).await?;
    drop(conn);
    state.registry_changed().await;
    tracing::info!(tenant = %user.id, "account created");
    let body = json!({
        "user": UserResponse::from(user),
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "expires_in": session.expires_in,
        "api_key": { "id": key.id, "key_name": key.key_name, "api_key": key.api_key, "api_secret": key.api_secret },
    });
    Ok(with_session(
        &req,
        &state,
        HttpResponse::Created(),
        &session,
        body,
    ))
}

pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SigninRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&body.email).ok();
    let mut conn = state.pool.get().await?;
    let user = match &email {
        Some(email) => User::find_by_email(&mut conn, email).await?,
        None => None,
    };
    let user = user.filter(|u| u.is_active);
    let ok = passwords::verify(
        body.password,
        user.as_ref().map(|u| u.password_hash.clone()),
        state.settings.bcrypt_cost,
    )
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        return Err(ApiError::InvalidCredentials);
    };
    User::record_login(&mut conn, user.id).await?;
    let session = new_session(&state, &mut conn, user.id, None).await?;
    let body = json!({
        "user": UserResponse::from(user),
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "expires_in": session.expires_in,
    });
    Ok(with_session(
        &req,
        &state,
        HttpResponse::Ok(),
        &session,
        body,
    ))
}

/// The refresh token from the JSON body or, failing that, the cookie.
async fn presented_refresh_token(
    req: &HttpRequest,
    payload: &mut web::Payload,
) -> Result<Option<String>, ApiError> {
    let raw = read_limited(req, payload, crate::extract::ACCOUNT_BODY_LIMIT).await?;
    let from_body = if raw.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<RefreshRequest>(&raw)
            .map_err(ApiError::bad_json)?
            .refresh_token
    };
    Ok(from_body
        .or_else(|| {
            req.cookie(cookies::REFRESH_COOKIE)
                .map(|c| c.value().to_owned())
        })
        .filter(|t| !t.is_empty()))
}

pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = presented_refresh_token(&req, &mut payload)
        .await?
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "no refresh token: send {\"refresh_token\": …} or the session cookie".into(),
            )
        })?;
    let mut conn = state.pool.get().await?;
    let stored = RefreshToken::find_by_hash(&mut conn, &credentials::sha256(&token))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("unknown refresh token: sign in again".into()))?;
    if stored.revoked_at.is_some() {
        return Err(ApiError::Unauthorized(
            "this refresh token was revoked: sign in again".into(),
        ));
    }
    let won =
        stored.rotated_at.is_none() && RefreshToken::mark_rotated(&mut conn, stored.id).await?;
    if !won {
        // A rotated token came back: someone holds a copy. End every session of this login.
        RefreshToken::revoke_family(&mut conn, stored.family_id).await?;
        tracing::warn!(tenant = %stored.user_id, "refresh token reuse detected; family revoked");
        return Err(ApiError::Unauthorized("this refresh token was already used, so this login was signed out everywhere: sign in again".into()));
    }
    if stored.expires_at <= chrono::Utc::now() {
        return Err(ApiError::Unauthorized(
            "the refresh token expired: sign in again".into(),
        ));
    }
    if !User::is_active(&mut conn, stored.user_id).await? {
        return Err(ApiError::Unauthorized(
            "this account no longer exists".into(),
        ));
    }
    let session = new_session(&state, &mut conn, stored.user_id, Some(stored.family_id)).await?;
    let body = json!({
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "expires_in": session.expires_in,
    });
    Ok(with_session(
        &req,
        &state,
        HttpResponse::Ok(),
        &session,
        body,
    ))
}

#[post("/auth/signout")]
pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = presented_refresh_token(&req, &mut payload).await?;
    let mut conn = state.pool.get().await?;
    if let Some(token) = token
        && let Some(stored) =
            RefreshToken::find_by_hash(&mut conn, &credentials::sha256(&token)).await?
        && stored.user_id == user.0
    {
        RefreshToken::revoke_family(&mut conn, stored.family_id).await?;
    }
    let mut response = HttpResponse::NoContent();
    for c in cookies::cleared(&req, &state.public_url) {
        response.cookie(c);
    }
    Ok(response.finish())
}

#[get("/auth/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let user = User::find(&mut conn, user.0)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(json!({ "user": UserResponse::from(user) })))
}

/// Deletes the account with its keys and configs; its series leave the next push.
#[delete("/auth/me")]
pub async fn delete_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let stored = User::find(&mut conn, user.0)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    if !passwords::verify(
        body.password,
        Some(stored.password_hash),
        state.settings.bcrypt_cost,
    )
    .await?
    {
        return Err(ApiError::InvalidCredentials);
    }
    User::delete(&mut conn, user.0).await?;
    drop(conn);
    state.aggregator.remove_tenant(user.0);
    state.live.forget(user.0);
    state.registry_changed().await;
    tracing::info!(tenant = %user.0, "account deleted");
    let mut response = HttpResponse::NoContent();
    for c in cookies::cleared(&req, &state.public_url) {
        response.cookie(c);
    }
    Ok(response.finish())
}
