//! Nothing is lost at SIGTERM: the real binary, stopped right after the work it must not lose
//! (a key's use, a million series held with a Pushgateway that does not answer).

use crate::helpers::binary::{self, release_binary, wait_healthy};
use crate::helpers::pushgateway::{self, TestPushgateway, free_port};
use crate::helpers::{eventually, new_db, postgres::TestDb};
use futures_util::StreamExt;
use pushgate::settings::{DatabaseSettings, Secret};
use serde_json::{Value, json};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

async fn push(client: &reqwest::Client, url: &str, key: &(String, String), body: String) -> Value {
    let r = client
        .post(format!("{url}/api/v1/metrics"))
        .header("X-API-Key", &key.0)
        .header("X-API-Secret", &key.1)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// SIGTERM, then waits for the exit: its status and how long it took.
async fn terminate(mut child: Child) -> (ExitStatus, Duration) {
    let sent = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    (status, sent.elapsed())
}

#[tokio::test]
async fn a_key_used_right_before_sigterm_has_its_last_use_recorded() {
    pushgate::startup::install_crypto_provider();
    let db = new_db().await;
    let pgw = TestPushgateway::start().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let child = binary::serve(&db.url, &pgw.url, port, "stop-test", "stop-test-secret")
        .spawn()
        .unwrap();
    wait_healthy(&url).await;
    let (_, key) = binary::signup(&url, "stop@example.com").await;
    let key = (key.public, key.secret);
    let used = "SELECT count(*) AS n FROM api_keys WHERE last_used_at IS NOT NULL";
    assert_eq!(db.query_i64(used), 0);
    let batch = json!({"metrics": [{"name": "jobs_total", "type": "counter", "value": 1}]});
    push(&reqwest::Client::new(), &url, &key, batch.to_string()).await;

    let (status, took) = terminate(child).await;
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(took < Duration::from_secs(10), "exit within 10 s: {took:?}");
    assert_eq!(
        db.query_i64(used),
        1,
        "last_used_at was written before the exit"
    );
}

const HELD: usize = 1_000_000;
const BATCH: usize = 1_000;

/// A million series, and a Pushgateway that never answers: the pushes under way and the final
/// one cannot finish, yet the final checkpoint lands (holding the very last increment), the
/// exit is clean and within 10 s, and the log says what was and was not pushed. The release
/// binary: a debug build takes longer than 10 s over a million series.
#[tokio::test]
async fn a_million_series_with_a_hanging_pushgateway_exit_within_10_s_checkpoint_saved() {
    pushgate::startup::install_crypto_provider();
    let bin = release_binary();
    let db = new_db().await;
    let (pgw_url, hits) = pushgateway::hanging().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let log_path = std::env::temp_dir().join(format!("pushgate-stop-{port}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let child = binary::serve_binary(&bin, &db.url, &pgw_url, port, "million", "stop-secret")
        .env("PUSHGATE_MAX_SERIES_PER_TENANT", (2 * HELD).to_string())
        .env(
            "RUST_LOG",
            "info,tracing_actix_web=warn,pushgate::forwarder=debug",
        )
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(log))
        .spawn()
        .unwrap();
    wait_healthy(&url).await;
    let (_, key) = binary::signup(&url, "stop@example.com").await;
    let key = (key.public, key.secret);

    let filling = Instant::now();
    let client = reqwest::Client::new();
    let batches = (0..HELD / BATCH).map(|b| {
        let items: Vec<String> = (0..BATCH)
            .map(|i| {
                format!(
                    r#"{{"name":"held_total","type":"counter","value":1,"labels":{{"n":"{}"}}}}"#,
                    b * BATCH + i
                )
            })
            .collect();
        format!(r#"{{"metrics":[{}]}}"#, items.join(","))
    });
    let pushes = futures_util::stream::iter(batches).map(|body| push(&client, &url, &key, body));
    let answers: Vec<Value> = pushes.buffer_unordered(2).collect().await;
    assert!(answers.iter().all(|a| a["accepted"] == BATCH));
    // the very last increment before the signal: only the final checkpoint can hold it
    let last = json!({"metrics": [{"name": "last_total", "type": "counter", "value": 1}]});
    push(&client, &url, &key, last.to_string()).await;
    eprintln!("{HELD} series held in {:?}", filling.elapsed());
    // the start-up probe is one connection; a flush's push is the next, and it hangs
    eventually(Duration::from_secs(10), "a push under way", || async {
        (hits.load(std::sync::atomic::Ordering::SeqCst) >= 2).then_some(())
    })
    .await;

    let (status, took) = terminate(child).await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    let last_lines: Vec<&str> = log.lines().rev().take(5).collect();
    eprintln!("exit {took:?} after SIGTERM; the log's last lines: {last_lines:#?}");
    assert!(status.success(), "clean exit: {status:?}");
    assert!(took < Duration::from_secs(10), "exit within 10 s: {took:?}");
    let series = HELD + 1;
    assert!(
        (log.contains(&format!("final checkpoint saved ({series} series)"))
            || log.contains(&format!(
                "final checkpoint already current ({series} series)"
            )))
            && log.contains("pushed to: none; not pushed: pushgateway"),
        "the log says what was and was not pushed: {last_lines:#?}"
    );
    assert_eq!(
        restored(&db).await,
        series,
        "the checkpoint holds every series"
    );
    let _ = std::fs::remove_file(&log_path);
}

/// The series the `million` instance's checkpoint restores.
async fn restored(db: &TestDb) -> usize {
    let pool = pushgate::db::build_pool(&DatabaseSettings {
        database_url: Secret::new(&db.url),
        database_pool_size: 1,
    })
    .unwrap();
    let aggregator = pushgate::aggregator::Aggregator::new(2 * HELD);
    pushgate::checkpoint::CheckpointStore::new(pool, "million".into())
        .restore(&aggregator)
        .await
        .unwrap()
}
