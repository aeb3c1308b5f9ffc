#!/usr/bin/env bash
# Checks the Prometheus files with promtool (Debian package `prometheus`):
#   promtool check config   prometheus/prometheus.yml, prometheus/prometheus.compose.yml
#   promtool check rules    prometheus/rules/*.yml
#   promtool test rules     prometheus/tests/*_test.yml
# Exit status non-zero when one fails. Last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

if ! command -v promtool >/dev/null; then
  echo "not ok - promtool not found: apt-get install prometheus"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
run() {
  local out
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1)); echo "ok - $*"
  else
    failed=$((failed + 1)); echo "not ok - $*"; printf '%s\n' "$out" | sed 's/^/    /'
  fi
}

run promtool check config prometheus/prometheus.yml
# rule_files is relative to the config: check the compose variant where it
# sits, its targets only resolve inside compose (syntax is what is checked).
run promtool check config prometheus/prometheus.compose.yml
run promtool check rules prometheus/rules/*.yml
for t in prometheus/tests/*_test.yml; do
  run promtool test rules "$t"
done

echo "$passed passed, $failed failed"
((failed == 0))
