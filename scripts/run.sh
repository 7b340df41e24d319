#!/usr/bin/env bash
# `make run`: the zero-setup mode. Until the one-process mode of the services lands (see the
# README's status section), this runs what exists: the local eBay (`ebay-mock`).
set -euo pipefail
cd "$(dirname "$0")/.."
export EBAY_MOCK_LISTEN="${EBAY_MOCK_LISTEN:-127.0.0.1:8082}"
echo "==> building and starting ebay-mock on http://${EBAY_MOCK_LISTEN} (Ctrl-C stops it)"
exec cargo run --quiet --release --locked -p ebay-mock
