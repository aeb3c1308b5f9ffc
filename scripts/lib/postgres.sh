# Sourced by scripts/dev and scripts/pg-throwaway: where the PostgreSQL server binaries are and
# how to run them. Postgres refuses to run as root, so as root they run as the `postgres` user
# (from a folder it can enter: runuser keeps the caller's working directory).

# The newest /usr/lib/postgresql/*/bin, or $PG_BINDIR when set; empty when there is none.
pg_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    printf '%s\n' "$PG_BINDIR"
    return
  fi
  # shellcheck disable=SC2012 # fixed, plain names
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# as_pg CMD...: CMD as the postgres user when we are root, else as ourselves.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}
