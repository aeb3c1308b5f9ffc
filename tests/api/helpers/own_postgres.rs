//! A PostgreSQL cluster of one test's own, started with `scripts/pg-throwaway`, so the test can
//! stop it and start it again (an outage) without touching the shared test cluster.

use std::path::PathBuf;
use std::process::Command;

pub struct OwnCluster {
    dir: String,
    port: u16,
    bin: PathBuf,
    /// the `postgres` database of this cluster
    pub url: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-throwaway")
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb and the server refuse
/// to run as root), as in `scripts/pg-throwaway`.
fn as_postgres(tool: PathBuf, args: &[&str]) -> bool {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut cmd = if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    };
    cmd.args(args).status().is_ok_and(|s| s.success())
}

impl OwnCluster {
    pub fn start() -> Self {
        let out = Command::new(script())
            .arg("start")
            .output()
            .expect("scripts/pg-throwaway runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .unwrap_or_else(|| panic!("{name} in the output of pg-throwaway: {text}"))
                .to_owned()
        };
        let url = var("PUSHGATE_TEST_ADMIN_URL");
        let port = url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .expect("a port in the URL");
        Self {
            dir: var("PUSHGATE_TEST_PGDATA"),
            port,
            bin: PathBuf::from(var("PUSHGATE_TEST_PG_BIN")),
            url,
        }
    }

    /// Stops the server (fast shutdown: clients are disconnected at once).
    pub fn stop(&self) {
        let data = format!("{}/data", self.dir);
        assert!(as_postgres(
            self.bin.join("pg_ctl"),
            &["-D", &data, "-m", "fast", "-w", "stop"]
        ));
    }

    /// Starts it again on the same port, with the options `pg-throwaway` uses.
    pub fn resume(&self) {
        let data = format!("{}/data", self.dir);
        let log = format!("{}/server.log", self.dir);
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
            self.port, self.dir
        );
        assert!(as_postgres(
            self.bin.join("pg_ctl"),
            &[
                "-D", &data, "-l", &log, "-w", "-t", "30", "start", "-o", &options
            ]
        ));
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).args(["stop", &self.dir]).status();
    }
}
