# Sourced by scripts/install-deps: installs Debian packages with apt-get, through sudo when we
# are not root, and says what to run by hand when neither is possible.

# apt_install PKG...
apt_install() {
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || {
      printf 'missing: %s; as root run: apt-get update && apt-get install %s\n' "$*" "$*" >&2
      return 1
    }
    sudo=(sudo)
  fi
  echo "installing with apt-get: $*"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
