//! Every setting is a command-line flag and an environment variable (SPEC §4). Settings are
//! passed in, never global: tests build their own.
//! Over 300 lines: one flag per setting with its doc comment (what `--help` prints); a table
//! read in one place is clearer than settings scattered over files.

pub use crate::query::settings::QuerySettings;
pub use crate::sinks::RemoteWriteSettings;
use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    time::Duration,
};

#[derive(Parser, Debug)]
#[command(
    name = "pushgate",
    version,
    about = "Multi-tenant metrics ingestion gateway for the Prometheus Pushgateway"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run pending migrations (under an advisory lock), then serve the API and the dashboard.
    Serve(Box<Settings>),
    /// Run pending database migrations and exit.
    Migrate(DatabaseSettings),
}

/// A value that never prints: for secrets and URLs that may hold passwords.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[derive(Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// PostgreSQL connection URL, e.g. postgres://user:pass@host/db.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Secret,
    /// Connections in the pool.
    #[arg(long, env = "PUSHGATE_DATABASE_POOL_SIZE", default_value_t = 10)]
    pub database_pool_size: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "PUSHGATE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// HTTP worker threads (default: the number of CPU cores). The rate limits are shared by
    /// all of them.
    #[arg(long, env = "PUSHGATE_WORKERS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub database: DatabaseSettings,
    /// Base URL of the Prometheus Pushgateway; empty: no Pushgateway (remote write only).
    #[arg(long, env = "PUSHGATEWAY_URL", default_value = "http://127.0.0.1:9091")]
    pub pushgateway_url: String,
    #[command(flatten)]
    pub remote_write: RemoteWriteSettings,
    #[command(flatten)]
    pub query: QuerySettings,
    /// How often the aggregated state is pushed (at least 1s).
    #[arg(long, env = "PUSHGATE_FLUSH_INTERVAL", default_value = "5s", value_parser = parse_flush_interval)]
    pub flush_interval: Duration,
    /// How often the state is checkpointed to Postgres (default: every flush).
    #[arg(long, env = "PUSHGATE_CHECKPOINT_INTERVAL", value_parser = parse_duration)]
    pub checkpoint_interval: Option<Duration>,
    /// Instance name: the Pushgateway group and the checkpoint key (default: host name).
    #[arg(long, env = "PUSHGATE_INSTANCE")]
    pub instance: Option<String>,
    /// HS256 key for access tokens (default: random per start; sessions end on restart).
    #[arg(long, env = "PUSHGATE_JWT_SECRET")]
    pub jwt_secret: Option<Secret>,
    /// Public base URL written into generated code (default: http://{listen}).
    #[arg(long, env = "PUSHGATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Grafana URL linked from the dashboard.
    #[arg(long, env = "PUSHGATE_GRAFANA_URL")]
    pub grafana_url: Option<String>,
    /// bcrypt cost for passwords (4..=31).
    #[arg(long, env = "PUSHGATE_BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,
    /// Series not updated for this long leave the push.
    #[arg(long, env = "PUSHGATE_SERIES_TTL", default_value = "24h", value_parser = parse_duration)]
    pub series_ttl: Duration,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub rate_limits: RateLimits,
    /// Log format; the level comes from RUST_LOG.
    #[arg(long, env = "PUSHGATE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Ingestion limits (SPEC §5.2).
#[derive(Args, Debug, Clone)]
pub struct Limits {
    #[arg(long, env = "PUSHGATE_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    #[arg(long, env = "PUSHGATE_MAX_BATCH_ITEMS", default_value_t = 1000)]
    pub max_batch_items: usize,
    #[arg(long, env = "PUSHGATE_MAX_LABELS", default_value_t = 30)]
    pub max_labels: usize,
    #[arg(long, env = "PUSHGATE_MAX_NAME_LEN", default_value_t = 200)]
    pub max_name_len: usize,
    #[arg(long, env = "PUSHGATE_MAX_LABEL_VALUE_LEN", default_value_t = 2048)]
    pub max_label_value_len: usize,
    #[arg(long, env = "PUSHGATE_MAX_SERIES_PER_TENANT", default_value_t = 10_000)]
    pub max_series_per_tenant: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_batch_items: 1000,
            max_labels: 30,
            max_name_len: 200,
            max_label_value_len: 2048,
            max_series_per_tenant: 10_000,
        }
    }
}

/// Rate limits (SPEC §7); 0 turns a limit off.
#[derive(Args, Debug, Clone)]
pub struct RateLimits {
    /// Auth endpoints, requests per minute per client IP (burst equal to the rate).
    #[arg(long, env = "PUSHGATE_AUTH_RATE_PER_MIN", default_value_t = 5)]
    pub auth_rate_per_min: u32,
    /// Ingestion requests per second per API key (burst twice the rate).
    #[arg(long, env = "PUSHGATE_INGEST_RATE_PER_KEY", default_value_t = 2000)]
    pub ingest_rate_per_key: u32,
    /// Browser (key-only) ingestion requests per second per client IP (burst 5x the rate).
    #[arg(long, env = "PUSHGATE_BROWSER_RATE_PER_IP", default_value_t = 10)]
    pub browser_rate_per_ip: u32,
    /// Other API requests per minute per signed-in user.
    #[arg(long, env = "PUSHGATE_API_RATE_PER_USER", default_value_t = 600)]
    pub api_rate_per_user: u32,
    /// Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed; empty: none.
    #[arg(long, env = "PUSHGATE_TRUSTED_PROXIES", default_value = "", hide_default_value = true, value_parser = parse_trusted_proxies)]
    pub trusted_proxies: TrustedProxyList,
}

