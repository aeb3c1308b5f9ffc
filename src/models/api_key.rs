use crate::auth::credentials;
use crate::db::schema::api_keys;
use crate::domain::{ApiKeyId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// An API key row. Holds the secret's hash: never serialised.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub key_name: String,
    pub api_key: String,
    pub secret_hash: Vec<u8>,
    pub allowed_origins: Vec<String>,
    pub is_active: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `push`, `read` or both (`domain::Scopes`); a CHECK constraint keeps it to those
    pub scopes: Vec<String>,
}

#[derive(Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey<'a> {
    pub user_id: UserId,
    pub key_name: &'a str,
    pub api_key: &'a str,
    pub secret_hash: &'a [u8],
    pub allowed_origins: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

/// A partial update (PATCH): `None` leaves the column as it is.
#[derive(AsChangeset, Default)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyChanges {
    pub key_name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub is_active: Option<bool>,
    pub scopes: Option<Vec<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What clients see of a key; `api_secret` is present only in the response that created it.
#[derive(Serialize, Debug)]
pub struct ApiKeyResponse {
    pub id: ApiKeyId,
    pub key_name: String,
    pub api_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_secret: Option<String>,
    pub allowed_origins: Vec<String>,
    pub scopes: Vec<String>,
    pub is_active: bool,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ApiKeyResponse {
    pub fn new(key: ApiKey, api_secret: Option<String>) -> Self {
        Self {
            id: key.id,
            key_name: key.key_name,
            api_key: key.api_key,
            api_secret,
            allowed_origins: key.allowed_origins,
            scopes: crate::domain::Scopes::from_stored(&key.scopes).to_vec(),
            is_active: key.is_active,
            last_used_at: key.last_used_at,
            expires_at: key.expires_at,
            created_at: key.created_at,
        }
    }
}

impl ApiKey {
    /// Creates a key with a fresh public key and secret; the response is the only place the
    /// secret ever appears (only its SHA-256 is stored).
    pub async fn create(
        conn: &mut AsyncPgConnection,
        user: UserId,
        key_name: &str,
        allowed_origins: &[String],
        expires_at: Option<DateTime<Utc>>,
        scopes: crate::domain::Scopes,
    ) -> QueryResult<ApiKeyResponse> {
        let secret = credentials::new_secret();
        let public = credentials::new_public_key();
        let key = Self::insert(
            conn,
            NewApiKey {
                user_id: user,
                key_name,
                api_key: &public,
                secret_hash: &credentials::sha256(&secret),
                allowed_origins,
                expires_at,
                scopes: scopes.to_vec(),
            },
        )
        .await?;
        Ok(ApiKeyResponse::new(key, Some(secret)))
    }

    async fn insert(conn: &mut AsyncPgConnection, new: NewApiKey<'_>) -> QueryResult<ApiKey> {
        diesel::insert_into(api_keys::table)
            .values(new)
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn list_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> QueryResult<Vec<ApiKey>> {
        api_keys::table
            .filter(api_keys::user_id.eq(user))
            .order(api_keys::created_at.asc())
            .select(ApiKey::as_select())
            .load(conn)
            .await
    }

    /// The key if it exists *and* belongs to `user`: another tenant's id is simply not found.
    pub async fn find_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ApiKeyId,
    ) -> QueryResult<Option<ApiKey>> {
        api_keys::table
            .find(id)
            .filter(api_keys::user_id.eq(user))
            .select(ApiKey::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn update_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ApiKeyId,
        changes: ApiKeyChanges,
    ) -> QueryResult<Option<ApiKey>> {
        diesel::update(api_keys::table.find(id).filter(api_keys::user_id.eq(user)))
            .set(changes)
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    pub async fn delete_for_user(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ApiKeyId,
    ) -> QueryResult<bool> {
        let n = diesel::delete(api_keys::table.find(id).filter(api_keys::user_id.eq(user)))
            .execute(conn)
            .await?;
        Ok(n == 1)
    }

    /// Every active key of every active user: the ingestion registry.
    pub async fn load_all_active(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ApiKey>> {
        use crate::db::schema::users;
        api_keys::table
            .inner_join(users::table)
            .filter(api_keys::is_active.eq(true))
            .filter(users::is_active.eq(true))
            .select(ApiKey::as_select())
            .load(conn)
            .await
    }

    /// Records use in bulk (called in the background, never per request).
    pub async fn touch_last_used(
        conn: &mut AsyncPgConnection,
        ids: &[ApiKeyId],
        at: DateTime<Utc>,
    ) -> QueryResult<()> {
        diesel::update(api_keys::table.filter(api_keys::id.eq_any(ids)))
            .set(api_keys::last_used_at.eq(at))
            .execute(conn)
            .await
            .map(drop)
    }
}
