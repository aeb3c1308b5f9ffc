#!/usr/bin/env bash
# Tests scripts/dev for real: Postgres, Pushgateway and Prometheus from the
# system's packages and the real pushgate binary (PUSHGATE_BIN, default
# target/debug/pushgate; tests/ops/run.sh builds it), on free ports and a
# throwaway data folder.
#
# Checks: it prints the addresses; a curl sign-up and push become a point in
# Prometheus; a second scripts/dev on the same folder, or on busy ports, is
# refused with a clear message; SIGINT (Ctrl-C) stops every process it
# started; a second run reuses the data (the user signs in, the old session
# token still works, the counter total survives, the Pushgateway kept its
# data); SIGTERM stops it too; services left by a kill -9'd run are stopped by
# the next run; a crashing pushgate takes the stack down with exit status 1;
# as root, the data folder is one the postgres user can reach.
#
# Needs: postgresql, prometheus, prometheus-pushgateway (scripts/dev
# --no-install is used, so nothing is installed here), curl, python3.
# Last line: "N passed, M failed".

set -uo pipefail
set -m # background jobs get their own process group, so SIGINT reaches them

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEV="$ROOT/scripts/dev"
# shellcheck disable=SC2012 # fixed, plain names
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
export PUSHGATE_BIN="${PUSHGATE_BIN:-$ROOT/target/debug/pushgate}"

passed=0
failed=0
check() { # NAME COMMAND...
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1)); echo "ok - $name"
  else
    failed=$((failed + 1)); echo "not ok - $name"
  fi
}

for need in "$PGBIN/initdb" "$(command -v prometheus)" "$(command -v prometheus-pushgateway)" "$PUSHGATE_BIN"; do
  if [[ ! -x "$need" ]]; then
    echo "not ok - missing ${need:-a binary}: apt-get install postgresql prometheus prometheus-pushgateway; cargo build --locked --bin pushgate"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

