//! What handlers take from a request: bodies read within a limit and JSON decoded with errors in
//! the API's shape (`body.rs`), and the signed-in user (`auth_user.rs`).

mod auth_user;
mod body;

pub use auth_user::{AuthUser, access_token};
pub use body::{ACCOUNT_BODY_LIMIT, ApiJson, is_json, parse_json, read_limited};
