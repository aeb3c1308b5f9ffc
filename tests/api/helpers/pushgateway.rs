//! A real `prometheus-pushgateway` per test, on a free port, persisting to a temp file.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestPushgateway {
    pub url: String,
    pub port: u16,
    child: Option<Child>,
    dir: std::path::PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestPushgateway {
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> Self {
        let dir =
            std::env::temp_dir().join(format!("pushgate-pgw-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut pgw = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            dir,
        };
        pgw.restart().await;
        pgw
    }

    /// Starts the process (again), on the same port and persistence file.
    pub async fn restart(&mut self) {
        self.stop();
        let child = Command::new("prometheus-pushgateway")
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .arg(format!(
                "--persistence.file={}",
                self.dir.join("data").display()
            ))
            .arg("--persistence.interval=1s")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-pushgateway must be installed (scripts/install-deps)");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = client.get(format!("{}/-/ready", self.url)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the Pushgateway did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Asserts that the Pushgateway never refused a push of pushgate's group (it records the
    /// time of the last refusal, 0 when there was none).
    pub async fn assert_never_refused_a_push(&self) {
        let text = self.metrics_text().await;
        assert_eq!(
            super::exposition::find(&text, "push_failure_time_seconds", &[("job", "pushgate")]),
            Some(0.0),
            "the Pushgateway never refused a push"
        );
    }

    /// The Pushgateway's own `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for TestPushgateway {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Pushgateway stand-in that accepts connections, counts them, reads the start of the
/// request and never answers (a hang a real Pushgateway cannot be made to produce).
pub async fn hanging() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
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
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    (url, hits)
}
