//! bcrypt, always off the async executor: a cost-12 hash takes ~250 ms of CPU.

use crate::domain::Password;
use crate::error::ApiError;

pub async fn hash(password: &Password, cost: u32) -> Result<String, ApiError> {
    let plain = password.expose().to_owned();
    tokio::task::spawn_blocking(move || bcrypt::hash(plain, cost))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Verifies a password against a stored hash. With `None` (unknown e-mail) a dummy hash is
/// checked, so the answer takes as long whether or not the account exists.
pub async fn verify(plain: String, stored: Option<String>, cost: u32) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => bcrypt::verify(plain, &hash).unwrap_or(false),
        None => {
            let _ = bcrypt::hash("timing-equaliser", cost);
            false
        }
    })
    .await
    .map_err(ApiError::internal)
}
