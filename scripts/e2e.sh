#!/usr/bin/env bash
# Browser end-to-end test of the dashboard against the real stack: alerts-service (serving
# frontend/dist), analytics-service, ebay-mock, PostgreSQL, Redis and a real SMTP server
# (testkit's `smtp-sink`, for analytics-service's emails). alerts-service runs as `make run` does
# for a newcomer, writing its emails as .eml files into the same directory with the dev outbox
# on, so the test walks the newcomer's path through the dashboard's Outbox page; the test reads
# the sign-in link from those files too.
#
#   scripts/e2e.sh            (part of `make test`)
#
# Self-contained on a fresh Debian machine with the Rust toolchain and Node.js: installs Debian's
# chromium when missing (root), runs `npm ci` / `npm run build` when needed, starts PostgreSQL and
# Redis (scripts/services.sh), creates two fresh databases (ebay_alerts_e2e_alerts,
# ebay_alerts_e2e_analytics) and a private Redis key prefix, picks free ports, builds and starts
# the binaries, runs frontend/e2e/dashboard.e2e.mjs and always cleans up (processes, databases,
# Redis keys). Exits with the browser test's status; any service that fails to build or start
# fails the run.
#
# Environment (all optional):
#   CHROMIUM_PATH       the browser (default /usr/bin/chromium)
#   E2E_ARTIFACTS       screenshot directory (default frontend/e2e/artifacts)
#   E2E_EXPECT_CHART, E2E_TIMEOUT_MS, E2E_EMAIL, E2E_PHRASE   passed on to the browser test
#   E2E_RUST_LOG        log filter of the services (default info,sqlx=warn,sea_orm=warn)
#   E2E_KEEP_LOGS=1     keep the services' logs and the mail directory after a passing run too
#   E2E_STARTUP_SECS    how long each service may take to answer /healthz (default 90)

# shellcheck disable=SC2317 # show_logs, stop_all and cleanup run from the EXIT trap
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STARTED_AT=$SECONDS

