//! A real `prometheus` per test (Debian's package), on a free port, with its config and data
//! in a temp folder removed on drop. It can scrape targets (a Pushgateway with
//! `honor_labels`, as `prometheus/prometheus.yml` does) and/or receive remote writes.
//!
//! ```ignore
//! let prom = TestPrometheus::builder().scrape("pushgateway", &pgw.url).start().await;
//! let prom = TestPrometheus::builder().remote_write_receiver().start().await;
//! let result = prom.query("up").await; // data.result
//! ```

#![allow(dead_code)] // a shared helper: the remote-write tests use the receiver, interval and log

use super::eventually;
use super::pushgateway::free_port;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct TestPrometheus {
    pub url: String,
    pub port: u16,
    child: Option<Child>,
    dir: std::path::PathBuf,
}

#[derive(Default)]
pub struct Builder {
    port: Option<u16>,
    interval: Option<Duration>,
    /// (job, base URL), scraped with honor_labels
    targets: Vec<(String, String)>,
    remote_write_receiver: bool,
}

impl Builder {
    /// Scrapes `base_url`'s `/metrics` as job `job`, keeping the pushed job/instance labels.
    pub fn scrape(mut self, job: &str, base_url: &str) -> Self {
        self.targets.push((job.to_owned(), base_url.to_owned()));
        self
    }

    /// The scrape and evaluation interval (default 1 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// On a port chosen beforehand (e.g. to give pushgate its URL before Prometheus starts).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Accepts `POST /api/v1/write` (`--web.enable-remote-write-receiver`).
    pub fn remote_write_receiver(mut self) -> Self {
        self.remote_write_receiver = true;
        self
    }

    fn config(&self) -> String {
        let secs = self
            .interval
            .unwrap_or(Duration::from_secs(1))
            .as_secs_f64();
        let mut yaml = format!(
            "global:\n  scrape_interval: {secs}s\n  evaluation_interval: {secs}s\n  scrape_timeout: {secs}s\nscrape_configs:\n"
        );
        if self.targets.is_empty() {
            yaml.push_str("  []\n");
        }
        for (job, url) in &self.targets {
            let host = url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned();
            yaml.push_str(&format!(
                "  - job_name: {job:?}\n    honor_labels: true\n    static_configs:\n      - targets: [{host:?}]\n"
            ));
        }
        yaml
    }

    pub async fn start(self) -> TestPrometheus {
        let port = self.port.unwrap_or_else(free_port);
        let dir =
            std::env::temp_dir().join(format!("pushgate-prom-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, self.config()).unwrap();
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn");
        if self.remote_write_receiver {
            cmd.arg("--web.enable-remote-write-receiver");
        }
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus must be installed (scripts/install-deps)");
        let prom = TestPrometheus {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: Some(child),
            dir,
        };
        let client = reqwest::Client::new();
        let ready = format!("{}/-/ready", prom.url);
        eventually(
            Duration::from_secs(60),
            "Prometheus to be ready",
            || async {
                let r = client.get(&ready).send().await.ok()?;
                r.status().is_success().then_some(())
            },
        )
        .await;
        prom
    }
}

impl TestPrometheus {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `GET {url}{path_and_query}` as JSON.
    pub async fn get(&self, path_and_query: &str) -> Value {
        reqwest::get(format!("{}{path_and_query}", self.url))
            .await
            .expect("Prometheus answers")
            .json()
            .await
            .expect("Prometheus answers JSON")
    }

    /// An instant query straight to Prometheus (no tenant scoping): `data.result`.
    pub async fn query(&self, promql: &str) -> Value {
        self.query_at(promql, None).await
    }

    pub async fn query_at(&self, promql: &str, time: Option<f64>) -> Value {
        let mut form = vec![("query", promql.to_owned())];
        if let Some(t) = time {
            form.push(("time", format!("{t:.3}")));
        }
        let body: Value = reqwest::Client::new()
            .post(format!("{}/api/v1/query", self.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded_pairs(&form))
            .send()
            .await
            .expect("Prometheus answers")
            .json()
            .await
            .expect("Prometheus answers JSON");
        assert_eq!(body["status"], "success", "{promql}: {body}");
        body["data"]["result"].clone()
    }

    /// The folder's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `a=1&b=2`, percent-encoded.
pub fn serde_urlencoded_pairs(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Drop for TestPrometheus {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
