//! The remote-write sink's settings, flattened into `pushgate serve`'s
//! (`settings::Settings::remote_write`).

use crate::settings::parse_duration;
use clap::Args;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::fmt;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct RemoteWriteSettings {
    /// Prometheus remote-write endpoint (Prometheus, Mimir, Thanos Receive, VictoriaMetrics);
    /// unset: off. Every flush also (or, with PUSHGATEWAY_URL empty, only) goes there.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_URL")]
    pub remote_write_url: Option<crate::settings::Secret>,
    /// Header naming the tenant (X-Scope-OrgID for Mimir, THANOS-TENANT for Thanos): each
    /// tenant's series go in requests of their own with this header set to the user id.
    /// Unset: every tenant in one stream, told apart by the `tenant` label only.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_TENANT_HEADER", value_parser = parse_header_name)]
    pub remote_write_tenant_header: Option<HeaderName>,
    /// Headers sent with every request, `Name=value,Name=value` (e.g. an Authorization for a
    /// managed endpoint). Never logged.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_HEADERS", default_value = "", hide_default_value = true, value_parser = parse_headers)]
    pub remote_write_headers: ExtraHeaders,
    /// How long one remote-write request may take.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub remote_write_timeout: Duration,
    /// Sample series per remote-write request at most (Prometheus's `max_samples_per_send`);
    /// a receiver's request size limit may want fewer.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_BATCH_SERIES", default_value_t = super::encode::MAX_SERIES_PER_REQUEST, value_parser = parse_batch_series)]
    pub remote_write_batch_series: usize,
    /// Remote-write requests of one flush in flight at once.
    #[arg(long, env = "PUSHGATE_REMOTE_WRITE_IN_FLIGHT", default_value_t = super::IN_FLIGHT, value_parser = parse_in_flight)]
    pub remote_write_in_flight: usize,
}

impl RemoteWriteSettings {
    /// Off: the default of every test that does not write remotely.
    pub fn off() -> Self {
        Self {
            remote_write_url: None,
            remote_write_tenant_header: None,
            remote_write_headers: ExtraHeaders::default(),
            remote_write_timeout: Duration::from_secs(30),
            remote_write_batch_series: super::encode::MAX_SERIES_PER_REQUEST,
            remote_write_in_flight: super::IN_FLIGHT,
        }
    }
}

/// Headers whose values never print: they usually hold credentials.
#[derive(Clone, Default)]
pub struct ExtraHeaders(pub HeaderMap);

impl fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.keys().map(HeaderName::as_str).collect();
        write!(f, "{names:?} (values redacted)")
    }
}

fn parse_count(raw: &str, what: &str, max: usize) -> Result<usize, String> {
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{raw:?}: {what} is a whole number from 1 to {max}")),
    }
}

fn parse_batch_series(raw: &str) -> Result<usize, String> {
    parse_count(raw, "the sample series per request", 1_000_000)
}

fn parse_in_flight(raw: &str) -> Result<usize, String> {
    parse_count(raw, "the requests in flight", 256)
}

fn parse_header_name(raw: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(raw.trim().as_bytes())
        .map_err(|_| format!("{raw:?} is not an HTTP header name; write e.g. X-Scope-OrgID"))
}

/// `Authorization=Bearer abc,X-Extra=1`: split at commas, each at its first `=` (so base64
/// values keep their padding). The value is never part of an error message.
fn parse_headers(raw: &str) -> Result<ExtraHeaders, String> {
    let mut map = HeaderMap::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(
                "a header has no '='; write PUSHGATE_REMOTE_WRITE_HEADERS as Name=value,Name=value"
                    .into(),
            );
        };
        let name = parse_header_name(name)?;
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            format!("the value of header {name} holds characters a header cannot carry")
        })?;
        value.set_sensitive(true);
        map.append(name, value);
    }
    Ok(ExtraHeaders(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_never_print_their_values() {
        let h = parse_headers("Authorization=Basic dXNlcjpwYXNz==, X-Extra = 1").unwrap();
        assert_eq!(h.0["authorization"], "Basic dXNlcjpwYXNz==");
        assert_eq!(h.0["x-extra"], "1");
        let printed = format!("{h:?}");
        assert!(printed.contains("authorization") && !printed.contains("dXNlcjpwYXNz"));
        assert!(parse_headers("").unwrap().0.is_empty());
        let err = parse_headers("Authorization: secret").unwrap_err();
        assert!(err.contains("Name=value") && !err.contains("secret"));
        assert!(
            parse_headers("Bad Name=1")
                .unwrap_err()
                .contains("header name")
        );
        assert!(parse_header_name("X-Scope-OrgID").is_ok());
        assert_eq!(parse_batch_series("20000"), Ok(20_000));
        assert!(parse_batch_series("0").is_err() && parse_in_flight("x").is_err());
        assert_eq!(parse_in_flight(" 8 "), Ok(8));
    }
}
