CREATE TABLE metric_configs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    metric_name TEXT NOT NULL,
    metric_type TEXT NOT NULL CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')),
    -- allowed label names mapped to their default value (or null: absent when not sent)
    labels JSONB NOT NULL DEFAULT '{}',
    help TEXT,
    buckets DOUBLE PRECISION[],
    quantiles DOUBLE PRECISION[],
    auto_track BOOLEAN NOT NULL DEFAULT FALSE,
    tracking_events TEXT[] NOT NULL DEFAULT '{}',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, metric_name)
);

-- Cross-tenant type conflicts are checked by metric name.
CREATE INDEX metric_configs_metric_name_idx ON metric_configs (metric_name);
