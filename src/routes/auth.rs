//! `/api/v1/auth`: sign up, sign in, refresh, sign out, the current user, account deletion.
//! Sessions are issued and rotated in `auth::sessions`; these handlers judge the request and
//! shape the answer.

use crate::auth::sessions::{REFRESH_TOKEN_DAYS, Session};
use crate::auth::{cookies, passwords};
use crate::domain::{ApiKeyId, Email, Password, Scopes};
use crate::error::{ApiError, FieldErrors};
use crate::extract::{ACCOUNT_BODY_LIMIT, ApiJson, AuthUser, read_limited};
use crate::models::user::NewUser;
use crate::models::{ApiKey, User, UserResponse};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

/// The default key a new account gets; its secret appears here only.
#[derive(Serialize)]
struct DefaultKey {
    id: ApiKeyId,
    key_name: String,
    api_key: String,
    api_secret: Option<String>,
}

/// What sign-up, sign-in and refresh answer (SPEC §4): the tokens, with the user on sign-up
/// and sign-in, and the default key on sign-up.
#[derive(Serialize)]
struct SessionResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserResponse>,
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<DefaultKey>,
}

/// The session's tokens as JSON and as the dashboard's cookies.
fn respond(
    req: &HttpRequest,
    state: &AppState,
    mut response: HttpResponseBuilder,
    session: Session,
    user: Option<User>,
    api_key: Option<DefaultKey>,
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
    response.json(SessionResponse {
        user: user.map(UserResponse::from),
        access_token: session.access_token,
        refresh_token: session.refresh_token,
        expires_in: session.expires_in,
        api_key,
    })
}

pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(&body.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let password = Password::parse(body.password)
        .map_err(|m| errors.add("password", m))
        .ok();
    let first_name = errors.optional_text("first_name", body.first_name, MAX_NAME_CHARS);
    let last_name = errors.optional_text("last_name", body.last_name, MAX_NAME_CHARS);
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
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
            let key =
                ApiKey::create(conn, user.id, "Default key", &[], None, Scopes::DEFAULT).await?;
            Ok((user, key))
        })
        .await?;
    let session = Session::start(&mut conn, &state.jwt, user.id).await?;
    drop(conn);
    state.registry_changed().await;
    tracing::info!(tenant = %user.id, "account created");
    let key = DefaultKey {
        id: key.id,
        key_name: key.key_name,
        api_key: key.api_key,
        api_secret: key.api_secret,
    };
    Ok(respond(
        &req,
        &state,
        HttpResponse::Created(),
        session,
        Some(user),
        Some(key),
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
    let session = Session::start(&mut conn, &state.jwt, user.id).await?;
    Ok(respond(
        &req,
        &state,
        HttpResponse::Ok(),
        session,
        Some(user),
        None,
    ))
}

/// The refresh token from the JSON body or, failing that, the cookie.
async fn presented_refresh_token(
    req: &HttpRequest,
    payload: &mut web::Payload,
) -> Result<Option<String>, ApiError> {
    let raw = read_limited(req, payload, ACCOUNT_BODY_LIMIT).await?;
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
    let session = Session::rotate(&mut conn, &state.jwt, &token).await?;
    Ok(respond(
        &req,
        &state,
        HttpResponse::Ok(),
        session,
        None,
        None,
    ))
}

fn signed_out(req: &HttpRequest, state: &AppState) -> HttpResponse {
    let mut response = HttpResponse::NoContent();
    for c in cookies::cleared(req, &state.public_url) {
        response.cookie(c);
    }
    response.finish()
}

pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token = presented_refresh_token(&req, &mut payload).await?;
    if let Some(token) = token {
        let mut conn = state.pool.get().await?;
        Session::end(&mut conn, user.0, &token).await?;
    }
    Ok(signed_out(&req, &state))
}

pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let user = User::find(&mut conn, user.0)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(HttpResponse::Ok().json(json!({ "user": UserResponse::from(user) })))
}

/// Deletes the account with its keys and configs; its series leave the next push.
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
    Ok(signed_out(&req, &state))
}
