//! Checkpoints: this instance's aggregate in the `checkpoints` table, written before the same
//! snapshot goes to any sink (so no receiver is ever ahead of what a restart restores) and
//! read back at start-up. `codec` is the stored form.

mod codec;

use crate::aggregator::{Aggregator, Snapshot};
use crate::db::{Pool, PoolError};
use crate::models::checkpoint::Checkpoint;
use std::sync::Arc;

/// Checkpoints larger than this are written on a connection that is then closed.
const LARGE_CHECKPOINT: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("no database connection: {}", crate::error::causes(.0))]
    Pool(#[from] PoolError),
    #[error("the database refused it: {}", crate::error::causes(.0))]
    Database(#[from] diesel::result::Error),
    #[error("could not encode it: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("the checkpoint of instance {instance:?} is unreadable: {source}")]
    Unreadable {
        instance: String,
        source: serde_json::Error,
    },
    #[error("the encoding task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Saves and restores the checkpoint of one instance.
#[derive(Clone)]
pub struct CheckpointStore {
    pool: Pool,
    instance: String,
}

impl CheckpointStore {
    pub fn new(pool: Pool, instance: String) -> Self {
        Self { pool, instance }
    }

    /// Encodes `snapshot` (off the async executor) and writes it.
    pub async fn save(&self, snapshot: &Arc<Snapshot>) -> Result<(), CheckpointError> {
        let snapshot = snapshot.clone();
        let bytes = tokio::task::spawn_blocking(move || codec::encode(&snapshot))
            .await?
            .map_err(CheckpointError::Encode)?;
        let mut conn = self.pool.get().await?;
        let saved = Checkpoint::save(&mut conn, &self.instance, &bytes).await;
        if bytes.len() > LARGE_CHECKPOINT {
            // The connection's write buffer keeps the capacity of its largest message: close
            // it rather than keep a checkpoint-sized buffer resident in the pool.
            drop(deadpool::managed::Object::take(conn));
        }
        Ok(saved?)
    }

    /// Loads this instance's checkpoint, if any, into `aggregator`; returns its series count.
    pub async fn restore(&self, aggregator: &Aggregator) -> Result<usize, CheckpointError> {
        let mut conn = self.pool.get().await?;
        let Some(bytes) = Checkpoint::load(&mut conn, &self.instance).await? else {
            return Ok(0);
        };
        drop(conn);
        let snapshot = tokio::task::spawn_blocking(move || codec::decode(&bytes))
            .await?
            .map_err(|source| CheckpointError::Unreadable {
                instance: self.instance.clone(),
                source,
            })?;
        let n = snapshot.series_count();
        aggregator.restore(snapshot);
        Ok(n)
    }
}
