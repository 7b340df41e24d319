#!/usr/bin/env bash
# First load of the dashboard in Chromium (issue #21): bytes over the wire, requests and time to
# the page's heading, cold cache, medians of RUNS, for each dashboard build given (a `dist`
# directory: compare an older build with the current one). alerts-service (BIN, default the
# debug build) serves each build in the zero-setup mode (dev outbox on, MAIL_COUNT sign-in
# emails captured first, as after a few sign-ins); Postgres and Redis as scripts/services.sh.
#
#   bench/first_load.sh frontend/dist                      # the current build
#   bench/first_load.sh /tmp/dist-before frontend/dist     # before/after
#   THROTTLE=1 RUNS=5 PATHS="/sign-in /outbox" bench/first_load.sh frontend/dist
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/first_load.sh DIST [DIST…]" >&2; exit 2; }

PORT=${PORT:-18090}
DB=ebay_alerts_bench_first_load
MAIL_COUNT=${MAIL_COUNT:-20}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/debug}
read -r -a PATHS <<<"${PATHS:-/sign-in}"
scripts/services.sh
[ -x "$BIN/alerts-service" ] || cargo build -q -p alerts-service
WORK=$(mktemp -d)
SERVICE=
cleanup() {
  [ -n "$SERVICE" ] && kill "$SERVICE" 2>/dev/null && wait "$SERVICE" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

n=0
for dist in "$@"; do
  n=$((n + 1))
  dist=$(cd "$dist" && pwd)
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  rm -rf "$WORK/mail" && mkdir -p "$WORK/mail"
  ALERTS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" REDIS_URL=redis://127.0.0.1:6379 \
    REDIS_KEY_PREFIX="bench-first-load-$$-$n:" SMTP_URL="file://$WORK/mail" DEV_OUTBOX=true \
    EBAY_ENV=mock EBAY_BASE_URL=http://127.0.0.1:9 ALERTS_LISTEN="127.0.0.1:$PORT" \
    PUBLIC_URL="http://127.0.0.1:$PORT" FRONTEND_DIST="$dist" RUST_LOG=warn \
    "$BIN/alerts-service" serve --no-scheduler >"$WORK/alerts.log" 2>&1 &
  SERVICE=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; do sleep 0.3; done
  for i in $(seq 1 "$MAIL_COUNT"); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$PORT" \
      -d "{\"email\":\"bench$i@example.com\"}" "http://127.0.0.1:$PORT/api/v1/auth/login"
  done
  until [ "$(find "$WORK/mail" -name '*.eml' | wc -l)" -ge "$MAIL_COUNT" ]; do sleep 0.3; done
  outbox=$(curl -fsS "http://127.0.0.1:$PORT/api/v1/dev/outbox" | wc -c)
  echo "== $dist (outbox: $MAIL_COUNT emails, $((outbox / 1024)) KB as JSON)"
  (cd frontend && E2E_BASE_URL="http://127.0.0.1:$PORT" node e2e/first-load.mjs "${PATHS[@]}")
  kill "$SERVICE" && wait "$SERVICE" 2>/dev/null || true
  SERVICE=
done
