#!/usr/bin/env bash
# All of pushgate's operations checks, one after the other:
#   house_rules.sh         no source file over 300 lines without a reason at its top
#   promtool.sh            promtool check config / check rules / test rules
#   check_files.mjs        compose, provisioning, dashboards, Dockerfile (static)
#   dashboard_queries.mjs  every dashboard query against a real Prometheus scraping a
#                          real Pushgateway fed by the real pushgate, and every panel of
#                          the tenants' own dashboard through /prometheus/api/v1/query_range
#   dev_script_test.sh     scripts/dev for real, with the real pushgate
#   rust_tools_test.sh     scripts/lib/rust-tools.sh with stub cargo and rustup: what a
#                          machine with only rustup gets installed
# Both run target/debug/pushgate (built here with `cargo build --locked --bin
# pushgate`, a no-op when up to date) unless PUSHGATE_BIN names a binary;
# dashboard_queries.mjs uses the throwaway cluster of PUSHGATE_TEST_ADMIN_URL
# (scripts/test's), or one started here with scripts/pg-throwaway.
# Needs: promtool/prometheus, prometheus-pushgateway, postgresql, node 20,
# python3, curl (apt-get install prometheus prometheus-pushgateway postgresql).
# OPS_SKIP="dev_script_test.sh dashboard_queries.mjs" skips some.
# Last line: the summed "N passed, M failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1

needs_stack=0
for t in dashboard_queries.mjs dev_script_test.sh; do
  [[ " ${OPS_SKIP:-} " == *" $t "* ]] || needs_stack=1
done
if ((needs_stack)); then
  if [[ -z "${PUSHGATE_BIN:-}" ]]; then
    echo "== cargo build --locked --bin pushgate"
    (cd ../.. && cargo build --locked --bin pushgate) || { echo "not ok - cargo build"; echo "0 passed, 1 failed"; exit 1; }
    PUSHGATE_BIN="$(cd ../.. && pwd)/target/debug/pushgate"
  fi
  export PUSHGATE_BIN
  if [[ -z "${PUSHGATE_TEST_ADMIN_URL:-}" ]]; then
    pg_env="$(../../scripts/pg-throwaway start)" || { echo "not ok - scripts/pg-throwaway start"; echo "0 passed, 1 failed"; exit 1; }
    eval "$pg_env"
    trap '../../scripts/pg-throwaway stop "$PUSHGATE_TEST_PGDATA"' EXIT
  fi
fi

total_passed=0
total_failed=0
status=0
for t in house_rules.sh promtool.sh check_files.mjs dashboard_queries.mjs dev_script_test.sh rust_tools_test.sh; do
  if [[ " ${OPS_SKIP:-} " == *" $t "* ]]; then echo "== $t: skipped"; continue; fi
  echo "== $t"
  started=$SECONDS
  case "$t" in
    *.mjs) out="$(node "$t" 2>&1)"; rc=$? ;;
    *) out="$(bash "$t" 2>&1)"; rc=$? ;;
  esac
  printf '%s\n' "$out"
  echo "# $t took $((SECONDS - started)) s"
  last="$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
  if [[ -n "$last" ]]; then
    total_passed=$((total_passed + ${last%% *}))
    f="${last#*, }"
    total_failed=$((total_failed + ${f%% *}))
  fi
  if ((rc != 0)); then
    status=1
    [[ -n "$last" && "${last#*, }" != "0 failed" ]] || total_failed=$((total_failed + 1))
  fi
done
echo "${total_passed} passed, ${total_failed} failed"
exit "$status"
