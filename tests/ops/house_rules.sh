#!/usr/bin/env bash
# The house rules the build keeps (STYLE.md, issue 14): no source file over 300 lines without a
# reason written near its top ("Over 300 lines: …" or "Longer than 300 lines: …", in the first
# 20 lines); vendored code is exempt.
# Last line: "N passed, M failed".

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

passed=0
failed=0
while IFS= read -r file; do
  lines=$(wc -l <"$file")
  ((lines > 300)) || continue
  if head -n 20 "$file" | grep -qiE '(over|longer than) 300 lines'; then
    passed=$((passed + 1))
  else
    echo "not ok - $file has $lines lines and no reason at its top (\"Over 300 lines: …\"): split it or say why"
    failed=$((failed + 1))
  fi
done < <(git ls-files '*.rs' '*.js' '*.mjs' '*.py' '*.sh' 'scripts/*' 'bench/run' | grep -v '^frontend/vendor/')
((failed > 0)) || echo "ok - every source file over 300 lines says why ($passed of them)"

echo "$passed passed, $failed failed"
((failed == 0))
