#!/bin/sh
# Entry point of the eBay Alerts images (alerts-service, analytics-service, ebay-mock).
#
# Docker Compose passes a variable left empty in .env (`EBAY_BASE_URL=`) as set-but-empty. The
# binaries read settings with clap, which takes an empty variable as a value, and an empty URL
# or number is invalid. Here an empty variable means "not set": it is removed before the
# command runs, so the binary falls back to its default (for EBAY_BASE_URL: eBay's own host).
#
# `docker compose exec` bypasses this script; prefix such commands with `docker-entrypoint`
# (deploy/README.md) or use `docker compose run --rm`, which goes through it.
set -eu

for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=$/\1/p'); do
    # A line `NAME=` can also be the continuation of a multi-line value; unset only if NAME
    # itself is empty.
    if [ -z "$(printenv "$name" || true)" ]; then
        unset "$name"
    fi
done

exec "$@"
