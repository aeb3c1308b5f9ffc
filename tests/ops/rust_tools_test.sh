#!/usr/bin/env bash
# Tests scripts/lib/rust-tools.sh (what scripts/test and scripts/dev run first) on a PATH
# whose `cargo` and `rustup` are stubs that record their calls: a machine with only rustup
# gets clippy and rustfmt added and cargo-nextest installed, once; one with everything gets
# nothing; PUSHGATE_NO_INSTALL=1 names the commands instead; no cargo is a clear error;
# scripts/dev's check (no tool named) installs nothing.
# Last line: "N passed, M failed".

set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIB="$ROOT/scripts/lib/rust-tools.sh"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
check() { # name, then a command that must succeed
  local name="$1"
  shift
  if "$@"; then
    echo "ok - $name"
    passed=$((passed + 1))
  else
    echo "not ok - $name"
    failed=$((failed + 1))
  fi
}

# A fresh stub machine: `cargo` and `rustup` record each call in calls.log; a tool counts
# as installed when its marker file exists (the stubs' installs create them).
machine() { # [installed tools...]
  local m="$WORK/m$RANDOM$RANDOM"
  mkdir -p "$m/bin" "$m/have"
  local t
  for t in "$@"; do touch "$m/have/$t"; done
  cat >"$m/bin/cargo" <<STUB
#!/bin/bash
echo "cargo \$*" >>"$m/calls.log"
case "\$1 \$2" in
  "--version "*) exit 0 ;;
  "clippy --version") [ -e "$m/have/clippy" ] ;;
  "fmt --version") [ -e "$m/have/rustfmt" ] ;;
  "nextest --version") [ -e "$m/have/nextest" ] ;;
  "install --locked") [ "\$3" = cargo-nextest ] && touch "$m/have/nextest" ;;
  *) exit 1 ;;
esac
STUB
  cat >"$m/bin/rustup" <<STUB
#!/bin/bash
echo "rustup \$*" >>"$m/calls.log"
if [ "\$1 \$2" = "component add" ]; then
  shift 2
  for c in "\$@"; do touch "$m/have/\$c"; done
fi
STUB
  chmod +x "$m/bin/cargo" "$m/bin/rustup"
  : >"$m/calls.log"
  echo "$m"
}

# Runs ensure_rust_tools on machine $1 with tools $2..; its output in $1/out, status returned.
run() {
  local m="$1"
  shift
  (
    export PATH="$m/bin:/usr/bin:/bin"
    # shellcheck source=../../scripts/lib/rust-tools.sh
    . "$LIB"
    ensure_rust_tools "$@"
  ) >"$m/out" 2>&1
}

installs() { grep -E '^(rustup component add|cargo install)' "$1/calls.log"; }

m="$(machine)"
check "only rustup: the check succeeds" run "$m" clippy rustfmt nextest
check "only rustup: clippy and rustfmt added with rustup" grep -qx "rustup component add clippy rustfmt" "$m/calls.log"
check "only rustup: nextest installed with cargo install --locked" grep -qx "cargo install --locked cargo-nextest" "$m/calls.log"
check "only rustup: it says what it installs" grep -q "installing: rustup component add clippy rustfmt" "$m/out"
: >"$m/calls.log"
run "$m" clippy rustfmt nextest
check "a second run installs nothing" test -z "$(installs "$m")"

m="$(machine clippy rustfmt nextest)"
check "everything there: succeeds" run "$m" clippy rustfmt nextest
check "everything there: installs nothing" test -z "$(installs "$m")"

m="$(machine rustfmt)"
run "$m" clippy rustfmt nextest
check "only what is missing is added" grep -qx "rustup component add clippy" "$m/calls.log"

m="$(machine)"
PUSHGATE_NO_INSTALL=1 run "$m" clippy nextest
check "PUSHGATE_NO_INSTALL=1: fails" test $? -ne 0
check "PUSHGATE_NO_INSTALL=1: installs nothing" test -z "$(installs "$m")"
check "PUSHGATE_NO_INSTALL=1: names the commands" grep -q "run: rustup component add clippy" "$m/out"

m="$(machine)"
check "scripts/dev's check (no tool named): succeeds" run "$m"
check "scripts/dev's check: installs nothing" test -z "$(installs "$m")"

m="$(machine)"
rm "$m/bin/cargo" "$m/bin/rustup"
run "$m" clippy
check "no cargo: fails" test $? -ne 0
check "no cargo: says to install Rust with rustup" grep -q "cargo not found: install Rust with rustup" "$m/out"

m="$(machine)"
printf '#!/bin/bash\nexit 1\n' >"$m/bin/cargo"
run "$m"
check "rustup without a default toolchain: fails" test $? -ne 0
check "rustup without a default toolchain: says rustup default stable" grep -q "rustup default stable" "$m/out"

check "scripts/test runs the check for every tool it calls" grep -q "^ensure_rust_tools clippy rustfmt nextest$" "$ROOT/scripts/test"
check "scripts/dev runs the check before its release build" grep -q "ensure_rust_tools ||" "$ROOT/scripts/dev"

echo "${passed} passed, ${failed} failed"
((failed == 0))
