-- The aggregated state of one pushgate instance, written before each push of the same snapshot.
CREATE TABLE checkpoints (
    instance TEXT PRIMARY KEY,
    state BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
