#!/usr/bin/env python3
"""Stand-in for `pushgate serve` in tests/ops/dev_script_test.sh.

Listens on PUSHGATE_LISTEN, answers /api/v1/health, /api/v1/health/ready and
/metrics, and writes the settings it was started with to $FAKE_ENV_OUT (one
NAME=value a line) so the test can check what scripts/dev passes on.
FAKE_EXIT_AFTER=N makes it exit by itself after N seconds (a crash).
"""
import http.server
import os
import signal
import sys
import threading

if sys.argv[1:] != ["serve"]:
    sys.exit(f"fake pushgate: expected the single argument 'serve', got {sys.argv[1:]}")

out = os.environ.get("FAKE_ENV_OUT")
if out:
    with open(out, "w") as f:
        for k in sorted(os.environ):
            if k.startswith("PUSHGATE") or k in ("DATABASE_URL", "RUST_LOG"):
                f.write(f"{k}={os.environ[k]}\n")

host, port = os.environ["PUSHGATE_LISTEN"].rsplit(":", 1)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in ("/api/v1/health", "/api/v1/health/ready"):
            body, ctype = b'{"status":"ok"}', "application/json"
        elif self.path == "/metrics":
            body, ctype = b"# TYPE pushgate_active_series gauge\npushgate_active_series 0\n", "text/plain; version=0.0.4"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer((host, int(port)), Handler)


def stop(*_):
    print("fake pushgate: stopping", flush=True)
    threading.Thread(target=server.shutdown).start()


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
after = os.environ.get("FAKE_EXIT_AFTER")
if after:
    threading.Timer(float(after), lambda: os._exit(3)).start()
print(f"fake pushgate: listening on {host}:{port}", flush=True)
server.serve_forever()
