# syntax=docker/dockerfile:1
#
# eBay Alerts — one multi-stage build, four images. Pick one with a target:
#
#   docker build --target alerts-service    -t ebay-alerts/alerts-service .
#   docker build --target analytics-service -t ebay-alerts/analytics-service .
#   docker build --target ebay-mock         -t ebay-alerts/ebay-mock .
#   docker build --target ebay-alerts       -t ebay-alerts .     # all in one process, below
#
# (docker-compose.yml builds the first three for you.) The all-in-one image is the zero-setup
# mode (DESIGN §3, mode 2) in a container: SQLite, in-process events, the eBay mock and the
# email outbox page, with its data in /data:
#
#   docker run -p 8080:8080 -v ebay-alerts-data:/data ebay-alerts    # then http://localhost:8080
#
# Stages:
#   frontend  Node 20 builds the dashboard (frontend/ -> frontend/dist)
#   builder   Rust builds the four release binaries in one cargo invocation
#   runtime   Debian slim base: CA certificates, curl (the healthchecks), a non-root user
#   <binary>  runtime + that binary in /usr/local/bin (+ the dashboard where it is served)
# BuildKit (and podman/buildah) build only the stages a target needs, and the layer cache
# shares `builder` between the targets. `scripts/compose-test.sh` builds every target and runs
# them for real.

############################ 1. dashboard ############################
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
# Manifests first: the npm layer is reused until the dependencies change.
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

############################ 2. binaries #############################
FROM rust:1.95-bookworm AS builder
WORKDIR /src
# Every workspace member is needed for cargo to load the workspace, even the ones not built
# (deploy/check_compose.py fails when a member is missing here).
COPY Cargo.toml Cargo.lock ./
COPY pubsub/ pubsub/
COPY ebay-sdk/ ebay-sdk/
COPY ebay-mock/ ebay-mock/
COPY mailer/ mailer/
COPY service-kit/ service-kit/
COPY testkit/ testkit/
COPY alerts-service/ alerts-service/
COPY analytics-service/ analytics-service/
COPY standalone/ standalone/
COPY system-tests/ system-tests/
# The registry and target directory live in cache mounts, so a source change recompiles only
# the workspace crates; the binaries are copied out because cache mounts are not in the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p alerts-service -p analytics-service -p ebay-mock -p ebay-alerts \
    && mkdir -p /out \
    && cp target/release/alerts-service target/release/analytics-service target/release/ebay-mock \
          target/release/ebay-alerts /out/

############################ 3. runtime base #########################
FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to eBay and SMTP relays (rustls reads the system roots).
# curl: the compose healthchecks call GET /healthz with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/data \
    && chown app:app /app/data
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint
WORKDIR /app
USER app:app
# Drops set-but-empty variables, then execs the command (see the script).
ENTRYPOINT ["docker-entrypoint"]

############################ targets #################################
FROM runtime AS ebay-mock
COPY --from=builder /out/ebay-mock /usr/local/bin/ebay-mock
ENV EBAY_MOCK_LISTEN=0.0.0.0:8082
EXPOSE 8082
CMD ["ebay-mock"]

FROM runtime AS analytics-service
COPY --from=builder /out/analytics-service /usr/local/bin/analytics-service
# Listening beyond loopback requires ANALYTICS_API_TOKEN: without it the service exits with
# a one-line error instead of serving an open read API.
ENV ANALYTICS_LISTEN=0.0.0.0:8081
EXPOSE 8081
CMD ["analytics-service", "serve"]

# The whole system in one process (the `standalone` crate's binary): state in the /data volume.
FROM runtime AS ebay-alerts
USER root
RUN mkdir -p /data && chown app:app /data
USER app:app
COPY --from=builder /out/ebay-alerts /usr/local/bin/ebay-alerts
COPY --from=frontend /src/frontend/dist /app/frontend/dist
# PUBLIC_URL is the address browsers use (email links, the CSRF check of writes): with another
# host port or name, pass `-e PUBLIC_URL=http://host:port`.
ENV ALERTS_LISTEN=0.0.0.0:8080 \
    PUBLIC_URL=http://localhost:8080 \
    FRONTEND_DIST=/app/frontend/dist \
    EBAY_ALERTS_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "3", "--output", "/dev/null", "http://127.0.0.1:8080/healthz"]
CMD ["ebay-alerts"]

# Last, so a plain `docker build .` produces the main image.
FROM runtime AS alerts-service
COPY --from=builder /out/alerts-service /usr/local/bin/alerts-service
COPY --from=frontend /src/frontend/dist /app/frontend/dist
ENV ALERTS_LISTEN=0.0.0.0:8080 \
    FRONTEND_DIST=/app/frontend/dist
EXPOSE 8080
CMD ["alerts-service", "serve"]
