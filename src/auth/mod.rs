//! Account authentication: bcrypt passwords, short-lived JWT access tokens (Bearer header or
//! HTTP-only cookie), rotating refresh tokens, and the random credentials of API keys.

pub mod cookies;
pub mod credentials;
pub mod jwt;
pub mod passwords;
pub mod user_extractor;

pub use jwt::JwtKeys;
pub use user_extractor::AuthUser;
