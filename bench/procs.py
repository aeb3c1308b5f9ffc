"""Starting and stopping the real components of a bench run, and small HTTP helpers.

Everything listens on 127.0.0.1 on a free port; every process is stopped by its own pid when
the run ends (also on Ctrl-C or an error)."""

import http.client
import json
import os
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(what, check, timeout=60.0, every=0.05):
    """Polls `check` until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


class Http:
    """One keep-alive connection to 127.0.0.1:port."""

    def __init__(self, port, timeout=120):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, payload, headers=None):
        h = {"Content-Type": "application/json", **(headers or {})}
        status, body = self.request(method, path, json.dumps(payload).encode(), h)
        return status, (json.loads(body) if body else None)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Procs:
    """The processes of one run; `stop_all` ends each by its pid."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.children = []
        self.pg_dir = None

    def spawn(self, name, argv, env=None):
        log = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        self.children.append((name, p))
        return p

    def stop(self, proc, timeout=15):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.children = [(n, p) for n, p in self.children if p is not proc]

    def postgres(self):
        out = subprocess.run([os.path.join(ROOT, "scripts/pg-throwaway"), "start"],
                             check=True, capture_output=True, text=True).stdout
        env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
        self.pg_dir = env["PUSHGATE_TEST_PGDATA"]
        return env["PUSHGATE_TEST_ADMIN_URL"]

    def pushgateway(self, name):
        port = free_port()
        p = self.spawn(name, ["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}",
                              f"--persistence.file={self.workdir}/{name}.store"])
        wait_until(f"{name} to answer", lambda: Http(port, 2).request("GET", "/-/ready")[0] == 200)
        return p, port

    def victoria(self, name):
        """Single-node VictoriaMetrics (Debian's victoria-metrics); returns (proc, port)."""
        port = free_port()
        p = self.spawn(name, ["victoria-metrics", f"-httpListenAddr=127.0.0.1:{port}",
                              f"-storageDataPath={self.workdir}/{name}-data", "-search.latencyOffset=0s",
                              # the bench's count() over 1M series (2.3M sample series) is past the
                              # default limit of 300k series per query and its 30 s
                              "-search.maxUniqueTimeseries=5000000", "-search.maxQueryDuration=120s",
                              "-loggerLevel=ERROR"])
        wait_until(f"{name} to answer", lambda: Http(port, 2).request("GET", "/health")[0] == 200)
        return p, port

    def prometheus_receiver(self, name):
        """Prometheus with its remote-write receiver and nothing to scrape; returns (proc, port)."""
        port = free_port()
        config = os.path.join(self.workdir, f"{name}.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        p = self.spawn(name, ["prometheus", f"--config.file={config}",
                              f"--storage.tsdb.path={self.workdir}/{name}-data",
                              f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
                              "--log.level=warn"])
        wait_until(f"{name} to answer", lambda: Http(port, 2).request("GET", "/-/ready")[0] == 200)
        return p, port

    def gravel(self, name, binary, auth_file=None):
        port = free_port()
        argv = [binary, "-l", f"127.0.0.1:{port}"]
        if auth_file:
            argv += ["--basic-auth-file", auth_file]
        p = self.spawn(name, argv)
        wait_until(f"{name} to answer", lambda: Http(port, 2).request("GET", "/metrics")[0] in (200, 403))
        return p, port

    def pushgate(self, name, binary, database_url, pushgateway_port, instance, extra_env=None):
        """pushgate serve; `pushgateway_port` None turns the Pushgateway sink off (remote write
        only, set in `extra_env`)."""
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PUSHGATEWAY_URL": f"http://127.0.0.1:{pushgateway_port}" if pushgateway_port else "",
            "PUSHGATE_LISTEN": f"127.0.0.1:{port}",
            "PUSHGATE_INSTANCE": instance,
            "PUSHGATE_JWT_SECRET": "bench-" + "x" * 40,
            "PUSHGATE_BCRYPT_COST": "4",
            "PUSHGATE_AUTH_RATE_PER_MIN": "0",
            "PUSHGATE_INGEST_RATE_PER_KEY": "0",
            "PUSHGATE_BROWSER_RATE_PER_IP": "0",
            "PUSHGATE_API_RATE_PER_USER": "0",
            "RUST_LOG": "warn,pushgate::forwarder=debug",
            "PUSHGATE_LOG_FORMAT": "json",  # the bench reads the forwarder's "flush done" lines
            **(extra_env or {}),
        }
        p = self.spawn(name, [binary, "serve"], env)
        wait_until(f"{name} to answer", lambda: Http(port, 2).request("GET", "/api/v1/health")[0] == 200)
        return p, port

    def stop_all(self):
        for _, p in reversed(list(self.children)):
            self.stop(p)
        if self.pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts/pg-throwaway"), "stop", self.pg_dir], check=False)
            self.pg_dir = None
