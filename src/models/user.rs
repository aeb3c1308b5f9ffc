use crate::db::schema::users;
use crate::domain::{Email, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A user row. Holds the password hash: never serialised.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
}

/// What clients see of a user.
#[derive(Serialize, Debug)]
pub struct UserResponse {
    pub id: UserId,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            created_at: u.created_at,
        }
    }
}

impl User {
    pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(User::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// E-mails are stored normalised (lower case), so equality is case-insensitive.
    pub async fn find_by_email(
        conn: &mut AsyncPgConnection,
        email: &Email,
    ) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email.as_ref()))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn is_active(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
        let active: Option<bool> = users::table
            .find(id)
            .select(users::is_active)
            .first(conn)
            .await
            .optional()?;
        Ok(active == Some(true))
    }

    pub async fn record_login(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::last_login_at.eq(diesel::dsl::now))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Deletes the user; keys, configs and refresh tokens go with it (ON DELETE CASCADE).
    pub async fn delete(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<usize> {
        diesel::delete(users::table.find(id)).execute(conn).await
    }

    /// Ids of every active user: the aggregator drops series of tenants no longer listed.
    pub async fn active_ids(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UserId>> {
        users::table
            .filter(users::is_active.eq(true))
            .select(users::id)
            .load(conn)
            .await
    }
}
