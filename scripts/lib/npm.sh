# Sourced by scripts that need the dashboard's packages (run.sh, test.sh, lint.sh, lib/browser.sh):
# `ensure_node_modules` runs `npm ci` in frontend/ unless node_modules is a complete install of
# package-lock.json (scripts/lib/node-modules-ok.mjs), so an interrupted install is repaired
# instead of failing later with "sh: tsc: not found".
ensure_node_modules() {
  local root why
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  if why=$(node "$root/scripts/lib/node-modules-ok.mjs" "$root/frontend" 2>&1); then
    return 0
  fi
  echo "==> installing the dashboard's packages (npm ci): $why" >&2
  (cd "$root/frontend" && npm ci --no-audit --no-fund --loglevel=error)
}
