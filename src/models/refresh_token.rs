use crate::db::schema::refresh_tokens;
use crate::domain::UserId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A stored refresh token (only its SHA-256). Never serialised.
#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub family_id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub user_id: UserId,
    pub family_id: Uuid,
    pub token_hash: &'a [u8],
    pub expires_at: DateTime<Utc>,
}

impl RefreshToken {
    pub async fn insert(conn: &mut AsyncPgConnection, new: NewRefreshToken<'_>) -> QueryResult<()> {
        diesel::insert_into(refresh_tokens::table)
            .values(new)
            .execute(conn)
            .await
            .map(drop)
    }

    pub async fn find_by_hash(
        conn: &mut AsyncPgConnection,
        hash: &[u8],
    ) -> QueryResult<Option<RefreshToken>> {
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash))
            .select(RefreshToken::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Marks the token rotated, but only if nobody rotated it first: two concurrent refreshes
    /// with the same token cannot both succeed. Returns whether this call won.
    pub async fn mark_rotated(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
        let n = diesel::update(
            refresh_tokens::table
                .find(id)
                .filter(refresh_tokens::rotated_at.is_null())
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::rotated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        Ok(n == 1)
    }

    pub async fn revoke_family(conn: &mut AsyncPgConnection, family_id: Uuid) -> QueryResult<()> {
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(family_id))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
    }
}
