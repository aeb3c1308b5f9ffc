//! The test harness: a real server on a random port, with its own database and Pushgateway,
//! and typed helpers for the API. Requests go over the server's socket, or in process
//! (`in_process_app`) where a socket adds nothing.

pub mod binary;
mod client;
pub mod clients;
pub mod exposition;
pub mod load;
pub mod own_postgres;
pub mod postgres;
pub mod prometheus;
pub mod pushgateway;
pub mod remote_receiver;
mod session;
pub mod victoria;

pub use client::{Request, Response, Transport};
pub use session::Session;

use postgres::TestDb;
use pushgate::settings::Settings;
use pushgate::sinks::{Sink, Sinks};
use pushgate::startup::Application;
use pushgateway::TestPushgateway;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct TestApp {
    pub address: String,
    /// for what must go over the socket; `request()` goes in process when the app does
    pub client: reqwest::Client,
    pub pushgateway: TestPushgateway,
    pub db: TestDb,
    pub state: actix_web::web::Data<pushgate::state::AppState>,
    transport: Transport,
}

/// What a new account gets at signup.
pub struct Account {
    pub user_id: String,
    pub email: String,
    pub password: String,
    pub token: String,
    pub refresh_token: String,
    pub key: Key,
}

#[derive(Clone)]
pub struct Key {
    pub id: String,
    pub public: String,
    pub secret: String,
}

/// Polls `check` until it returns `Some`, or panics after `timeout` (no sleeps as synchronisation).
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn new_db() -> TestDb {
    tokio::task::spawn_blocking(TestDb::create).await.unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, None, false).await
}

/// A server whose only sink is `sink` (a stand-in for faults a real receiver cannot make).
pub async fn spawn_app_with_sink(sink: Arc<dyn Sink>) -> TestApp {
    spawn(|_| {}, Some(Arc::new([sink])), false).await
}

/// A server whose requests (`request()` and the typed helpers) are served in process, through
/// the same `App` its workers run; the forwarder and background tasks run as in production.
pub async fn in_process_app() -> TestApp {
    in_process_app_with(|_| {}).await
}

pub async fn in_process_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, None, true).await
}

async fn spawn(
    adjust: impl FnOnce(&mut Settings),
    sinks: Option<Sinks>,
    in_process: bool,
) -> TestApp {
    pushgate::startup::install_crypto_provider();
    let db = new_db().await;
    let pushgateway = TestPushgateway::start().await;
    let mut settings = Settings::for_tests(&db.url, &pushgateway.url);
    adjust(&mut settings);
    let app = match sinks {
        None => Application::build(settings).await,
        Some(sinks) => Application::build_with_sinks(settings, sinks).await,
    }
    .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let transport = match in_process {
        true => Transport::InProcess(client::in_process(&app).await),
        false => Transport::socket(&address),
    };
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        pushgateway,
        db,
        state,
        transport,
    }
}

impl TestApp {
    /// This server, reached with a new connection for each request (`request()` and the typed
    /// helpers), so that consecutive requests are spread over its workers.
    pub fn with_fresh_connections(mut self) -> Self {
        self.transport = Transport::fresh_connections(&self.address);
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Any request: add a token, headers or a body, then `send`.
    pub fn request(&self, method: &str, path: &str) -> Request<'_> {
        self.transport.request(method, path)
    }

    /// The account API as the holder of `token`.
    pub fn session(&self, token: &str) -> Session<'_> {
        Session::new(self, token)
    }

    /// `POST /auth/signup` with `body`.
    pub async fn signup_with(&self, body: &Value) -> Response {
        self.request("POST", "/api/v1/auth/signup")
            .json(body)
            .send()
            .await
    }

    pub async fn signin(&self, email: &str, password: &str) -> Response {
        self.request("POST", "/api/v1/auth/signin")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
    }

    /// `POST /auth/refresh` with the token in the body.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.request("POST", "/api/v1/auth/refresh")
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
    }

    pub async fn ready(&self) -> Response {
        self.request("GET", "/api/v1/health/ready").send().await
    }

    /// pushgate's own `/metrics` text.
    pub async fn own_metrics(&self) -> String {
        let r = self.request("GET", "/metrics").send().await;
        assert_eq!(r.status, 200);
        r.body.as_str().unwrap_or_default().to_owned()
    }

    /// A new account (with a unique e-mail) and everything sign-up returns.
    pub async fn signup(&self) -> Account {
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "correct horse battery".to_owned();
        let r = self
            .signup_with(&json!({"email": email, "password": password}))
            .await;
        assert_eq!(r.status, 201, "signup failed: {:?}", r.body);
        let text = |v: &Value| v.as_str().unwrap().to_owned();
        Account {
            user_id: text(&r.body["user"]["id"]),
            email,
            password,
            token: text(&r.body["access_token"]),
            refresh_token: text(&r.body["refresh_token"]),
            key: Key {
                id: text(&r.body["api_key"]["id"]),
                public: text(&r.body["api_key"]["api_key"]),
                secret: text(&r.body["api_key"]["api_secret"]),
            },
        }
    }

    pub async fn create_config(&self, account: &Account, body: Value) -> Response {
        self.session(&account.token).create_config(&body).await
    }

    /// A key + secret push of `body` (a whole batch object).
    pub async fn push(&self, key: &Key, body: Value) -> Response {
        self.push_raw(key, body.to_string()).await
    }

    pub async fn push_raw(&self, key: &Key, body: String) -> Response {
        self.push_raw_bytes(key, body.into_bytes()).await
    }

    /// A key + secret push of any bytes (hostile-input tests).
    pub async fn push_raw_bytes(&self, key: &Key, body: Vec<u8>) -> Response {
        self.request("POST", "/api/v1/metrics")
            .header("X-API-Key", &key.public)
            .header("X-API-Secret", &key.secret)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
    }

    /// Waits until the Pushgateway shows `name{tenant}` at `min` or more.
    pub async fn pushgateway_shows_at_least(&self, name: &str, tenant: &str, min: f64) {
        let what = format!("{name}{{tenant={tenant}}} >= {min} in the Pushgateway");
        eventually(Duration::from_secs(15), &what, || async {
            let text = self.pushgateway.metrics_text().await;
            exposition::find(&text, name, &[("tenant", tenant)]).filter(|v| *v >= min)
        })
        .await;
    }

    /// Waits until the Pushgateway shows `name{labels}` with `value`.
    pub async fn pushgateway_shows(&self, name: &str, labels: &[(&str, &str)], value: f64) {
        let what = format!("{name}{labels:?} = {value} in the Pushgateway");
        eventually(Duration::from_secs(15), &what, || async {
            let text = self.pushgateway.metrics_text().await;
            (exposition::find(&text, name, labels) == Some(value)).then_some(())
        })
        .await
    }
}
