#!/usr/bin/env bash
# Formatting and lints, as CI checks them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
if [ -f frontend/package.json ]; then
  # shellcheck source=scripts/lib/npm.sh
  . scripts/lib/npm.sh
  ensure_node_modules
  (cd frontend && npm run lint)
fi
