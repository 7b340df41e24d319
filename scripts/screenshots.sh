#!/usr/bin/env bash
# Retakes the README's pictures (docs/img/dashboard.png, docs/img/insight-email.png): starts the
# one-process mode with demo data in a temporary directory on a free port, signs in as the demo
# account in headless Chromium, and photographs an alert's page and its insight email.
#
#   scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
log() { echo "[screenshots] $*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# shellcheck source=scripts/lib/browser.sh
. scripts/lib/browser.sh

cargo build --release -q -p ebay-alerts
DATA=$(mktemp -d)
PORT=$((20000 + RANDOM % 12000))
EBAY_ALERTS_DATA_DIR=$DATA ALERTS_LISTEN=127.0.0.1:$PORT PUBLIC_URL=http://127.0.0.1:$PORT \
  target/release/ebay-alerts --demo >"$DATA/log" 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null || true; wait $APP 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 $APP 2>/dev/null || die "ebay-alerts exited: $(tail -5 "$DATA/log")"
  sleep 0.2
done
(cd frontend && E2E_BASE_URL="http://127.0.0.1:$PORT" CHROMIUM_PATH="$CHROMIUM_PATH" node e2e/screenshots.mjs)
