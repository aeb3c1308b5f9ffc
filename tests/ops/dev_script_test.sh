#!/usr/bin/env bash
# Tests scripts/dev for real: Postgres, Pushgateway and Prometheus from the
# system's packages, with tests/ops/fake_pushgate.py standing in for pushgate
# (so no cargo build). Uses its own free ports and a throwaway data folder.
#
# Checks: everything comes up and answers; the settings reach pushgate; a
# second run refuses busy ports; SIGINT (Ctrl-C) stops everything; a second
# run reuses the database, the Pushgateway's data and the JWT secret; SIGTERM
# stops it too; services left by a kill -9'd run are stopped by the next run;
# a crashing pushgate takes the stack down with exit status 1.
#
# Needs: postgresql, prometheus, prometheus-pushgateway (scripts/dev --no-install
# is used, so nothing is installed here), curl, python3. About 40 s.
# Last line: "N passed, M failed".

set -uo pipefail
set -m # background jobs get their own process group, so SIGINT reaches them

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEV="$ROOT/scripts/dev"
FAKE="$ROOT/tests/ops/fake_pushgate.py"
# shellcheck disable=SC2012 # fixed, plain names
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

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

WORK="$(mktemp -d /tmp/pushgate-devtest.XXXXXX)"
chmod 755 "$WORK"
export PUSHGATE_STACK_DIR="$WORK/stack"
DEV_PID=""
cleanup() {
  if [[ -n "$DEV_PID" ]] && kill -0 "$DEV_PID" 2>/dev/null; then
    kill -TERM "$DEV_PID" 2>/dev/null
    wait "$DEV_PID" 2>/dev/null
  fi
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export PG_PORT PUSHGATEWAY_PORT PROMETHEUS_PORT PUSHGATE_PORT
PG_PORT=$(free_port)
PUSHGATEWAY_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
PUSHGATE_PORT=$(free_port)
export PUSHGATE_BIN="$FAKE" FAKE_ENV_OUT="$WORK/env.out" PUSHGATE_INSTANCE=devtest

for need in "$PGBIN/initdb" "$(command -v prometheus)" "$(command -v prometheus-pushgateway)"; do
  if [[ ! -x "$need" ]]; then
    echo "not ok - missing ${need:-a binary}: apt-get install postgresql prometheus prometheus-pushgateway"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

# start_dev LOG: scripts/dev in the background, waits until it says it is up
start_dev() {
  local log=$1 i
  "$DEV" --no-install >"$log" 2>&1 &
  DEV_PID=$!
  for ((i = 0; i < 600; i++)); do
    grep -q "stack is up" "$log" && return 0
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "--- $log"; cat "$log"
  return 1
}
# stop_dev SIGNAL: returns scripts/dev's exit status
stop_dev() {
  kill -"$1" "$DEV_PID"
  wait "$DEV_PID"
  local rc=$?
  DEV_PID=""
  return $rc
}
answers() { curl -fsS -o /dev/null --max-time 3 "$1"; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
all_ports_free() { port_free "$PG_PORT" && port_free "$PUSHGATEWAY_PORT" && port_free "$PROMETHEUS_PORT" && port_free "$PUSHGATE_PORT"; }
# shellcheck disable=SC2009 # matching on the arguments, which pgrep -f would too
no_process_left() { ! ps -eo args | grep -F "$PUSHGATE_STACK_DIR" | grep -v grep >/dev/null; }
psql_q() { "$PGBIN/psql" -X -q -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d pushgate -c "$1"; }
env_has() { grep -qxF "$1" "$FAKE_ENV_OUT"; }

# ------------------------------------------------------------------ run 1
check "first run starts" start_dev "$WORK/run1.log"
check "it ran initdb" grep -q "initdb" "$WORK/run1.log"
check "Pushgateway answers" answers "http://127.0.0.1:$PUSHGATEWAY_PORT/-/ready"
check "Prometheus answers" answers "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
check "pushgate (stand-in) answers" answers "http://127.0.0.1:$PUSHGATE_PORT/api/v1/health/ready"
check "database pushgate exists" test "$(psql_q 'SELECT current_database()')" = pushgate
check "prints the addresses" grep -q "Prometheus    http://127.0.0.1:$PROMETHEUS_PORT/" "$WORK/run1.log"
eventually() { local i; for ((i = 0; i < 50; i++)); do "$@" && return 0; sleep 0.2; done; return 1; }
check "Prometheus scrapes the rewritten targets" eventually bash -c \
  "curl -fsS 'http://127.0.0.1:$PROMETHEUS_PORT/api/v1/targets' | grep -q '127.0.0.1:$PUSHGATEWAY_PORT/metrics' &&
   curl -fsS 'http://127.0.0.1:$PROMETHEUS_PORT/api/v1/targets' | grep -q '127.0.0.1:$PUSHGATE_PORT/metrics'"
check "Prometheus loaded the rules" bash -c "curl -fsS 'http://127.0.0.1:$PROMETHEUS_PORT/api/v1/rules' | grep -q PushgateDown"
check "DATABASE_URL passed on" env_has "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/pushgate"
check "PUSHGATEWAY_URL passed on" env_has "PUSHGATEWAY_URL=http://127.0.0.1:$PUSHGATEWAY_PORT"
check "PUSHGATE_LISTEN passed on" env_has "PUSHGATE_LISTEN=127.0.0.1:$PUSHGATE_PORT"
check "PUSHGATE_INSTANCE passed on" env_has "PUSHGATE_INSTANCE=devtest"
check "PUSHGATE_JWT_SECRET is the stored one" env_has "PUSHGATE_JWT_SECRET=$(cat "$PUSHGATE_STACK_DIR/jwt_secret" 2>/dev/null)"
check "the JWT secret file is private" test "$(stat -c %a "$PUSHGATE_STACK_DIR/jwt_secret")" = 600
SECRET1="$(cat "$PUSHGATE_STACK_DIR/jwt_secret" 2>/dev/null)"
psql_q "CREATE TABLE dev_test_marker (x int); INSERT INTO dev_test_marker VALUES (7)"
printf 'dev_test_marker 42\n' | curl -fsS --data-binary @- "http://127.0.0.1:$PUSHGATEWAY_PORT/metrics/job/devtest" >/dev/null

"$DEV" --no-install >"$WORK/same.log" 2>&1
rc=$?
check "a second run on the same data folder exits 1" test "$rc" = 1
check "... saying another scripts/dev is running" grep -q "another scripts/dev is running" "$WORK/same.log"
check "... and leaves the first one running" answers "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
PUSHGATE_STACK_DIR="$WORK/other" "$DEV" --no-install >"$WORK/busy.log" 2>&1
rc=$?
check "a second run while the ports are busy exits 1" test "$rc" = 1
check "... naming the busy port and who holds it" grep -q "port $PG_PORT (PG_PORT) is already in use by postgres (pid [0-9]*)" "$WORK/busy.log"
check "... and leaves the first one running" answers "http://127.0.0.1:$PUSHGATE_PORT/api/v1/health"

stop_dev INT
rc=$?
check "SIGINT (Ctrl-C) ends scripts/dev (status 130)" test "$rc" = 130
check "SIGINT stopped everything (ports free)" all_ports_free
check "SIGINT stopped everything (no process left)" no_process_left
check "pushgate was stopped before Postgres" bash -c "grep -n 'stopping pushgate\|stopping Postgres' '$WORK/run1.log' | head -n 1 | grep -q pushgate"

# ------------------------------------------------------------------ run 2
check "second run starts" start_dev "$WORK/run2.log"
check "it reused the cluster (no initdb)" bash -c "! grep -q 'initdb' '$WORK/run2.log' && grep -q 'reusing' '$WORK/run2.log'"
check "the database kept its data" test "$(psql_q 'SELECT x FROM dev_test_marker')" = 7
check "the Pushgateway kept its data" bash -c "curl -fsS 'http://127.0.0.1:$PUSHGATEWAY_PORT/metrics' | grep -q '^dev_test_marker{.*} 42'"
check "the JWT secret is the same" test "$(cat "$PUSHGATE_STACK_DIR/jwt_secret")" = "$SECRET1"
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
check "after kill -9 the services are still there" answers "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
check "a new run starts anyway" start_dev "$WORK/run4.log"
check "... after stopping the leftovers" bash -c "grep -q 'stopping the Postgres an earlier run left' '$WORK/run4.log' &&
  grep -q 'stopping prometheus (pid [0-9]*) left by an earlier run' '$WORK/run4.log' &&
  grep -q 'stopping pushgate (pid [0-9]*) left by an earlier run' '$WORK/run4.log'"
stop_dev INT
check "... and stops cleanly" all_ports_free

# ------------------------------------------------------- a crashing server
FAKE_EXIT_AFTER=3 "$DEV" --no-install >"$WORK/crash.log" 2>&1
rc=$?
check "a crashing pushgate ends scripts/dev with status 1" test "$rc" = 1
check "... saying so" grep -q "pushgate exited" "$WORK/crash.log"
check "... and stops the rest" all_ports_free

if ((failed)); then
  for f in "$WORK"/*.log; do echo "--- $f"; tail -n 30 "$f"; done
fi
echo "$passed passed, $failed failed"
((failed == 0))
