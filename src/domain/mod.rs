//! Domain types: once a value has one of these types it is valid everywhere ("parse, don't validate").

pub mod builtin;
mod declared_labels;
mod email;
mod ids;
mod label_name;
mod label_set;
mod metric_kind;
mod metric_name;
mod metric_schema;
pub mod name_claims;
mod password;
pub mod reserved;
mod scopes;
mod sql;

pub use declared_labels::DeclaredLabels;
pub use email::Email;
pub use ids::{ApiKeyId, MetricConfigId, UserId};
pub use label_name::{LabelName, SERVER_LABELS, TYPE_LABELS};
pub use label_set::LabelSet;
pub use metric_kind::MetricKind;
pub use metric_name::MetricName;
pub use metric_schema::{DEFAULT_BUCKETS, DEFAULT_QUANTILES, MetricSchema};
pub use name_claims::{NameClaims, NameConflict};
pub use password::Password;
pub use scopes::{Scope, Scopes};
