//! Logging: text or JSON, level from RUST_LOG (default info).

use crate::settings::LogFormat;
use tracing_subscriber::{EnvFilter, fmt};

const QUIET_DB_DRIVER: &str = "tokio_postgres=info";

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // At debug, tokio-postgres logs every statement's parameters (as bytes): password and
        // secret hashes, refresh-token hashes. No secret in a log line, whatever RUST_LOG says.
        .add_directive(QUIET_DB_DRIVER.parse().expect("a valid directive"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
