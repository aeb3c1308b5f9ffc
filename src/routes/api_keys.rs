//! `/api/v1/apikeys`: a tenant's API credentials. The secret is shown once, at creation.

use crate::domain::{ApiKeyId, Scopes};
use crate::error::{ApiError, FieldErrors};
use crate::extract::{ApiJson, AuthUser, parse_json};
use crate::models::api_key::ApiKeyChanges;
use crate::models::{ApiKey, ApiKeyResponse};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

const MAX_KEY_NAME_CHARS: usize = 100;
const MAX_ORIGINS: usize = 50;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    key_name: String,
    allowed_origins: Option<Vec<String>>,
    expires_at: Option<DateTime<Utc>>,
    scopes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateKeyRequest {
    key_name: Option<String>,
    allowed_origins: Option<Vec<String>>,
    is_active: Option<bool>,
    scopes: Option<Vec<String>>,
}

fn parse_key_name(raw: &str, errors: &mut FieldErrors) -> String {
    let name = raw.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_KEY_NAME_CHARS {
        errors.add(
            "key_name",
            format!("give the key a name of 1 to {MAX_KEY_NAME_CHARS} characters"),
        );
    }
    name
}

/// Origins as browsers send them: `scheme://host[:port]`, no path. Stored without a trailing slash.
fn parse_origins(raw: Vec<String>, errors: &mut FieldErrors) -> Vec<String> {
    if raw.len() > MAX_ORIGINS {
        errors.add(
            "allowed_origins",
            format!("list at most {MAX_ORIGINS} origins"),
        );
        return Vec::new();
    }
    let mut out = Vec::with_capacity(raw.len());
    for origin in raw {
        let o = origin.trim().trim_end_matches('/').to_ascii_lowercase();
        let valid = ["http://", "https://"].iter().any(|scheme| {
            o.strip_prefix(scheme)
                .is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', ' ', '@']))
        });
        if !valid {
            errors.add("allowed_origins", format!("{origin:?} is not an origin: write it like https://example.com or http://localhost:8080 (no path)"),
            );
        } else if !out.contains(&o) {
            out.push(o);
        }
    }
    out
}

fn parse_scopes(raw: &[String], errors: &mut FieldErrors) -> Scopes {
    Scopes::parse(raw).unwrap_or_else(|message| {
        errors.add("scopes", message);
        Scopes::DEFAULT
    })
}

pub async fn create_api_key(
    state: web::Data<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<CreateKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let key_name = parse_key_name(&body.key_name, &mut errors);
    let origins = parse_origins(body.allowed_origins.unwrap_or_default(), &mut errors);
    let scopes = body
        .scopes
        .map_or(Scopes::DEFAULT, |s| parse_scopes(&s, &mut errors));
    if body.expires_at.is_some_and(|at| at <= Utc::now()) {
        errors.add(
            "expires_at",
            "choose a time in the future (RFC 3339, e.g. 2030-01-01T00:00:00Z)".into(),
        );
    }
    errors.check()?;
    let mut conn = state.pool.get().await?;
    let key = ApiKey::create(
        &mut conn,
        user.0,
        &key_name,
        &origins,
        body.expires_at,
        scopes,
    )
    .await?;
    drop(conn);
    state.registry_changed().await;
    tracing::info!(tenant = %user.0, key_id = %key.id, "API key created");
    Ok(HttpResponse::Created().json(key))
}

pub async fn list_api_keys(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let keys: Vec<ApiKeyResponse> = ApiKey::list_for_user(&mut conn, user.0)
        .await?
        .into_iter()
        .map(|k| ApiKeyResponse::new(k, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "api_keys": keys })))
}

pub async fn update_api_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ApiKeyId>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    // Ownership first: another tenant's id is "not found" whatever the body says.
    ApiKey::find_for_user(&mut conn, user.0, id)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    let body: UpdateKeyRequest = parse_json(&req, &mut payload).await?;
    let mut errors = FieldErrors::default();
    let changes = ApiKeyChanges {
        key_name: body.key_name.map(|n| parse_key_name(&n, &mut errors)),
        allowed_origins: body.allowed_origins.map(|o| parse_origins(o, &mut errors)),
        is_active: body.is_active,
        scopes: body.scopes.map(|s| parse_scopes(&s, &mut errors).to_vec()),
        updated_at: Some(Utc::now()),
    };
    errors.check()?;
    let key = ApiKey::update_for_user(&mut conn, user.0, id, changes)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    drop(conn);
    state.registry_changed().await;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::new(key, None)))
}

pub async fn delete_api_key(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ApiKeyId>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    if !ApiKey::delete_for_user(&mut conn, user.0, id.into_inner()).await? {
        return Err(ApiError::NotFound("API key"));
    }
    drop(conn);
    state.registry_changed().await;
    Ok(HttpResponse::NoContent().finish())
}
