//! Integration tests: one binary (fast to link), a module per area.

// Tests may unwrap (a failure is the point) and print the figures they measure.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod helpers;

mod api_keys;
mod auth;
mod faults;
mod forwarding;
mod health;
mod hostile;
mod ingest;
mod intake;
mod isolation;
mod metric_configs;
mod migrations;
mod outages;
mod rate_limits;
mod read_path;
mod remote_write;
mod restarts;
mod shutdown;
mod tracking;
