//! A module per table: the row type, its insertable and changeset, and its queries side by side.
//! Rows that hold a secret hash never derive `Serialize`; responses are separate structs.

pub mod api_key;
pub mod checkpoint;
pub mod metric_config;
pub mod refresh_token;
pub mod user;

pub use api_key::{ApiKey, ApiKeyResponse};
pub use metric_config::{MetricConfig, MetricConfigResponse};
pub use refresh_token::RefreshToken;
pub use user::{User, UserResponse};
