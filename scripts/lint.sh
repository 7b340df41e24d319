#!/usr/bin/env bash
# Formatting and lints, as CI checks them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
if [ -f frontend/package.json ]; then
  (cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run lint)
fi
