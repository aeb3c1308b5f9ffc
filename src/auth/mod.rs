//! Account authentication: bcrypt passwords, short-lived JWT access tokens (Bearer header or
//! HTTP-only cookie), sessions with rotating refresh tokens, and the random credentials of API
//! keys. The extractor of the signed-in user is `extract::AuthUser`.

pub mod cookies;
pub mod credentials;
pub mod jwt;
pub mod passwords;
pub mod sessions;

pub use jwt::JwtKeys;
