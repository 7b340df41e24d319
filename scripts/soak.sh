#!/usr/bin/env bash
# The system-level fault-injection, security and load suite (issue #9; docs/system-tests.md).
#
#   scripts/soak.sh            full suite, release build (`make soak`): Redis down 60 s,
#                              100 replica cycles, load at 1k / 10k / 50k alerts
#   scripts/soak.sh --short    the short version (part of `make test`), debug build
#   scripts/soak.sh --short --only security,fuzz     some scenarios
#
# Builds the binaries the suite runs (alerts-service, analytics-service, ebay-mock, smtp-sink and
# the suite's own `soak`), installs schemathesis from PyPI into target/soak-venv when it is
# missing, then runs `soak`, which starts its own PostgreSQL cluster, redis-server and SMTP sinks
# on free ports under a temporary directory and removes everything on exit.
# SOAK_KEEP=1 keeps the temporary directory (logs, mail) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

profile=release
for arg in "$@"; do
  [ "$arg" = --short ] && profile=debug
done
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

log() { printf '[soak] %s\n' "$*" >&2; }

command -v redis-server >/dev/null || { log "redis-server is needed (Debian: redis-server)"; exit 1; }
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "PostgreSQL's server binaries (initdb, pg_ctl) are needed (Debian: postgresql)"
  exit 1
fi

VENV=$TARGET/soak-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  log "installing schemathesis into $VENV (one-off)"
  # Debian ships venv support separately (python3-venv); install it the way e2e.sh installs
  # chromium, when we may.
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      log "python3-venv is missing: running 'apt-get install -y -qq python3-venv' (one-off)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      log "Python's venv module is needed (Debian: python3-venv)"
      exit 1
    fi
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check schemathesis
fi

build=(nice cargo build -p alerts-service -p analytics-service -p ebay-mock -p testkit -p system-tests --bins)
[ "$profile" = release ] && build+=(--release)
log "building ($profile): ${build[*]}"
"${build[@]}"

started=$SECONDS
status=0
if [ "$profile" = release ]; then
  "$TARGET/release/soak" --full "$@" || status=$?
else
  "$TARGET/debug/soak" "$@" || status=$?
fi
log "finished in $((SECONDS - started)) s with status $status"
exit "$status"
