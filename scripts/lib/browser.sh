# Sourced by scripts/e2e.sh and scripts/screenshots.sh (which define log, die and have, and set
# CHROMIUM_PATH): makes sure Node.js, Chromium, the dashboard's packages and a current dashboard
# build are there, installing or building what is missing.
if ! have node || ! have npm; then
  die "Node.js 20.19+ and npm are needed (the dashboard's build and the browser test)"
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "Node.js 20.19+ is needed; this is $(node --version)"

if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$CHROMIUM_PATH" = /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] && have apt-get; then
    log "chromium is missing: running 'apt-get update -qq && apt-get install -y -qq chromium' (one-off, a few minutes)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
    log "installed $("$CHROMIUM_PATH" --version 2>/dev/null || echo chromium)"
  else
    die "no browser at $CHROMIUM_PATH: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH"
  fi
fi

# shellcheck source=scripts/lib/npm.sh
. scripts/lib/npm.sh
ensure_node_modules || die "npm ci failed (see above)"


dist_stale() {
  [ -f frontend/dist/index.html ] || return 0
  local newer
  newer=$(find frontend/src frontend/public frontend/scripts frontend/index.html frontend/package.json \
    frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json \
    -newer frontend/dist/index.html -print -quit 2>/dev/null || true)
  [ -n "$newer" ]
}
if dist_stale; then
  log "building the dashboard (npm run build)"
  (cd frontend && npm run build --silent) || die "npm run build failed (see above)"
fi

