//! The real binary, stopped with SIGTERM or SIGKILL under load and started again.

use crate::helpers::pushgateway::{TestPushgateway, free_port};
use crate::helpers::{eventually, exposition, new_db};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    url: String,
}

fn start(db_url: &str, pgw_url: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_pushgate"))
        .arg("serve")
        .env("DATABASE_URL", db_url)
        .env("PUSHGATEWAY_URL", pgw_url)
        .env("PUSHGATE_LISTEN", format!("127.0.0.1:{port}"))
        .env("PUSHGATE_INSTANCE", "restart-test")
        .env("PUSHGATE_JWT_SECRET", "restart-test-secret")
        .env("PUSHGATE_FLUSH_INTERVAL", "1s")
        .env("PUSHGATE_BCRYPT_COST", "4")
        .env("PUSHGATE_AUTH_RATE_PER_MIN", "0")
        .env("PUSHGATE_INGEST_RATE_PER_KEY", "0")
        .env("PUSHGATE_API_RATE_PER_USER", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn wait_healthy(url: &str) {
    eventually(Duration::from_secs(30), "the server to answer", || async {
        reqwest::get(format!("{url}/api/v1/health"))
            .await
            .ok()
            .filter(|r| r.status() == 200)
            .map(|_| ())
    })
    .await;
}

fn signal(child: &Child, sig: &str) {
    Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
}

async fn push_n(url: &str, key: &str, secret: &str, n: usize) -> f64 {
    let client = reqwest::Client::new();
    for _ in 0..n {
        let r = client
            .post(format!("{url}/api/v1/metrics"))
            .header("X-API-Key", key)
            .header("X-API-Secret", secret)
            .body(
                json!({"metrics": [{"name": "jobs_total", "type": "counter", "value": 1}]})
                    .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    n as f64
}

async fn pgw_value(pgw: &TestPushgateway) -> Option<f64> {
    exposition::find(
        &pgw.metrics_text().await,
        "jobs_total",
        &[("job", "pushgate")],
    )
}

async fn signup(url: &str) -> (String, String) {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/signup"))
        .header("Content-Type", "application/json")
        .body(json!({"email": "restart@example.com", "password": "long enough"}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        r["api_key"]["api_key"].as_str().unwrap().to_owned(),
        r["api_key"]["api_secret"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn sigterm_makes_a_final_push_and_counters_continue_after_restart() {
    pushgate::startup::install_crypto_provider();
    let db = new_db().await;
    let pgw = TestPushgateway::start().await;
    let port = free_port();
    let mut server = start(&db.url, &pgw.url, port);
    wait_healthy(&server.url).await;
    let (key, secret) = signup(&server.url).await;
    let first = push_n(&server.url, &key, &secret, 200).await;

    let stopping = Instant::now();
    signal(&server.child, "-TERM");
    let status = tokio::task::spawn_blocking(move || server.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "exit within 10 s"
    );
    assert_eq!(
        pgw_value(&pgw).await,
        Some(first),
        "the final push carried every increment"
    );

    let server = start(&db.url, &pgw.url, port);
    wait_healthy(&server.url).await;
    let more = push_n(&server.url, &key, &secret, 50).await;
    eventually(
        Duration::from_secs(10),
        "the counter to continue",
        || async { (pgw_value(&pgw).await == Some(first + more)).then_some(()) },
    )
    .await;
    let mut child = server.child;
    let _ = child.kill();
}

#[tokio::test]
async fn sigkill_never_makes_a_counter_go_down() {
    pushgate::startup::install_crypto_provider();
    let db = new_db().await;
    let pgw = TestPushgateway::start().await;
    let port = free_port();
    let mut server = start(&db.url, &pgw.url, port);
    wait_healthy(&server.url).await;
    let (key, secret) = signup(&server.url).await;
    let sent = push_n(&server.url, &key, &secret, 300).await;
    let shown = eventually(Duration::from_secs(10), "a push", || async {
        pgw_value(&pgw).await.filter(|v| *v > 0.0)
    })
    .await;
    signal(&server.child, "-KILL");
    let _ = server.child.wait();
    let last_shown = pgw_value(&pgw).await.unwrap();
    assert!(last_shown >= shown);

    let server = start(&db.url, &pgw.url, port);
    wait_healthy(&server.url).await;
    // After the restart the pushed value is the restored checkpoint: never below what
    // Prometheus could have seen, and at most what was sent.
    let restored = eventually(
        Duration::from_secs(10),
        "the restarted instance to push",
        || async {
            let text = pgw.metrics_text().await;
            let pushed_at = exposition::find(&text, "push_time_seconds", &[("job", "pushgate")])?;
            (pushed_at > 0.0).then_some(())?;
            pgw_value(&pgw).await
        },
    )
    .await;
    assert!(
        restored >= last_shown,
        "restored {restored} < last shown {last_shown}"
    );
    assert!(restored <= sent);
    println!(
        "SIGKILL: sent {sent}, Pushgateway showed {last_shown}, restored {restored}, lost {}",
        sent - restored
    );
    let mut child = server.child;
    let _ = child.kill();
}
