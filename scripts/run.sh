#!/usr/bin/env bash
# `make run`: the whole system in one process with zero setup (SQLite under data/, in-process
# events, the local eBay mock, emails in data/outbox shown at /outbox). `make run DEMO=1` also
# creates a demo account with 14 days of price history. Any part can be switched to the real
# thing with its variable (ALERTS_DATABASE_URL, REDIS_URL, SMTP_URL, EBAY_ENV=production, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "make run needs Node.js 20 and npm (for the dashboard)" >&2
  exit 1
fi
# shellcheck source=scripts/lib/npm.sh
. scripts/lib/npm.sh
ensure_node_modules
if [ ! -f frontend/dist/index.html ] || [ -n "$(find frontend/src frontend/index.html frontend/scripts -newer frontend/dist/index.html -print -quit)" ]; then
  echo "==> building the dashboard"
  (cd frontend && npm run build)
fi

args=()
if [ -n "${DEMO:-}" ] && [ "${DEMO}" != "0" ]; then
  args+=(--demo)
fi
echo "==> building and starting eBay Alerts (first build takes a few minutes)"
exec cargo run --quiet --release -p ebay-alerts -- "${args[@]}"
