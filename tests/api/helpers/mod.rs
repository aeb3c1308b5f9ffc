//! The test harness: a real server on a random port, with its own database and Pushgateway,
//! and typed helpers for the API.

pub mod binary;
pub mod exposition;
pub mod load;
pub mod own_postgres;
pub mod postgres;
pub mod prometheus;
pub mod pushgateway;

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
    pub client: reqwest::Client,
    pub pushgateway: TestPushgateway,
    pub db: TestDb,
    pub state: actix_web::web::Data<pushgate::state::AppState>,
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

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
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
    spawn(adjust, None).await
}

/// A server whose only sink is `sink` (a stand-in for faults a real receiver cannot make).
pub async fn spawn_app_with_sink(sink: Arc<dyn Sink>) -> TestApp {
    spawn(|_| {}, Some(Arc::new([sink]))).await
}

async fn spawn(adjust: impl FnOnce(&mut Settings), sinks: Option<Sinks>) -> TestApp {
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
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        pushgateway,
        db,
        state,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request with an optional JSON body and bearer token.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        Self::read(req.send().await.expect("request sent")).await
    }

    pub async fn read(resp: reqwest::Response) -> Response {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn signup(&self) -> Account {
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "correct horse battery".to_owned();
        let r = self
            .call(
                "POST",
                "/api/v1/auth/signup",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(r.status, 201, "signup failed: {:?}", r.body);
        Account {
            user_id: r.body["user"]["id"].as_str().unwrap().to_owned(),
            email,
            password,
            token: r.body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: r.body["refresh_token"].as_str().unwrap().to_owned(),
            key: Key {
                id: r.body["api_key"]["id"].as_str().unwrap().to_owned(),
                public: r.body["api_key"]["api_key"].as_str().unwrap().to_owned(),
                secret: r.body["api_key"]["api_secret"].as_str().unwrap().to_owned(),
            },
        }
    }

    pub async fn create_config(&self, account: &Account, body: Value) -> Response {
        self.call(
            "POST",
            "/api/v1/metric-configs",
            Some(&account.token),
            Some(body),
        )
        .await
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
        let resp = self
            .client
            .post(self.url("/api/v1/metrics"))
            .header("X-API-Key", &key.public)
            .header("X-API-Secret", &key.secret)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("push sent");
        Self::read(resp).await
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
