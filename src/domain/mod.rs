//! Domain types: once a value has one of these types it is valid everywhere ("parse, don't validate").

pub mod builtin;
mod email;
mod ids;
mod label_name;
mod metric_kind;
mod metric_name;
mod password;
pub mod reserved;
mod scopes;

pub use email::Email;
pub use ids::{ApiKeyId, MetricConfigId, UserId};
pub use label_name::LabelName;
pub use metric_kind::MetricKind;
pub use metric_name::MetricName;
pub use password::Password;
pub use scopes::{Scope, Scopes};