WORK="$(mktemp -d /tmp/pushgate-devtest.XXXXXX)"
chmod 755 "$WORK"
export PUSHGATE_STACK_DIR="$WORK/stack"
DEV_PID=""
FALLBACK=""
cleanup() {
  if [[ -n "$DEV_PID" ]] && kill -0 "$DEV_PID" 2>/dev/null; then
    kill -TERM "$DEV_PID" 2>/dev/null
    wait "$DEV_PID" 2>/dev/null
  fi
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
  [[ -z "$FALLBACK" ]] || rm -rf "$FALLBACK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export PG_PORT PUSHGATEWAY_PORT PROMETHEUS_PORT PUSHGATE_PORT
PG_PORT=$(free_port)
PUSHGATEWAY_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
PUSHGATE_PORT=$(free_port)
# Fast enough for a test: 1 s scrapes and flushes, cheap bcrypt. The rate
# limits stay at their defaults (this test signs up and in only twice).
export PROMETHEUS_SCRAPE_INTERVAL=1s PUSHGATE_FLUSH_INTERVAL=1s PUSHGATE_BCRYPT_COST=4 PUSHGATE_INSTANCE=devtest
BASE="http://127.0.0.1:$PUSHGATE_PORT/api/v1"
PROM="http://127.0.0.1:$PROMETHEUS_PORT"

# start_dev LOG: scripts/dev in the background; waits (120 s at most) until it says it is up
start_dev() {
  local log=$1 i
  : >"$log" # before the background job opens it, which may come after the first grep
  "$DEV" --no-install "${@:2}" >"$log" 2>&1 &
  DEV_PID=$!
  for ((i = 0; i < 600; i++)); do
    grep -q "stack is up" "$log" && return 0
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "--- $log"; cat "$log"
  return 1
}
# stop_dev SIGNAL: returns scripts/dev's exit status; 60 s at most, then kill -9 (status 137).
# SIGINT goes to the whole process group, as a terminal's Ctrl-C does (set -m gave the job its own).
stop_dev() {
  local i
  if [[ $1 == INT ]]; then kill -INT -- -"$DEV_PID"; else kill -"$1" "$DEV_PID"; fi
  for ((i = 0; i < 600; i++)); do gone "$DEV_PID" && break; sleep 0.1; done
  gone "$DEV_PID" || { echo "# scripts/dev ignored SIG$1 for 60 s"; kill -KILL "$DEV_PID"; }
  wait "$DEV_PID"
  local rc=$?
  DEV_PID=""
  return $rc
}
eventually() { # COMMAND...: true within 30 s
  local i
  for ((i = 0; i < 150; i++)); do "$@" && return 0; sleep 0.2; done
  return 1
}
answers() { curl -fsS -o /dev/null --max-time 3 "$1"; }
serves() { grep -q "$2" <<<"$(curl -fsS --max-time 3 "$1")"; } # URL REGEX: the body has a matching line
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
all_ports_free() { port_free "$PG_PORT" && port_free "$PUSHGATEWAY_PORT" && port_free "$PROMETHEUS_PORT" && port_free "$PUSHGATE_PORT"; }
# the pids of everything scripts/dev started: its pid files and the postmaster
started_pids() { cat "$PUSHGATE_STACK_DIR"/pids/*.pid 2>/dev/null; head -n 1 "$PUSHGATE_STACK_DIR/postgres/postmaster.pid" 2>/dev/null; }
gone() { local s; s="$(ps -o stat= -p "$1" 2>/dev/null)"; [[ -z "$s" || "$s" == Z* ]]; } # exited (or a zombie)
none_alive() { local p; for p in "$@"; do gone "$p" || return 1; done; }
# shellcheck disable=SC2009 # matching on the arguments, which pgrep -f would too
no_process_left() { ! ps -eo args | grep -F "$PUSHGATE_STACK_DIR" | grep -v grep >/dev/null; }
json() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$1"; }
# prom_value EXPR: the value of the single series EXPR selects, with its job/instance
prom_value() {
  curl -fsS --max-time 3 "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c 'import json,sys
out = []
for s in json.load(sys.stdin)["data"]["result"]:
    m = s["metric"]
    out.append("%s/%s=%s" % (m.get("job", ""), m.get("instance", ""), s["value"][1]))
print(" ".join(out))'
}
prom_is() { [[ "$(prom_value "$1")" == "$2" ]]; }
push() { # VALUE: the README's curl push of a counter, with key + secret
  curl -fsS --max-time 5 -X POST "$BASE/metrics" -H "X-API-Key: $KEY" -H "X-API-Secret: $SECRET" \
    -d "{\"metrics\":[{\"name\":\"devtest_orders_total\",\"type\":\"counter\",\"value\":$1}]}"
}

# ------------------------------------------------ refused before starting
PROMETHEUS_BIN=/nonexistent/prometheus "$DEV" --no-install >"$WORK/missing.log" 2>&1
rc=$?
check "a missing package is named, with the apt-get line (exit 1)" bash -c \
  "[[ $rc == 1 ]] && grep -q 'missing: prometheus (apt-get install prometheus)' '$WORK/missing.log'"
PROMETHEUS_SCRAPE_INTERVAL=fast "$DEV" --no-install >"$WORK/interval.log" 2>&1
rc=$?
check "a bad PROMETHEUS_SCRAPE_INTERVAL is refused (exit 1)" bash -c \
  "[[ $rc == 1 ]] && grep -q 'PROMETHEUS_SCRAPE_INTERVAL=fast: write it as seconds or minutes' '$WORK/interval.log'"
check "... before anything started" test ! -e "$PUSHGATE_STACK_DIR"

# ------------------------------------------------------------------ run 1
check "first run starts" start_dev "$WORK/run1.log"
check "it ran initdb" grep -q "initdb" "$WORK/run1.log"
check "prints the dashboard address" grep -qF "dashboard     http://127.0.0.1:$PUSHGATE_PORT/" "$WORK/run1.log"
check "prints the Pushgateway address" grep -qF "Pushgateway   http://127.0.0.1:$PUSHGATEWAY_PORT/" "$WORK/run1.log"
check "prints the Prometheus address" grep -qF "Prometheus    http://127.0.0.1:$PROMETHEUS_PORT/" "$WORK/run1.log"
check "pushgate is ready (Postgres and Pushgateway answer it)" answers "$BASE/health/ready"
check "Prometheus scrapes both rewritten targets" eventually prom_is 'count(up{job=~"pushgateway|pushgate-server"} == 1)' '/=2'
check "Prometheus loaded the rules" serves "$PROM/api/v1/rules" 'PushgateDown'
check "Prometheus got the 1 s scrape interval" grep -q "scrape_interval: 1s" "$PUSHGATE_STACK_DIR/prometheus.yml"

EMAIL="dev@example.com" PASSWORD="correct horse battery"
SIGNUP="$(curl -fsS -X POST "$BASE/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")"
check "curl sign-up works" test -n "$SIGNUP"
KEY="$(json api_key.api_key <<<"$SIGNUP" 2>/dev/null)"
SECRET="$(json api_key.api_secret <<<"$SIGNUP" 2>/dev/null)"
TOKEN="$(json access_token <<<"$SIGNUP" 2>/dev/null)"
TENANT="$(json user.id <<<"$SIGNUP" 2>/dev/null)"
PUSHED="$(push 3)"
check "curl push with key + secret is accepted" test "$(json accepted <<<"$PUSHED" 2>/dev/null)" = 1
# the README's claim: a curl push becomes a point on a Prometheus graph
check "the push is a point in Prometheus (job pushgate, instance devtest)" \
  eventually prom_is "devtest_orders_total{tenant=\"$TENANT\"}" "pushgate/devtest=3"
# the read path: the same number through pushgate's tenant-scoped Prometheus API
reads_back() {
  curl -fsS --max-time 5 -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PUSHGATE_PORT/prometheus/api/v1/query?query=devtest_orders_total" | grep -q '"3"\]'
}
check "the dev stack reads it back through /prometheus (PUSHGATE_PROMETHEUS_URL)" reads_back
printf 'dev_test_marker 42\n' | curl -fsS --data-binary @- "http://127.0.0.1:$PUSHGATEWAY_PORT/metrics/job/devtest" >/dev/null

"$DEV" --no-install >"$WORK/same.log" 2>&1
rc=$?
check "a second run on the same data folder exits 1" test "$rc" = 1
check "... saying another scripts/dev is running" grep -q "another scripts/dev is running" "$WORK/same.log"
PUSHGATE_STACK_DIR="$WORK/other" "$DEV" --no-install >"$WORK/busy.log" 2>&1
rc=$?
check "a run on busy ports exits 1" test "$rc" = 1
check "... naming each busy port and who holds it" bash -c \
  "grep -q 'port $PG_PORT (PG_PORT) is already in use by postgres (pid [0-9]*); stop that program or choose another port' '$WORK/busy.log' &&
   grep -q 'port $PUSHGATE_PORT (PUSHGATE_PORT) is already in use by pushgate (pid [0-9]*)' '$WORK/busy.log' &&
   grep -q 'port $PUSHGATEWAY_PORT (PUSHGATEWAY_PORT) is already in use' '$WORK/busy.log' &&
   grep -q 'port $PROMETHEUS_PORT (PROMETHEUS_PORT) is already in use' '$WORK/busy.log'"
check "... starting nothing" test ! -e "$WORK/other/postgres"
check "... and leaving the first one running" answers "$BASE/health/ready"

mapfile -t PIDS1 < <(started_pids)
check "scripts/dev recorded 4 processes (Pushgateway, Prometheus, pushgate, postmaster)" test "${#PIDS1[@]}" = 4
stop_dev INT
rc=$?
check "SIGINT (Ctrl-C) ends scripts/dev (status 130)" test "$rc" = 130
check "SIGINT stopped every process it started" none_alive "${PIDS1[@]}"
check "SIGINT freed every port" all_ports_free
check "no process of the stack is left" no_process_left
check "pushgate was stopped before Postgres" bash -c "grep -n 'stopping pushgate\|stopping Postgres' '$WORK/run1.log' | head -n 1 | grep -q pushgate"

# ------------------------------------------------------------------ run 2
check "second run starts" start_dev "$WORK/run2.log"
check "it reused the cluster (no initdb)" bash -c "! grep -q 'initdb' '$WORK/run2.log' && grep -q 'reusing' '$WORK/run2.log'"
check "the user of run 1 signs in" bash -c "curl -fsS -o /dev/null -X POST '$BASE/auth/signin' -H 'Content-Type: application/json' \
  -d '{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}'"
check "run 1's session token still works (same JWT secret)" bash -c "curl -fsS -o /dev/null -H 'Authorization: Bearer $TOKEN' '$BASE/auth/me'"
check "the counter total survived the restart" eventually prom_is "devtest_orders_total{tenant=\"$TENANT\"}" "pushgate/devtest=3"
push 2 >/dev/null
check "... and keeps adding up (3 + 2)" eventually prom_is "devtest_orders_total{tenant=\"$TENANT\"}" "pushgate/devtest=5"
check "the Pushgateway kept its data" serves "http://127.0.0.1:$PUSHGATEWAY_PORT/metrics" '^dev_test_marker{.*} 42'
stop_dev TERM
rc=$?
check "SIGTERM ends scripts/dev (status 143)" test "$rc" = 143
check "SIGTERM stopped everything" all_ports_free

# ------------------------------------------- leftovers of a kill -9'd run
check "third run starts" start_dev "$WORK/run3.log"
disown "$DEV_PID" # no "Killed" job notice
kill -KILL "$DEV_PID"
for _ in $(seq 50); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.1; done
DEV_PID=""
check "after kill -9 the services are still there" answers "$PROM/-/ready"
check "a new run starts anyway" start_dev "$WORK/run4.log"
check "... after stopping the leftovers" bash -c "grep -q 'stopping the Postgres an earlier run left' '$WORK/run4.log' &&
  grep -q 'stopping prometheus (pid [0-9]*) left by an earlier run' '$WORK/run4.log' &&
  grep -q 'stopping pushgate (pid [0-9]*) left by an earlier run' '$WORK/run4.log'"
check "... and the counter is still 5" eventually prom_is "devtest_orders_total{tenant=\"$TENANT\"}" "pushgate/devtest=5"

# ------------------------------------------------------- a crashing server
mapfile -t PIDS4 < <(started_pids)
kill -KILL "$(cat "$PUSHGATE_STACK_DIR/pids/pushgate.pid")"
wait "$DEV_PID"
rc=$?
DEV_PID=""
check "a crashing pushgate ends scripts/dev with status 1" test "$rc" = 1
check "... saying so" grep -q "pushgate exited" "$WORK/run4.log"
check "... and stops the rest" none_alive "${PIDS4[@]}"
check "... freeing every port" all_ports_free

# ------------------------------------------- as root: a folder postgres reaches
if ((EUID == 0)); then
  mkdir -m 700 "$WORK/private"
  PUSHGATE_STACK_DIR="$WORK/private/stack" "$DEV" --no-install --no-server >"$WORK/private.log" 2>&1
  rc=$?
  check "as root, a PUSHGATE_STACK_DIR the postgres user cannot reach is refused (exit 1)" test "$rc" = 1
  check "... with a clear message" grep -q "the postgres user .* cannot reach $WORK/private/stack" "$WORK/private.log"
  # a checkout the postgres user cannot enter (like one under /root): the data goes to /var/tmp
  mkdir -p "$WORK/private/repo"
  cp -r "$ROOT/scripts" "$WORK/private/repo/scripts" # dev with the lib/ it sources
  cp -r "$ROOT/prometheus" "$WORK/private/repo/prometheus"
  FALLBACK="/var/tmp/pushgate-stack-$(printf '%s' "$WORK/private/repo" | sha256sum | cut -c1-12)"
  # not in a subshell: without job control there, the background scripts/dev would ignore SIGINT
  unset PUSHGATE_STACK_DIR
  DEV="$WORK/private/repo/scripts/dev"
  start_dev "$WORK/fallback.log" --no-server >/dev/null
  stop_dev INT
  rc=$?
  export PUSHGATE_STACK_DIR="$WORK/stack"
  DEV="$ROOT/scripts/dev"
  check "as root, a checkout postgres cannot enter keeps its data in /var/tmp" grep -qF "the stack's data lives in $FALLBACK" "$WORK/fallback.log"
  check "... where Postgres runs as the postgres user" bash -c "grep -q 'stack is up' '$WORK/fallback.log' && test \"\$(stat -c %U '$FALLBACK/postgres')\" = postgres"
  check "... and Ctrl-C stops it (status 130, ports free)" bash -c "[[ $rc == 130 ]] && ! (exec 3<>/dev/tcp/127.0.0.1/$PG_PORT) 2>/dev/null"
  rm -rf "$FALLBACK"
fi

if ((failed)); then
  for f in "$WORK"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
fi
echo "$passed passed, $failed failed"
((failed == 0))
