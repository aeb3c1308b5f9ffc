use crate::db::schema::checkpoints;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The serialised aggregate state of one instance.
pub struct Checkpoint;

impl Checkpoint {
    pub async fn save(
        conn: &mut AsyncPgConnection,
        instance: &str,
        state: &[u8],
    ) -> QueryResult<()> {
        diesel::insert_into(checkpoints::table)
            .values((
                checkpoints::instance.eq(instance),
                checkpoints::state.eq(state),
            ))
            .on_conflict(checkpoints::instance)
            .do_update()
            .set((
                checkpoints::state.eq(state),
                checkpoints::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map(drop)
    }

    pub async fn load(
        conn: &mut AsyncPgConnection,
        instance: &str,
    ) -> QueryResult<Option<Vec<u8>>> {
        checkpoints::table
            .find(instance)
            .select(checkpoints::state)
            .first(conn)
            .await
            .optional()
    }
}
