//! The real `pushgate` binary, for tests that must kill it, restart it or read its output:
//! one place for the settings such a server runs with (fast bcrypt, 1 s flushes, rate limits
//! off), so the tests only say what differs.

use super::postgres::TestDb;
use super::pushgateway::{TestPushgateway, free_port};
use super::{Key, eventually};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What the binary runs against: a database and a Pushgateway of its own, and a free port.
pub struct Stack {
    pub db: TestDb,
    pub pgw: TestPushgateway,
    pub port: u16,
}

impl Stack {
    pub async fn new() -> Self {
        pushgate::startup::install_crypto_provider();
        Self {
            db: super::new_db().await,
            pgw: TestPushgateway::start().await,
            port: free_port(),
        }
    }
}

/// `pushgate serve` on 127.0.0.1:`port`, output discarded (callers may redirect it or add env).
pub fn serve(db_url: &str, pgw_url: &str, port: u16, instance: &str, jwt_secret: &str) -> Command {
    serve_binary(
        env!("CARGO_BIN_EXE_pushgate"),
        db_url,
        pgw_url,
        port,
        instance,
        jwt_secret,
    )
}

/// The release binary, for tests whose state only it handles at full speed (a million series):
/// `scripts/test` builds it once (`cargo build --release`) and names it in
/// `PUSHGATE_RELEASE_BIN`; tests never build it themselves.
pub fn release_binary() -> String {
    std::env::var("PUSHGATE_RELEASE_BIN").expect(
        "PUSHGATE_RELEASE_BIN is not set: run scripts/test, or `cargo build --locked --release \
         --bin pushgate` and set PUSHGATE_RELEASE_BIN=target/release/pushgate (as an absolute path)",
    )
}

/// `serve`, with the binary at `bin`.
pub fn serve_binary(
    bin: &str,
    db_url: &str,
    pgw_url: &str,
    port: u16,
    instance: &str,
    jwt_secret: &str,
) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("DATABASE_URL", db_url)
        .env("PUSHGATEWAY_URL", pgw_url)
        .env("PUSHGATE_LISTEN", format!("127.0.0.1:{port}"))
        .env("PUSHGATE_INSTANCE", instance)
        .env("PUSHGATE_JWT_SECRET", jwt_secret)
        .env("PUSHGATE_FLUSH_INTERVAL", "1s")
        .env("PUSHGATE_BCRYPT_COST", "4")
        .env("PUSHGATE_AUTH_RATE_PER_MIN", "0")
        .env("PUSHGATE_INGEST_RATE_PER_KEY", "0")
        .env("PUSHGATE_API_RATE_PER_USER", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Polls `{base}/api/v1/health` until the server answers 200 (30 s deadline).
pub async fn wait_healthy(base: &str) {
    let client = reqwest::Client::new();
    eventually(Duration::from_secs(30), "the server to answer", || async {
        client
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .ok()
            .filter(|r| r.status() == 200)
            .map(|_| ())
    })
    .await;
}

/// Signs `email` up on a running binary at `base`: the new user's id and its first key.
pub async fn signup(base: &str, email: &str) -> (String, Key) {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({"email": email, "password": "long enough"}))
        .send()
        .await
        .expect("the sign-up is answered")
        .json()
        .await
        .expect("the sign-up answers JSON");
    let text = |v: &serde_json::Value| v.as_str().expect("a sign-up field").to_owned();
    let key = Key {
        id: text(&r["api_key"]["id"]),
        public: text(&r["api_key"]["api_key"]),
        secret: text(&r["api_key"]["api_secret"]),
    };
    (text(&r["user"]["id"]), key)
}

/// Pushes `jobs_total` +1 `n` times, one request each, every one acknowledged (200); `n`.
pub async fn push_jobs(base: &str, key: &Key, n: usize) -> f64 {
    let client = reqwest::Client::new();
    let body =
        serde_json::json!({"metrics": [{"name": "jobs_total", "type": "counter", "value": 1}]});
    for _ in 0..n {
        let r = client
            .post(format!("{base}/api/v1/metrics"))
            .header("X-API-Key", &key.public)
            .header("X-API-Secret", &key.secret)
            .json(&body)
            .send()
            .await
            .expect("the push is answered");
        assert_eq!(r.status(), 200);
    }
    n as f64
}