impl RateLimits {
    /// All limits off: for tests and benchmarks.
    pub fn off() -> Self {
        Self {
            auth_rate_per_min: 0,
            ingest_rate_per_key: 0,
            browser_rate_per_ip: 0,
            api_rate_per_user: 0,
            trusted_proxies: TrustedProxyList::default(),
        }
    }
}

impl Settings {
    /// Settings for an embedded server (tests, benchmarks): the defaults of the table, with
    /// the given database and Pushgateway, a random port, and fast password hashing.
    pub fn for_tests(database_url: &str, pushgateway_url: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: None,
            database: DatabaseSettings {
                database_url: Secret::new(database_url),
                database_pool_size: 4,
            },
            pushgateway_url: pushgateway_url.to_owned(),
            remote_write: RemoteWriteSettings::off(),
            query: QuerySettings::for_tests(),
            flush_interval: Duration::from_secs(1),
            checkpoint_interval: None,
            instance: Some("test".into()),
            jwt_secret: Some(Secret::new("test-secret-for-jwt-signing-0123456789")),
            public_url: None,
            grafana_url: None,
            bcrypt_cost: 4,
            series_ttl: Duration::from_secs(24 * 3600),
            limits: Limits::default(),
            rate_limits: RateLimits::off(),
            log_format: LogFormat::Text,
        }
    }

    pub fn checkpoint_every(&self) -> Duration {
        self.checkpoint_interval.unwrap_or(self.flush_interval)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (for rate limits and the logged client IP).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxyList(pub Vec<IpNet>);

/// `10.0.0.1, 192.168.0.0/16`: bare addresses and CIDRs, comma-separated. An empty value (as
/// deployment templates often leave it) means no trusted proxy.
fn parse_trusted_proxies(raw: &str) -> Result<TrustedProxyList, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "{s:?} is not an IP address or CIDR; write e.g. 10.0.0.1,192.168.0.0/16"
                    )
                })
        })
        .collect::<Result<_, _>>()
        .map(TrustedProxyList)
}

/// `500ms`, `1s`, `5m`, `24h`: a bad value is a clear start-up error.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|e| format!("{raw:?} is not a duration ({e}); write it like 500ms, 1s, 5m or 24h"))
}

fn parse_flush_interval(raw: &str) -> Result<Duration, String> {
    let d = parse_duration(raw)?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "{raw:?} is too short: the flush interval must be at least 1s"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86400));
        assert!(parse_duration("five").unwrap_err().contains("like 500ms"));
        assert!(
            parse_flush_interval("500ms")
                .unwrap_err()
                .contains("at least 1s")
        );
    }

    #[test]
    fn trusted_proxies_take_addresses_cidrs_and_empty() {
        assert!(parse_trusted_proxies("").unwrap().0.is_empty());
        assert!(parse_trusted_proxies(" , ").unwrap().0.is_empty());
        let list = parse_trusted_proxies("10.0.0.1, 192.168.0.0/16,::1")
            .unwrap()
            .0;
        assert_eq!(list.len(), 3);
        assert!(list[0].contains(&"10.0.0.1".parse::<IpAddr>().unwrap()));
        assert!(list[1].contains(&"192.168.7.8".parse::<IpAddr>().unwrap()));
        let err = parse_trusted_proxies("10.0.0.1,proxy.local").unwrap_err();
        assert!(err.contains("\"proxy.local\" is not an IP address or CIDR"));
    }

    #[test]
    fn cli_parses_with_defaults() {
        let cli =
            Cli::try_parse_from(["pushgate", "serve", "--database-url", "postgres://x/y"]).unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve expected")
        };
        assert_eq!(s.flush_interval, Duration::from_secs(5));
        assert_eq!(s.limits.max_batch_items, 1000);
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.query.prometheus_url, "http://127.0.0.1:9090");
        assert_eq!(s.query.query_max_range, Duration::from_secs(32 * 86400));
        assert!(s.rate_limits.trusted_proxies.0.is_empty());
        assert_eq!(s.workers, None, "one worker per core unless set");
        assert!(!format!("{s:?}").contains("postgres://x/y"));
        assert!(s.remote_write.remote_write_url.is_none());
        let cli = Cli::try_parse_from([
            "pushgate",
            "serve",
            "--database-url=postgres://x/y",
            "--remote-write-url=https://u:pw@mimir/api/v1/push",
            "--remote-write-headers=Authorization=Bearer t0ken",
        ])
        .unwrap();
        let printed = format!("{:?}", cli.command);
        assert!(
            !printed.contains("t0ken") && !printed.contains("u:pw"),
            "{printed}"
        );
    }

    #[test]
    fn workers_are_at_least_one() {
        let parse = |n: &str| {
            Cli::try_parse_from(["pushgate", "serve", "--database-url", "x", "--workers", n]).map(
                |cli| match cli.command {
                    Command::Serve(s) => s.workers,
                    Command::Migrate(_) => None,
                },
            )
        };
        assert_eq!(parse("3").unwrap(), Some(3));
        assert!(parse("0").is_err());
    }
}
