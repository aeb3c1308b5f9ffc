//! No secret in a response or a log line: the real binary at `RUST_LOG=trace`, its output
//! captured, through signup, sign-in, refresh, keys, pushes and account deletion.

use crate::helpers::binary::{self, Stack};
use diesel::{QueryableByName, RunQueryDsl, sql_types::Text};
use serde_json::{Value, json};

const JWT_SECRET: &str = "log-test-jwt-secret-9f8e7d6c5b4a";
const DB_PASSWORD: &str = "db-password-never-logged";

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = Text)]
    password_hash: String,
}

fn password_hashes(url: &str) -> Vec<String> {
    use diesel::Connection;
    type Conn = diesel_async::async_connection_wrapper::AsyncConnectionWrapper<
        diesel_async::AsyncPgConnection,
    >;
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut conn = Conn::establish(&url).expect("connect");
        diesel::sql_query("SELECT password_hash FROM users")
            .load::<Hash>(&mut conn)
            .expect("the hashes")
            .into_iter()
            .map(|h| h.password_hash)
            .collect()
    })
    .join()
    .expect("the query thread")
}

struct Seen {
    texts: Vec<String>,
}

impl Seen {
    /// Sends a request and keeps everything the server answered (status, headers, body).
    async fn call(&mut self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let r = req.send().await.expect("an answer");
        let status = r.status().as_u16();
        let headers = format!("{:?}", r.headers());
        let text = r.text().await.unwrap_or_default();
        self.texts.push(format!("{headers}\n{text}"));
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn str_at(v: &Value, path: &[&str]) -> String {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn no_secret_or_hash_in_any_response_or_trace_log_line() {
    let Stack { db, pgw, port } = Stack::new().await;
    let log_path = std::env::temp_dir().join(format!("pushgate-log-{}.txt", uuid::Uuid::new_v4()));
    let log = std::fs::File::create(&log_path).expect("a log file");
    let db_url = db
        .url
        .replacen("postgres@", &format!("postgres:{DB_PASSWORD}@"), 1);
    let mut child = binary::serve(&db_url, &pgw.url, port, "log-test", JWT_SECRET)
        .env("RUST_LOG", "trace")
        .stdout(log.try_clone().expect("the log file"))
        .stderr(log)
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    binary::wait_healthy(&format!("http://127.0.0.1:{port}")).await;

    let mut seen = Seen { texts: Vec::new() };
    let email = "logs@example.com";
    let password = "a password that must never be logged";
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .header("Content-Type", "application/json")
            .body(body.to_string())
    };
    let (_, signup) = seen
        .call(post(
            "/auth/signup",
            json!({"email": email, "password": password}),
        ))
        .await;
    let (_, signin) = seen
        .call(post(
            "/auth/signin",
            json!({"email": email, "password": password}),
        ))
        .await;
    let token = str_at(&signin, &["access_token"]);
    let (_, refreshed) = seen
        .call(post(
            "/auth/refresh",
            json!({"refresh_token": str_at(&signin, &["refresh_token"])}),
        ))
        .await;
    let (_, created) = seen
        .call(post("/apikeys", json!({"key_name": "second"})).bearer_auth(&token))
        .await;
    let key = str_at(&created, &["api_key"]);
    let secret = str_at(&created, &["api_secret"]);
    assert!(secret.starts_with("sk_"), "{created}");
    let batch = json!({"metrics": [{"name": "logs_total", "type": "counter", "value": 1}]});
    for s in [secret.as_str(), "sk_wrong_secret_attempt"] {
        seen.call(
            client
                .post(format!("{base}/metrics"))
                .header("X-API-Key", &key)
                .header("X-API-Secret", s)
                .body(batch.to_string()),
        )
        .await;
    }
    seen.call(post(
        "/auth/signin",
        json!({"email": email, "password": "wrong password here"}),
    ))
    .await;
    let id = str_at(&created, &["id"]);
    let patch = client
        .patch(format!("{base}/apikeys/{id}"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(json!({"key_name": "renamed"}).to_string());
    seen.call(patch).await;
    for path in ["/apikeys", "/auth/me", "/metric-configs", "/live"] {
        seen.call(client.get(format!("{base}{path}")).bearer_auth(&token))
            .await;
    }
    seen.call(
        post(
            "/code-generation",
            json!({"api_key_id": id, "auto_track": true, "custom_events": true}),
        )
        .bearer_auth(&token),
    )
    .await;
    seen.call(client.get(format!("{base}/tracker.js?k={key}&a=1&c=1")))
        .await;
    let hashes = password_hashes(&db.url);
    assert_eq!(hashes.len(), 1);
    let delete = client
        .delete(format!("{base}/auth/me"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(json!({"password": password}).to_string());
    seen.call(delete).await;
    let _ = child.kill();
    let _ = child.wait();
    let logs = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    // the capture works: trace lines from the server, the HTTP layer and the database driver
    for expected in ["account created", "API key created", "TRACE", "DEBUG"] {
        assert!(
            logs.contains(expected),
            "{expected:?} is in the captured log"
        );
    }
    println!("captured {} log lines at trace level", logs.lines().count());

    let default_secret = str_at(&signup, &["api_key", "api_secret"]);
    let secrets = [
        ("the password", password.to_owned()),
        ("the JWT secret", JWT_SECRET.to_owned()),
        ("the database password", DB_PASSWORD.to_owned()),
        ("the password hash", hashes[0].clone()),
        ("the default key's secret", default_secret.clone()),
        ("the second key's secret", secret.clone()),
        ("a wrong secret", "sk_wrong_secret_attempt".to_owned()),
        ("a refresh token", str_at(&signin, &["refresh_token"])),
        (
            "a rotated refresh token",
            str_at(&refreshed, &["refresh_token"]),
        ),
        ("an access token", token.clone()),
    ];
    for (what, value) in &secrets {
        assert!(value.len() >= 8, "{what} is known");
        // as text, and as the byte list a driver's Debug output would print
        let bytes: Vec<String> = value.bytes().map(|b| b.to_string()).collect();
        for form in [value.clone(), bytes.join(", ")] {
            if let Some(line) = logs.lines().find(|l| l.contains(form.as_str())) {
                panic!("{what} is in a log line: {line:.400}");
            }
        }
    }
    // responses: never a hash, a password or the JWT secret; a key's secret only at creation
    for (i, text) in seen.texts.iter().enumerate() {
        for (what, value) in &secrets[..4] {
            assert!(
                !text.contains(value.as_str()),
                "{what} in response {i}: {text:.400}"
            );
        }
        let creation = i == 0 || i == 3;
        for s in [&default_secret, &secret] {
            assert!(
                creation || !text.contains(s.as_str()),
                "a key secret in response {i}: {text:.400}"
            );
        }
    }
}
