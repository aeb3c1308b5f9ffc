# shellcheck shell=bash
# Sourced by scripts/test and scripts/dev: makes sure the Rust tools they call are there, the
# way scripts/install-deps does for apt packages. A machine with only rustup (and its default
# toolchain) gets the rest installed:
#   clippy, rustfmt   rustup component add clippy rustfmt
#   nextest           cargo install --locked cargo-nextest
#
#   ensure_rust_tools [clippy] [rustfmt] [nextest]
# With none named it only checks that cargo runs (scripts/dev needs only the release build).
# PUSHGATE_NO_INSTALL=1: install nothing; fail with the commands to run instead.

ensure_rust_tools() {
  if ! cargo --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
      echo "cargo does not run: rustup has no default toolchain; run \`rustup default stable\`" >&2
    else
      echo "cargo not found: install Rust with rustup (it brings cargo), then run this again" >&2
    fi
    return 1
  fi
  local tool components=() install=()
  for tool in "$@"; do
    case "$tool" in
      clippy) cargo clippy --version >/dev/null 2>&1 || components+=(clippy) ;;
      rustfmt) cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt) ;;
      nextest) cargo nextest --version >/dev/null 2>&1 || install+=(cargo-nextest) ;;
      *) echo "ensure_rust_tools: unknown tool $tool" >&2; return 2 ;;
    esac
  done
  local todo=()
  ((${#components[@]})) && todo+=("rustup component add ${components[*]}")
  ((${#install[@]})) && todo+=("cargo install --locked ${install[*]}")
  ((${#todo[@]})) || return 0
  if [[ "${PUSHGATE_NO_INSTALL:-0}" == 1 ]]; then
    printf 'missing Rust tools; run: %s\n' "${todo[@]}" >&2
    return 1
  fi
  if ((${#components[@]})); then
    if ! command -v rustup >/dev/null 2>&1; then
      echo "missing ${components[*]} and no rustup to add them: install them with your Rust toolchain" >&2
      return 1
    fi
    echo "installing: rustup component add ${components[*]}"
    rustup component add "${components[@]}" || return 1
  fi
  if ((${#install[@]})); then
    echo "installing: cargo install --locked ${install[*]}"
    cargo install --locked "${install[@]}" || return 1
  fi
}
