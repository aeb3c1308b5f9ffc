//! Integration tests: one binary (fast to link), a module per area.

mod helpers;

mod api_keys;
mod auth;
mod faults;
mod health;
mod hostile;
mod ingest;
mod isolation;
mod metric_configs;
mod migrations;
mod outages;
mod rate_limits;
mod read_path;
mod restarts;
mod tracking;
