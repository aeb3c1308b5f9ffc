#!/usr/bin/env bash
# All of pushgate's operations checks, one after the other:
#   promtool.sh            promtool check config / check rules / test rules
#   check_files.mjs        compose, provisioning, dashboards, Dockerfile (static)
#   dashboard_queries.mjs  every dashboard query against a real Prometheus + Pushgateway
#   dev_script_test.sh     scripts/dev for real, with a stand-in pushgate
# Needs: promtool/prometheus, prometheus-pushgateway, postgresql, node 20,
# python3, curl (apt-get install prometheus prometheus-pushgateway postgresql).
# OPS_SKIP="dev_script_test.sh dashboard_queries.mjs" skips some.
# Last line: the summed "N passed, M failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1

total_passed=0
total_failed=0
status=0
for t in promtool.sh check_files.mjs dashboard_queries.mjs dev_script_test.sh; do
  if [[ " ${OPS_SKIP:-} " == *" $t "* ]]; then echo "== $t: skipped"; continue; fi
  echo "== $t"
  case "$t" in
    *.mjs) out="$(node "$t" 2>&1)"; rc=$? ;;
    *) out="$(bash "$t" 2>&1)"; rc=$? ;;
  esac
  printf '%s\n' "$out"
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
