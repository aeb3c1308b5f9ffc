//! A real single-node VictoriaMetrics per test (Debian's `victoria-metrics`), on a free port,
//! its data in a temp folder removed on drop; it can be killed and started again on the same
//! port and data. Queries go to its Prometheus API (`/api/v1/query`).

use super::eventually;
use super::pushgateway::free_port;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct TestVictoria {
    pub url: String,
    child: Option<Child>,
    port: u16,
    dir: std::path::PathBuf,
}

impl TestVictoria {
    pub async fn start() -> Self {
        pushgate::startup::install_crypto_provider();
        let dir =
            std::env::temp_dir().join(format!("pushgate-vm-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let mut vm = Self {
            url: format!("http://127.0.0.1:{port}"),
            child: None,
            port,
            dir,
        };
        vm.restart().await;
        vm
    }

    /// The remote-write endpoint.
    pub fn write_url(&self) -> String {
        format!("{}/api/v1/write", self.url)
    }

    /// Starts the process (again) on the same port and data.
    pub async fn restart(&mut self) {
        let child = Command::new("victoria-metrics")
            .arg(format!("-httpListenAddr=127.0.0.1:{}", self.port))
            .arg(format!(
                "-storageDataPath={}",
                self.dir.join("data").display()
            ))
            // answer with the newest samples at once (the default hides the last 30 s)
            .arg("-search.latencyOffset=0s")
            .arg("-search.disableCache")
            .arg("-loggerLevel=ERROR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("victoria-metrics must be installed (scripts/install-deps)");
        self.child = Some(child);
        let health = format!("{}/health", self.url);
        eventually(
            Duration::from_secs(30),
            "VictoriaMetrics to answer",
            || async {
                let r = reqwest::get(&health).await.ok()?;
                r.status().is_success().then_some(())
            },
        )
        .await;
    }

    /// SIGKILL: nothing flushed on the way out.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// An instant query: `data.result`.
    pub async fn query(&self, promql: &str) -> Value {
        let body: Value = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/query?{}",
                self.url,
                super::prometheus::serde_urlencoded_pairs(&[("query", promql.to_owned())])
            ))
            .send()
            .await
            .expect("VictoriaMetrics answers")
            .json()
            .await
            .expect("VictoriaMetrics answers JSON");
        assert_eq!(body["status"], "success", "{promql}: {body}");
        body["data"]["result"].clone()
    }
}

impl Drop for TestVictoria {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
