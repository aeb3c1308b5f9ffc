//! The Postgres pool and the embedded migrations.

pub mod schema;

use crate::settings::DatabaseSettings;
use anyhow::Context;
use diesel::{Connection, RunQueryDsl};
use diesel_async::{
    AsyncPgConnection,
    async_connection_wrapper::AsyncConnectionWrapper,
    pooled_connection::{AsyncDieselConnectionManager, deadpool},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type Pool = deadpool::Pool<AsyncPgConnection>;
pub type PoolError = deadpool::PoolError;
pub type Conn = deadpool::Object<AsyncPgConnection>;

/// Arbitrary but fixed key of the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x7075_7368_6761_7465; // "pushgate"

/// Builds the pool with an explicit size and timeouts, so an exhausted pool or a dead server
/// fails fast (and becomes a 503) instead of hanging a request.
pub fn build_pool(settings: &DatabaseSettings) -> anyhow::Result<Pool> {
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new(settings.database_url.expose());
    Pool::builder(manager)
        .max_size(settings.database_pool_size.max(1))
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .context("cannot build the database pool")
}

/// Runs every pending migration under a Postgres advisory lock, so several instances starting
/// at once do not race. Returns the versions it applied.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .context("cannot connect to PostgreSQL")?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)
            .context("cannot take the migration lock")?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect())
            .map_err(|e| anyhow::anyhow!(e).context("migrations failed"));
        // The lock also ends with the session; unlocking explicitly is for long-lived callers.
        let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn);
        applied
    })
    .await
    .context("the migration task stopped")?
}

/// Reverts every migration, then applies them all again (used by the test that keeps each
/// `down.sql` true).
pub async fn redo_all_migrations(database_url: &str) -> anyhow::Result<()> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .context("cannot connect to PostgreSQL")?;
        conn.revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!(e).context("reverting the migrations failed"))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!(e).context("applying the migrations failed"))?;
        Ok(())
    })
    .await
    .context("the migration task stopped")?
}
