//! A stand-in Pushgateway that answers 500 or never answers: faults a real one cannot make.

use crate::helpers::{eventually, spawn_app_with};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Accepts connections, counts them, and answers 500 (or nothing at all when `hang`).
async fn faulty_pushgateway(hang: bool) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = socket.read(&mut buf).await;
                if hang {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                } else {
                    let _ = socket.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\nboom").await;
                }
            });
        }
    });
    (url, hits)
}

async fn ingestion_keeps_answering(hang: bool) {
    let (url, hits) = faulty_pushgateway(hang).await;
    let app = spawn_app_with(|s| s.pushgateway_url = url.clone()).await;
    let a = app.signup().await;
    for _ in 0..20 {
        let started = Instant::now();
        let r = app
            .push(
                &a.key,
                json!({"metrics": [{"name": "x_total", "type": "counter", "value": 1}]}),
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "ingestion does not wait for the Pushgateway"
        );
    }
    let wanted = if hang { 1 } else { 2 };
    eventually(
        Duration::from_secs(15),
        "the forwarder to try (and retry)",
        || async { (hits.load(Ordering::SeqCst) >= wanted).then_some(()) },
    )
    .await;
    let r = app.call("GET", "/api/v1/health/ready", None, None).await;
    assert_eq!(r.status, 503);
    if !hang {
        let text = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let failures =
            crate::helpers::exposition::find(&text, "pushgate_push_failures_total", &[]).unwrap();
        assert!(failures >= 1.0, "{failures}");
    }
}

#[tokio::test]
async fn pushgateway_answering_500_is_retried_while_ingestion_continues() {
    ingestion_keeps_answering(false).await;
}

#[tokio::test]
async fn hanging_pushgateway_does_not_block_ingestion() {
    ingestion_keeps_answering(true).await;
}
