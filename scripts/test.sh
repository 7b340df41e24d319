#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace (against real PostgreSQL and Redis, which
# this script starts when needed) and, once it exists, the dashboard's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh

echo "==> Rust tests"
cargo test --workspace

if [ -f frontend/package.json ]; then
  echo "==> Dashboard tests"
  # shellcheck source=scripts/lib/npm.sh
  . scripts/lib/npm.sh
  ensure_node_modules
  (cd frontend && npm test)
  echo "==> Script tests (the node_modules check)"
  node --test scripts/lib/node-modules-ok.test.mjs
fi

echo "==> docker-compose structural check (no Docker engine here: see its output for what it cannot prove)"
python3 deploy/check_compose.py

echo "==> Browser end-to-end test (real stack, Chromium)"
scripts/e2e.sh

echo "==> System suite, short version (real processes, private Postgres/Redis/SMTP, faults; docs/system-tests.md)"
scripts/soak.sh --short