PG_ADMIN=(env PGOPTIONS=-cclient_min_messages=warning psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
DB_ALERTS=ebay_alerts_e2e_alerts
DB_ANALYTICS=ebay_alerts_e2e_analytics
REDIS_URL=redis://127.0.0.1:6379
CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
ARTIFACTS=${E2E_ARTIFACTS:-$ROOT/frontend/e2e/artifacts}
STARTUP_SECS=${E2E_STARTUP_SECS:-90}
SERVICE_LOG=${E2E_RUST_LOG:-info,sqlx=warn,sea_orm=warn}

log() { printf '[e2e] %s\n' "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- tools: node, chromium, build
# shellcheck source=scripts/lib/browser.sh
. scripts/lib/browser.sh

# ---------------------------------------------------------------- Postgres, Redis, binaries
scripts/services.sh

# The database names are fixed, so two runs on one machine take turns.
LOCK=${TMPDIR:-/tmp}/ebay-alerts-e2e.lock
if have flock; then
  exec 9>"$LOCK"
  flock -n 9 || {
    log "another e2e run holds $LOCK; waiting (up to 10 min)"
    flock -w 600 9 || die "timed out waiting for the other e2e run"
  }
fi

log "building the binaries (cargo build -p alerts-service -p analytics-service -p ebay-mock -p testkit --bins)"
cargo build -p alerts-service -p analytics-service -p ebay-mock -p testkit --bins ||
  die "cargo build failed: every service of the stack must build for the browser test (see the errors above)"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug
for bin in alerts-service analytics-service ebay-mock smtp-sink; do
  [ -x "$BIN/$bin" ] || die "$BIN/$bin is missing after the build"
done

# ---------------------------------------------------------------- state and clean-up
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ebay-alerts-e2e.XXXXXX")
LOGS=$WORK/logs
MAIL=$WORK/mail
mkdir -p "$LOGS" "$MAIL"
PREFIX="e2e:$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n'):"
ANALYTICS_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
declare -A PIDS=()
ORDER=()
NODE_PID=

show_logs() {
  local name
  for name in "${ORDER[@]}"; do
    [ -f "$LOGS/$name.log" ] || continue
    printf '\n[e2e] ---- last 40 lines of %s (%s) ----\n' "$name" "$LOGS/$name.log" >&2
    tail -n 40 "$LOGS/$name.log" >&2 || true
  done
}

stop_all() {
  local i name pid
  if [ -n "$NODE_PID" ]; then # the browser test, when interrupted (it closes its browser on SIGTERM)
    kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$NODE_PID" 2>/dev/null || true
  fi
  for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
    name=${ORDER[$i]}
    pid=${PIDS[$name]:-}
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for ((i = ${#ORDER[@]} - 1; i >= 0; i--)); do
    name=${ORDER[$i]}
    pid=${PIDS[$name]:-}
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}

cleanup() {
  STATUS=$?
  trap - EXIT INT TERM
  stop_all
  "${PG_ADMIN[@]}" -c "drop database if exists $DB_ALERTS with (force)" \
    -c "drop database if exists $DB_ANALYTICS with (force)" >/dev/null 2>&1 ||
    log "warning: could not drop the e2e databases"
  redis-cli -u "$REDIS_URL" --scan --pattern "$PREFIX*" 2>/dev/null |
    xargs -r -n 500 redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 ||
    log "warning: could not delete the Redis keys under $PREFIX"
  if [ "$STATUS" -eq 130 ] || [ "$STATUS" -eq 143 ]; then
    log "interrupted; stopped everything and removed the databases and Redis keys (logs in $WORK)"
  elif [ "$STATUS" -ne 0 ]; then
    show_logs
    log "FAILED after $((SECONDS - STARTED_AT)) s; logs and mail kept in $WORK; screenshots in $ARTIFACTS"
  elif [ "${E2E_KEEP_LOGS:-}" = 1 ]; then
    log "passed in $((SECONDS - STARTED_AT)) s; logs and mail kept in $WORK; screenshots in $ARTIFACTS"
  else
    rm -rf "$WORK"
    log "passed in $((SECONDS - STARTED_AT)) s; screenshots in $ARTIFACTS"
  fi
  exit "$STATUS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- databases and ports
"${PG_ADMIN[@]}" -c "drop database if exists $DB_ALERTS with (force)" \
  -c "drop database if exists $DB_ANALYTICS with (force)" \
  -c "create database $DB_ALERTS" -c "create database $DB_ANALYTICS" ||
  die "cannot create the databases $DB_ALERTS and $DB_ANALYTICS"

# A port nobody listens on, outside the kernel's ephemeral range (32768+), not handed out twice.
TAKEN=" "
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    case $TAKEN in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      TAKEN="$TAKEN$port "
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}
MOCK_PORT=$(free_port)
ANALYTICS_PORT=$(free_port)
ALERTS_PORT=$(free_port)
ALERTS_URL=http://127.0.0.1:$ALERTS_PORT

# ---------------------------------------------------------------- processes
# Each runs in the work directory (no stray .env) with only the environment given here, and
# without the lock's descriptor (a straggler must not keep the next run waiting).
start() {
  local name=$1
  shift
  (cd "$WORK" && exec env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 RUST_BACKTRACE=1 \
    RUST_LOG="$SERVICE_LOG" LOG_FORMAT=text NO_COLOR=1 "$@") >"$LOGS/$name.log" 2>&1 9>&- &
  PIDS[$name]=$!
  ORDER+=("$name")
}

http_ok() {
  if have curl; then
    curl -fsS -m 2 -o /dev/null "$1" 2>/dev/null
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
  fi
}

# Waits for `url` to answer 2xx while `name` keeps running.
wait_healthy() {
  local name=$1 url=$2 deadline=$((SECONDS + STARTUP_SECS))
  local rc
  until http_ok "$url"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      rc=0
      wait "${PIDS[$name]}" 2>/dev/null || rc=$?
      die "$name exited during start-up with status $rc; its log is below"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not answer $url within $STARTUP_SECS s"
    sleep 0.25
  done
  log "$name is up ($url)"
}

start smtp-sink "$BIN/smtp-sink" --listen 127.0.0.1:0 --dir "$MAIL"
SMTP_ADDR=
for _ in $(seq 1 40); do
  SMTP_ADDR=$(head -n 1 "$LOGS/smtp-sink.log" 2>/dev/null | grep -E '^[0-9.]+:[0-9]+$' || true)
  [ -n "$SMTP_ADDR" ] && break
  kill -0 "${PIDS[smtp-sink]}" 2>/dev/null || die "smtp-sink exited during start-up; its log is below"
  sleep 0.25
done
[ -n "$SMTP_ADDR" ] || die "smtp-sink did not print its address within 10 s"
log "smtp-sink is up (smtp://$SMTP_ADDR, writing into $MAIL)"

start ebay-mock \
  EBAY_MOCK_LISTEN="127.0.0.1:$MOCK_PORT" \
  EBAY_MOCK_WORKERS=2 \
  EBAY_MOCK_ALLOWED_CLIENT_IDS=ebay-alerts-dev \
  "$BIN/ebay-mock"

start analytics-service \
  ANALYTICS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_ANALYTICS" \
  ANALYTICS_DATABASE_MAX_CONNECTIONS=5 \
  REDIS_URL="$REDIS_URL" \
  REDIS_KEY_PREFIX="$PREFIX" \
  PUBSUB_TRANSPORT=streams \
  SMTP_URL="smtp://$SMTP_ADDR" \
  MAIL_FROM="eBay Alerts <alerts@localhost>" \
  PUBLIC_URL="$ALERTS_URL" \
  ANALYTICS_LISTEN="127.0.0.1:$ANALYTICS_PORT" \
  ANALYTICS_API_TOKEN="$ANALYTICS_TOKEN" \
  "$BIN/analytics-service" serve

wait_healthy ebay-mock "http://127.0.0.1:$MOCK_PORT/"
wait_healthy analytics-service "http://127.0.0.1:$ANALYTICS_PORT/healthz"

start alerts-service \
  ALERTS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_ALERTS" \
  ALERTS_DATABASE_MAX_CONNECTIONS=5 \
  REDIS_URL="$REDIS_URL" \
  REDIS_KEY_PREFIX="$PREFIX" \
  PUBSUB_TRANSPORT=streams \
  SMTP_URL="file://$MAIL" \
  MAIL_FROM="eBay Alerts <alerts@localhost>" \
  PUBLIC_URL="$ALERTS_URL" \
  ALERTS_LISTEN="127.0.0.1:$ALERTS_PORT" \
  ANALYTICS_URL="http://127.0.0.1:$ANALYTICS_PORT" \
  ANALYTICS_API_TOKEN="$ANALYTICS_TOKEN" \
  EBAY_ENV=mock \
  EBAY_BASE_URL="http://127.0.0.1:$MOCK_PORT" \
  FRONTEND_DIST="$ROOT/frontend/dist" \
  SCHEDULER_TICK_SECS=5 \
  DEV_OUTBOX=true \
  "$BIN/alerts-service" serve

wait_healthy alerts-service "$ALERTS_URL/healthz"
http_ok "$ALERTS_URL/" || die "alerts-service does not serve the dashboard at $ALERTS_URL/ (FRONTEND_DIST=$ROOT/frontend/dist)"

# ---------------------------------------------------------------- the browser test
log "stack up after $((SECONDS - STARTED_AT)) s; running the browser test against $ALERTS_URL"
# In the background so that an interruption is handled at once, not after the test.
E2E_BASE_URL="$ALERTS_URL" E2E_MAILBOX_URL="file://$MAIL" E2E_ARTIFACTS="$ARTIFACTS" \
  CHROMIUM_PATH="$CHROMIUM_PATH" node frontend/e2e/dashboard.e2e.mjs 9>&- &
NODE_PID=$!
result=0
wait "$NODE_PID" || result=$?
NODE_PID=

# A service that died or panicked in a background task fails the run even if the page passed.
for name in "${ORDER[@]}"; do
  if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
    log "$name is no longer running"
    [ "$result" -ne 0 ] || result=1
  fi
  if grep -q 'panicked at' "$LOGS/$name.log"; then
    log "$name panicked: $(grep -m 1 'panicked at' "$LOGS/$name.log")"
    [ "$result" -ne 0 ] || result=1
  fi
done
mails=$(find "$MAIL" -maxdepth 1 -name '*.eml' | wc -l)
log "smtp-sink received $mails message(s)"
exit "$result"
