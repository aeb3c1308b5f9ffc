//! The real client libraries, run from the Python environment `scripts/python-clients` makes
//! (scripts/test runs it first): `prometheus_client` and the OpenTelemetry SDK, each driven
//! by a script in `tests/clients/` that reads one JSON command on stdin.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/python-clients/bin/python");
    assert!(
        python.exists(),
        "the client libraries are missing: run scripts/python-clients (scripts/test does)"
    );
    python
}

/// Runs `tests/clients/<script>` with `command`; its stderr when it fails.
pub async fn run(script: &str, command: Value) -> Result<(), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let python = python();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(python)
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child
            .stdin
            .take()
            .ok_or("no stdin")?
            .write_all(command.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    })
    .await
    .map_err(|e| e.to_string())?
}
