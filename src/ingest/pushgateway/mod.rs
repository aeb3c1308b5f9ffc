//! The Pushgateway's own push API (`PUT`/`POST`/`DELETE /metrics/job/…`), so that a job using
//! a Prometheus client library's push function can point it at pushgate: the grouping key of
//! the path, the body in either of the Pushgateway's formats, and the judgement of a push,
//! which is taken or refused whole.

pub mod body;
pub mod grouping;
pub mod judge;
pub mod pipeline;
mod protobuf;
mod text;
mod values;

pub use grouping::GroupingKey;
pub use judge::{FamilyError, GroupJudge};
