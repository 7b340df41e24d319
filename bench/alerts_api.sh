#!/usr/bin/env bash
# Load test of the alerts REST API (issue targets: list >= 8,000 req/s with p99 <= 20 ms, create
# >= 3,500 req/s; 32 connections) with wrk against `alerts-service serve` (release) on Postgres.
# The load generator, the service, Postgres and Redis share the machine's cores.
#
#   bench/alerts_api.sh            # 15 s per scenario
#   DURATION=30s bench/alerts_api.sh
#   ONLY=list bench/alerts_api.sh  # one scenario (list or create)
#   PERF=1 bench/alerts_api.sh     # also perf-record the service: bench/out/<scenario>.perf
#
# Over TCP by default; DB_URL_PARAMS='?host=/var/run/postgresql' uses Postgres's Unix socket
# (as compose does; see README "Connecting to Postgres").
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
MOCK_PORT=${MOCK_PORT:-18082}
DB=ebay_alerts_bench_api
OUT=bench/out
mkdir -p "$OUT"

scripts/services.sh
command -v wrk >/dev/null || { echo "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

BIN=${BIN:-target/release}
[ "$BIN" = target/release ] && cargo build --release -q -p alerts-service -p ebay-mock
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null

export ALERTS_DATABASE_URL="${DB_URL_BASE:-postgres://postgres@127.0.0.1:5432}/$DB${DB_URL_PARAMS:-}"
export REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX="bench-api:" SMTP_URL="file://$PWD/$OUT/mail"
export EBAY_ENV=mock EBAY_BASE_URL="http://127.0.0.1:$MOCK_PORT" ALERTS_LISTEN="127.0.0.1:$PORT"
export PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn ALERTS_DATABASE_MAX_CONNECTIONS=${DB_CONNECTIONS:-32}

EBAY_MOCK_LISTEN="127.0.0.1:$MOCK_PORT" $BIN/ebay-mock >"$OUT/mock.log" 2>&1 &
MOCK=$!
$BIN/alerts-service serve --no-scheduler >"$OUT/alerts.log" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE $MOCK 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

LIST_TOKEN=$($BIN/alerts-service token create --email list@bench.test)
CREATE_TOKEN=$($BIN/alerts-service token create --email create@bench.test)

echo "seeding 1,000 alerts for the list user"
python3 - "$PORT" "$LIST_TOKEN" <<'PY'
import json, sys, urllib.request, concurrent.futures
port, token = sys.argv[1], sys.argv[2]
def create(i):
    body = json.dumps({"search_phrase": f"seed phrase {i}", "frequency_minutes": 60, "max_price": "100"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/alerts", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(create, range(1000)))
PY
# Autovacuum would analyse the freshly seeded table within a minute; do it now so the planner
# sees 1,000 rows rather than an empty table's defaults.
psql -h 127.0.0.1 -U postgres -d "$DB" -qc "VACUUM ANALYZE" >/dev/null

cat >"$OUT/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format('{"search_phrase":"wrk phrase %d","frequency_minutes":30,"min_price":"10","max_price":"200"}', n))
end
LUA

# CPU time (clock ticks) of the processes named $1, or of the whole machine (busy) without $1.
cpu_ticks() {
  if [ $# = 0 ]; then awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; return; fi
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v n="($1)" '$2 == n {t += $14 + $15} END {print t + 0}'
}

# Runs wrk with the given arguments for one scenario, perf-recording the service when PERF=1,
# and prints where the machine's CPU went: service, Postgres, Redis, the rest (wrk, kernel).
scenario() {
  local name=$1 title=$2; shift 2
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then return; fi
  echo "== $name: $title, $CONNECTIONS connections, $DURATION"
  local perf=
  if [ "${PERF:-}" = 1 ]; then
    perf record -q -g -p "$SERVICE" -o "$OUT/$name.perf" 2>/dev/null & perf=$!
  fi
  local before=($(cpu_ticks) $(cpu_ticks alerts-service) $(cpu_ticks postgres) $(cpu_ticks redis-server))
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | tee "$OUT/$name.txt"
  local after=($(cpu_ticks) $(cpu_ticks alerts-service) $(cpu_ticks postgres) $(cpu_ticks redis-server))
  python3 - "${before[@]}" "${after[@]}" <<'PY'
import sys
b, a = [int(x) for x in sys.argv[1:5]], [int(x) for x in sys.argv[5:9]]
busy, service, postgres, redis = (a[i] - b[i] for i in range(4))
rest = busy - service - postgres - redis
share = lambda t: f"{100 * t / busy:.0f}%" if busy else "-"
print(f"CPU busy {busy / 100:.1f} core-s: service {share(service)}, Postgres {share(postgres)}, "
      f"Redis {share(redis)}, rest (wrk, kernel) {share(rest)}")
PY
  if [ -n "$perf" ]; then kill -INT "$perf"; wait "$perf" || true; echo "profile: perf report -i $OUT/$name.perf"; fi
}

scenario list "GET /api/v1/alerts?per_page=20 (1,000 alerts owned)" -H "Authorization: Bearer $LIST_TOKEN" "http://127.0.0.1:$PORT/api/v1/alerts?per_page=20"
scenario create "POST /api/v1/alerts" -H "Authorization: Bearer $CREATE_TOKEN" -s "$OUT/create.lua" "http://127.0.0.1:$PORT/api/v1/alerts"
echo "== outbox backlog after the create run"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^alerts_outbox_backlog|status="5' || true
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
redis-cli --scan --pattern 'bench-api:*' | xargs -r redis-cli del >/dev/null
