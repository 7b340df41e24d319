#!/usr/bin/env bash
# `make compose-test`: docker-compose.yml and the Dockerfile proven by a real container engine
# (DESIGN §14). On a Debian 12 machine, as root, with no Docker Hub:
#
#   1. installs podman, runc, docker-compose 1.29, debootstrap (Debian packages) if missing;
#   2. builds a Debian base image with debootstrap and, FROM it, local stand-ins for every public
#      image the Dockerfile and the compose file name, tagged with exactly those names so nothing
#      is pulled (deploy/stand-ins/; a name that already holds a real image is used as it is);
#   3. builds the project's images from the repository's own Dockerfile: the three services with
#      `docker-compose build`, the all-in-one `ebay-alerts` image with its target;
#   4. `docker-compose up`, then drives the topology through its published ports only
#      (scripts/lib/compose_e2e.py): sign-in email caught by the SMTP catcher, alert, run, alert
#      email, `products.observed` into analytics, insights back through alerts-service; stops
#      analytics-service, runs the alert again, starts it, and checks no observation was lost;
#      restarts Redis and checks the event stream and consumer group survived;
#   5. runs the all-in-one image with a data volume: sign-in through its outbox page, alert, run,
#      container restart, same session and data;
#   6. `down -v` and removes everything it started (containers, volumes, networks, the podman
#      service), also on failure or Ctrl-C, and checks nothing of it is left.
#
# It copies the working tree (tracked and untracked, not ignored files) into $COMPOSE_TEST_WORK and
# runs there with its own generated .env, so a developer's .env or data never take part.
#
# Settings (environment):
#   COMPOSE_TEST_WORK       scratch directory (default /tmp/ebay-alerts-compose-test)
#   COMPOSE_TEST_HTTP_PORT  host port of alerts-service (default 18080; 8080-8082 are the
#                           project's defaults, used by other tests)
#   COMPOSE_TEST_MAIL_PORT  host port of the SMTP catcher's API (default 18025)
#   COMPOSE_TEST_AIO_PORT   host port of the all-in-one container (default 18090)
#   COMPOSE_TEST_BREAK      `healthcheck` or `image`: break the copy on purpose, to see the test
#                           fail with a clear message (see deploy/README.md)
#   COMPOSE_TEST_REBUILD    1: after the first build, change a source file of alerts-service in
#                           the copy and build again, timing the rebuild (the dependency cache)
#   COMPOSE_TEST_STORAGE    where images, build caches and volumes live: `disk` (podman's own
#                           storage, kept between runs, so rebuilds are warm), `tmpfs` (a
#                           RAM-backed storage of this run only, unmounted at the end: every run is
#                           a cold build, ~5 GB of RAM at the peak) or `auto` (default: tmpfs when
#                           the disk has less than 12 GB free and memory has more)
#   COMPOSE_TEST_KEEP_STORAGE  1: leave the tmpfs mounted at the end, and reuse it next time
#                           (warm rebuilds while working on the Dockerfile; `umount` it after)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${COMPOSE_TEST_WORK:-/tmp/ebay-alerts-compose-test}
HTTP_PORT=${COMPOSE_TEST_HTTP_PORT:-18080}
MAIL_PORT=${COMPOSE_TEST_MAIL_PORT:-18025}
AIO_PORT=${COMPOSE_TEST_AIO_PORT:-18090}
BREAK=${COMPOSE_TEST_BREAK:-}
PROJECT=ebay-alerts-compose-test
AIO_NAME=$PROJECT-all-in-one
AIO_VOLUME=$PROJECT-all-in-one-data
BASE_IMAGE=localhost/local/debian:bookworm
STANDIN_LABEL=io.ebay-alerts.stand-in
SOCK=$WORK/podman.sock
SRC=$WORK/src
STORAGE=${COMPOSE_TEST_STORAGE:-auto}
STORE=$WORK/storage
STORE_MOUNTED=""
PODMAN_ARGS=()
STARTED=$(date +%s)

CHECKS=0
FAILED=0
log() { printf '\n==> [%4ds] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
pass() {
    CHECKS=$((CHECKS + 1))
    echo "  ok  $*"
}
fail() {
    FAILED=1
    printf '\nCOMPOSE TEST FAILED: %s\n' "$*" >&2
    exit 1
}
elapsed() { echo "$(($(date +%s) - $1))s"; }

case "$BREAK" in "" | healthcheck | image) ;; *) fail "COMPOSE_TEST_BREAK must be healthcheck or image, not '$BREAK'" ;; esac
case "$STORAGE" in auto | disk | tmpfs) ;; *) fail "COMPOSE_TEST_STORAGE must be auto, disk or tmpfs, not '$STORAGE'" ;; esac
[ "$(id -u)" = 0 ] || fail "run as root: it installs packages and runs podman as root"

# Every podman call of this script (and of the processes it starts) uses the chosen storage.
podman() { command podman "${PODMAN_ARGS[@]}" "$@"; }

choose_storage() {
    if [ "$STORAGE" != disk ] && mountpoint -q "$STORE"; then
        echo "   reusing the storage tmpfs kept by an earlier run (COMPOSE_TEST_KEEP_STORAGE=1)"
        STORAGE=tmpfs
        STORE_MOUNTED=1
        PODMAN_ARGS=(--root "$STORE/root" --runroot "$STORE/run")
        export TMPDIR=$STORE/tmp
        return
    fi
    if [ "$STORAGE" = auto ]; then
        local disk_gb mem_gb
        mkdir -p /var/lib/containers
        disk_gb=$(($(df -Pk /var/lib/containers | awk 'NR==2 {print $4}') / 1048576))
        mem_gb=$(($(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) / 1048576))
        if [ "$disk_gb" -lt 12 ] && [ "$mem_gb" -ge 12 ]; then
            STORAGE=tmpfs
            echo "   ${disk_gb} GB free on disk, ${mem_gb} GB of memory available: images and caches go to a tmpfs (cold build)"
        else
            STORAGE=disk
        fi
    fi
    if [ "$STORAGE" = tmpfs ]; then
        mkdir -p "$STORE"
        mount -t tmpfs -o size=12g,mode=0700 ebay-alerts-compose-test "$STORE"
        STORE_MOUNTED=1
        mkdir -p "$STORE/root" "$STORE/run" "$STORE/tmp"
        PODMAN_ARGS=(--root "$STORE/root" --runroot "$STORE/run")
        # buildah keeps RUN --mount=type=cache directories under $TMPDIR.
        export TMPDIR=$STORE/tmp
    fi
}

# ---- 1. packages and engine configuration ----------------------------------------------------

install_packages() {
    local missing=()
    # `type -P`, not `command -v`: the podman() wrapper above would count as installed.
    type -P podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v curl >/dev/null || missing+=(curl)
    command -v python3 >/dev/null || missing+=(python3)
    command -v openssl >/dev/null || missing+=(openssl)
    if [ ${#missing[@]} -gt 0 ] || ! command -v docker-compose >/dev/null; then
        log "installing ${missing[*]} docker-compose (Debian packages)"
        export DEBIAN_FRONTEND=noninteractive
        local apt="apt-get -o DPkg::Lock::Timeout=600 -qq"
        $apt update
        # Recommends bring netavark, aardvark-dns (container DNS), catatonit (init: true),
        # slirp4netns, fuse-overlayfs and buildah.
        [ ${#missing[@]} -eq 0 ] || $apt install -y "${missing[@]}" >/dev/null
        # docker-compose 1.29 (Python); without recommends so docker.io stays out.
        $apt install -y --no-install-recommends docker-compose >/dev/null
    fi
    # crun fails on this host's hybrid cgroups (runc works, limits applied); hard rlimits cannot
    # be raised here, so containers get the host's. Written once, kept if already ours.
    local conf=/etc/containers/containers.conf nofile
    nofile=$(ulimit -Hn)
    if ! grep -q 'runtime = "runc"' "$conf" 2>/dev/null; then
        [ ! -s "$conf" ] || fail "$conf exists with other settings; add runtime = \"runc\" and default_ulimits (see deploy/README.md)"
        mkdir -p /etc/containers
        cat >"$conf" <<EOF
# Written by eBay Alerts' scripts/compose-test.sh (see deploy/README.md, "Compose test").
[containers]
# No CAP_SYS_RESOURCE here: the runtime cannot raise hard rlimits above the host's.
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]
[engine]
# crun rejects this host's hybrid cgroup v1/v2 layout; runc works.
runtime = "runc"
EOF
    fi
}

# ---- 2. base image and stand-ins ---------------------------------------------------------------

mirror_url() {
    local u
    u=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$u" ] || u=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$u" ] || fail "no Debian mirror found in apt's sources (debootstrap needs one)"
    echo "$u"
}

build_base_image() {
    podman image exists "$BASE_IMAGE" && return
    local rootfs=${TMPDIR:-$WORK}/rootfs mirror
    mirror=$(mirror_url)
    log "debootstrap: Debian bookworm (minbase) from $mirror as $BASE_IMAGE"
    rm -rf "$rootfs"
    nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
        fail "debootstrap failed, see $WORK/debootstrap.log"
    rm -f "$rootfs/etc/apt/sources.list"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
    else
        echo "deb $mirror bookworm main" >"$rootfs/etc/apt/sources.list"
    fi
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n' \
        >"$rootfs/etc/apt/apt.conf.d/90container"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

# Public image names used by the Dockerfile (FROM, not stage names) and the compose file
# (`image:` of services that are not built).
public_images() {
    awk 'toupper($1)=="FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }
         toupper($1)=="FROM" && toupper($(NF-1))=="AS" { print "stage:" $NF }' "$ROOT/Dockerfile" |
        awk '/^stage:/ { stages[substr($0, 7)] = 1; next } { names[$0] = 1 }
             END { for (n in names) if (!(n in stages)) print n }'
    awk '/^  [a-z-]+:$/ { svc = $1 } /^    build:/ { built[svc] = 1 }
         /^    image:/ { img[svc] = $2 }
         END { for (s in img) if (!(s in built)) print img[s] }' "$ROOT/docker-compose.yml" | tr -d '"'
}

qualified() { case "$1" in */*) echo "docker.io/$1" ;; *) echo "docker.io/library/$1" ;; esac; }

STANDINS=()
REAL_IMAGES=()
build_standin() {
    local name=$1 full dir args=()
    full=$(qualified "$name")
    if podman image exists "$full"; then
        local label
        label=$(podman image inspect --format "{{index .Labels \"$STANDIN_LABEL\"}}" "$full" 2>/dev/null || true)
        if [ -z "$label" ] && [ "$(podman image inspect --format '{{.Id}}' "$full")" != "$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")" ]; then
            REAL_IMAGES+=("$name")
            return
        fi
    fi
    case "$name" in
        debian:bookworm-slim)
            podman tag "$BASE_IMAGE" "$full"
            STANDINS+=("$name = debootstrap --variant=minbase bookworm (about what -slim is)")
            return ;;
        rust:*)
            local want=${name#rust:} have sysroot
            want=${want%%-*}
            have=$(rustc --version 2>/dev/null | awk '{print $2}') ||
                fail "no host Rust toolchain to put into the $name stand-in"
            case "$have" in "$want" | "$want".*) ;; *) echo "   note: $name stand-in carries the host's rustc $have" ;; esac
            sysroot=$(rustc --print sysroot)
            dir=rust
            args=(-v "$sysroot:/toolchain:ro")
            STANDINS+=("$name = Debian bookworm + gcc + the host's Rust $have toolchain + the host's CA bundle") ;;
        node:*)
            command -v node >/dev/null || fail "no host Node.js to put into the $name stand-in"
            local prefix
            prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
            [ -d "$prefix/lib/node_modules/npm" ] || fail "npm not found under $prefix/lib/node_modules"
            dir=node
            args=(-v "$prefix:/host:ro")
            STANDINS+=("$name = Debian bookworm + the host's Node.js $(node --version) and npm + the host's CA bundle") ;;
        postgres:*)
            dir=postgres
            STANDINS+=("$name = Debian's PostgreSQL 15 with a reduced copy of the official entry point") ;;
        redis:*)
            dir=redis
            STANDINS+=("$name = Debian's Redis 7.0 with a reduced copy of the official entry point") ;;
        axllent/mailpit:*)
            dir=mailpit
            STANDINS+=("$name = a Python SMTP catcher with Mailpit's message API, no web UI") ;;
        *) fail "no stand-in for the public image $name (used by the Dockerfile or docker-compose.yml): add one under deploy/stand-ins/" ;;
    esac
    podman build -q --layers --label "$STANDIN_LABEL=$name" \
        -v /etc/ssl/certs/ca-certificates.crt:/host-ca.crt:ro "${args[@]}" \
        -t "$full" "$ROOT/deploy/stand-ins/$dir" >"$WORK/standin-$dir.log" 2>&1 ||
        fail "building the stand-in for $name failed, see $WORK/standin-$dir.log"
}

# ---- engine process and cleanup ----------------------------------------------------------------

SERVICE_PID=""
PUMP_PID=""
COMPOSE_UP=""
AIO_STARTED=""

compose() {
    local files=(-f "$SRC/docker-compose.yml")
    if [ "${1:-}" = -f ]; then
        files+=(-f "$2")
        shift 2
    fi
    docker-compose -p "$PROJECT" --project-directory "$SRC" "${files[@]}" "$@"
}

start_engine() {
    rm -f "$SOCK"
    # `command`: the podman function in the background would be a subshell, and $! its PID.
    command podman "${PODMAN_ARGS[@]}" system service --time=0 "unix://$SOCK" >"$WORK/podman-service.log" 2>&1 &
    SERVICE_PID=$!
    for _ in $(seq 100); do curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 || fail "podman's API service did not start, see $WORK/podman-service.log"
    # Podman runs healthchecks from systemd timers; without systemd every healthcheck would stay
    # "starting" and depends_on: service_healthy would wait forever. This loop does the timers'
    # job every 2 s for this project's containers (retries, timeout, start_period still apply).
    # shellcheck disable=SC2016 # expanded by the inner shell, from its environment
    PROJECT=$PROJECT AIO_NAME=$AIO_NAME PODMAN_FLAGS="${PODMAN_ARGS[*]}" setsid bash -c '
        while :; do
            # shellcheck disable=SC2086 # PODMAN_FLAGS is a list of words without spaces inside
            for id in $(podman $PODMAN_FLAGS ps -q --filter "label=com.docker.compose.project=$PROJECT"
                        podman $PODMAN_FLAGS ps -q --filter "name=^$AIO_NAME\$"); do
                podman $PODMAN_FLAGS healthcheck run "$id" >/dev/null 2>&1 &
            done
            wait; sleep 2
        done' >/dev/null 2>&1 &
    PUMP_PID=$!
    export DOCKER_HOST=unix://$SOCK COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0 COMPOSE_HTTP_TIMEOUT=300
}

leftovers() {
    {
        podman ps -a -q --filter "label=com.docker.compose.project=$PROJECT"
        podman ps -a -q --filter "name=^$AIO_NAME\$"
        podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT"
        podman volume ls -q --filter "name=^$AIO_VOLUME\$"
        podman network ls -q --filter "label=com.docker.compose.project=$PROJECT"
    } 2>/dev/null
}

remove_project() {
    if [ -f "$SRC/docker-compose.yml" ] && [ -n "${DOCKER_HOST:-}" ]; then
        compose down -v --remove-orphans --timeout 20 >>"$WORK/down.log" 2>&1 || true
    fi
    podman rm -f -t 10 "$AIO_NAME" >/dev/null 2>&1 || true
    podman volume rm -f "$AIO_VOLUME" >/dev/null 2>&1 || true
    # What compose could not remove (e.g. a container created by an interrupted `up`).
    local kind id
    for kind in container volume network; do
        for id in $(podman "$kind" ls -a -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null ||
                    podman "$kind" ls -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
            podman "$kind" rm -f "$id" >/dev/null 2>&1 || true
        done
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ -n "$COMPOSE_UP$AIO_STARTED" ] || [ -n "$(leftovers)" ]; then
        log "tearing down: docker-compose down -v, the all-in-one container and its volume"
        remove_project
    fi
    [ -z "$PUMP_PID" ] || kill -- "-$PUMP_PID" 2>/dev/null
    if [ -n "$SERVICE_PID" ]; then
        kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
    fi
    local proc="" _
    # Give both a moment to exit after the signal.
    for _ in $(seq 50); do
        { [ -z "$PUMP_PID" ] || ! kill -0 "$PUMP_PID" 2>/dev/null; } &&
            { [ -z "$SERVICE_PID" ] || ! kill -0 "$SERVICE_PID" 2>/dev/null; } && break
        sleep 0.1
    done
    if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then proc="podman service (pid $SERVICE_PID) "; fi
    if [ -n "$PUMP_PID" ] && kill -0 "$PUMP_PID" 2>/dev/null; then proc+="healthcheck loop (pid $PUMP_PID)"; fi
    rm -f "$SOCK"
    local left
    left="$(leftovers | tr '\n' ' ')$proc"
    if [ -n "$left" ]; then
        printf '\nCOMPOSE TEST FAILED: left behind after tear-down: %s\n' "$left" >&2
        rc=1
        FAILED=$((FAILED + 1))
    elif [ "$rc" = 0 ]; then
        pass "nothing of the test is left: no container, volume, network or process (podman service, healthcheck loop)"
    fi
    if [ -n "$STORE_MOUNTED" ] && [ "${COMPOSE_TEST_KEEP_STORAGE:-0}" = 1 ]; then
        echo "   images and caches kept in the tmpfs $STORE (umount $STORE frees the memory)"
    elif [ -n "$STORE_MOUNTED" ]; then
        # The run's images, caches and volumes go with the tmpfs.
        umount -R "$STORE" 2>/dev/null || umount -R -l "$STORE" ||
            { echo "COMPOSE TEST: could not unmount $STORE" >&2; rc=1; }
    fi
    [ "$rc" = 0 ] || [ "$FAILED" != 0 ] || FAILED=1
    [ "$rc" != 0 ] || [ "$FAILED" = 0 ] || rc=1
    # The plain closing line CI reads.
    echo "compose-test: $CHECKS passed, $FAILED failed"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 4. topology helpers ------------------------------------------------------------------------

container_of() { compose ps -q "$1" 2>/dev/null | head -n 1; }

# Explains why a service is not healthy: state, the healthcheck's last output, its last log lines.
explain() {
    local svc=$1 id
    id=$(container_of "$svc")
    if [ -z "$id" ]; then
        echo "   $svc: no container (it was never created)"
        return
    fi
    echo "   $svc: $(podman inspect --format '{{.State.Status}} (exit code {{.State.ExitCode}}), health {{.State.Health.Status}}' "$id" 2>/dev/null)"
    local probe
    probe=$(podman inspect --format '{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}' "$id" 2>/dev/null | grep -v '^$' | tail -n 1 || true)
    [ -z "$probe" ] || echo "   last healthcheck (exit code: output): $probe"
    echo "   last log lines:"
    podman logs --tail 15 "$id" 2>&1 | sed 's/^/     | /' || true
}

wait_healthy() {
    local timeout=$1 svc id status restarts deadline=$(($(date +%s) + $1))
    shift
    for svc in "$@"; do
        while :; do
            id=$(container_of "$svc")
            status=$([ -z "$id" ] || podman inspect --format '{{.State.Status}}/{{.State.Health.Status}}' "$id" 2>/dev/null || true)
            restarts=$([ -z "$id" ] || podman inspect --format '{{.RestartCount}}' "$id" 2>/dev/null || true)
            # Only for the first start: later waits follow restarts the test makes itself.
            if [ -z "${AFTER_FIRST_START:-}" ] && [ "${restarts:-0}" -gt 0 ] && [ "$status" != running/healthy ]; then
                explain "$svc"
                fail "service $svc keeps restarting ($restarts restarts so far): it exits soon after it starts (see above)"
            fi
            case "$status" in
                running/healthy) break ;;
                exited/* | */unhealthy)
                    echo "   $svc is $status"
                    explain "$svc"
                    fail "service $svc is $status (see above)" ;;
            esac
            if [ "$(date +%s)" -ge "$deadline" ]; then
                explain "$svc"
                fail "service $svc did not become healthy within ${timeout}s (state: ${status:-none})"
            fi
            sleep 1
        done
    done
}

# Runs one phase of scripts/lib/compose_e2e.py; its `  ok` lines count as passed checks.
e2e() {
    local rc=0
    python3 "$ROOT/scripts/lib/compose_e2e.py" "$@" | tee "$WORK/e2e.out" || rc=$?
    CHECKS=$((CHECKS + $(grep -c '^  ok ' "$WORK/e2e.out" || true)))
    return "$rc"
}

# ---- main ------------------------------------------------------------------------------------------

mkdir -p "$WORK"
install_packages
choose_storage
rm -f "$SOCK"
start_engine
if [ -n "$(leftovers)" ]; then
    log "removing what an interrupted earlier run left behind"
    [ -f "$SRC/docker-compose.yml" ] || true
    remove_project
fi

log "copying the working tree to $SRC, with a generated .env"
rm -rf "$SRC"
mkdir -p "$SRC"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) | tar -C "$SRC" -xf -
# The deployment's own template, filled in as deploy/README.md tells operators to.
sed -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$(openssl rand -hex 24)/" \
    -e "s/^ANALYTICS_API_TOKEN=.*/ANALYTICS_API_TOKEN=$(openssl rand -hex 32)/" \
    -e "s/^HTTP_PORT=.*/HTTP_PORT=$HTTP_PORT/" \
    -e "s/^MAILPIT_UI_PORT=.*/MAILPIT_UI_PORT=$MAIL_PORT/" \
    -e "s#^PUBLIC_URL=.*#PUBLIC_URL=http://localhost:$HTTP_PORT#" \
    -e "s/^COMPOSE_PROJECT_NAME=.*/COMPOSE_PROJECT_NAME=$PROJECT/" \
    "$SRC/.env.example" >"$SRC/.env"
case "$BREAK" in
    healthcheck)
        echo "   COMPOSE_TEST_BREAK=healthcheck: analytics-service's healthcheck probes a path that does not exist"
        sed -i 's#http://127.0.0.1:8081/healthz#http://127.0.0.1:8081/no-such-health-path#' "$SRC/docker-compose.yml" ;;
    image)
        echo "   COMPOSE_TEST_BREAK=image: the ebay-mock image is built without its binary"
        sed -i '\#^COPY --from=builder /out/ebay-mock #d' "$SRC/Dockerfile" ;;
esac

log "base image and stand-ins for the public images"
t=$(date +%s)
build_base_image
mapfile -t PUBLIC < <(public_images | sort -u)
for image in "${PUBLIC[@]}"; do build_standin "$image"; done
echo "   done in $(elapsed "$t")"

build_images() {
    local t
    t=$(date +%s)
    compose build >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; fail "docker-compose build failed (full log: $WORK/build.log)"; }
    pass "service images built in $(elapsed "$t")$1"
    t=$(date +%s)
    # Through the same engine API as docker-compose build, so the two share the layer cache.
    cat >"$WORK/all-in-one.yml" <<'EOF'
services:
  ebay-alerts:
    build:
      context: .
      dockerfile: Dockerfile
      target: ebay-alerts
    image: ebay-alerts:latest
EOF
    compose -f "$WORK/all-in-one.yml" build ebay-alerts >"$WORK/build-all-in-one.log" 2>&1 ||
        { tail -n 40 "$WORK/build-all-in-one.log"; fail "building the all-in-one image (target ebay-alerts) failed (full log: $WORK/build-all-in-one.log)"; }
    pass "all-in-one image ebay-alerts built in $(elapsed "$t")$1"
}
log "building the project's images from its Dockerfile (docker-compose build; the first build compiles the workspace in release)"
build_images ""
if [ "${COMPOSE_TEST_REBUILD:-0}" = 1 ]; then
    log "rebuilding after a code change in alerts-service (reuses the cargo registry and target caches)"
    echo "// compose-test: a code change" >>"$SRC/alerts-service/src/main.rs"
    t0=$(date +%s)
    build_images " (after a code change)"
    echo "   rebuild after a code change: $(elapsed "$t0")"
fi

log "docker-compose up -d (each service waits for its dependencies to be healthy)"
t=$(date +%s)
COMPOSE_UP=1
if ! timeout 600 docker-compose -p "$PROJECT" --project-directory "$SRC" -f "$SRC/docker-compose.yml" \
    ${COMPOSE_TEST_VERBOSE:+--verbose} up -d >"$WORK/up.log" 2>&1; then
    cat "$WORK/up.log"
    for svc in postgres redis mailpit ebay-mock analytics-service alerts-service; do explain "$svc"; done
    fail "docker-compose up failed (see above)"
fi
wait_healthy 240 postgres redis mailpit ebay-mock analytics-service alerts-service
AFTER_FIRST_START=1
pass "all six services healthy in $(elapsed "$t")"
compose ps

BASE=http://localhost:$HTTP_PORT
MAIL=http://127.0.0.1:$MAIL_PORT
STATE=$WORK/e2e-state.json
log "end to end through the published ports ($BASE, SMTP catcher API $MAIL)"
e2e topology "$BASE" "$MAIL" "$STATE" --phase first || fail "end-to-end checks of the topology"

log "analytics-service stopped while a run publishes its events, then started again"
compose stop analytics-service >/dev/null 2>&1
e2e topology "$BASE" "$MAIL" "$STATE" --phase while-down || fail "run while analytics-service was down"
compose start analytics-service >/dev/null 2>&1
wait_healthy 120 analytics-service
pass "analytics-service healthy again"
e2e topology "$BASE" "$MAIL" "$STATE" --phase after-restart || fail "events published while analytics-service was down were lost"

log "Redis restarted: the event stream and analytics' consumer group must survive (append-only file)"
compose restart redis >/dev/null 2>&1
wait_healthy 60 redis
pass "redis healthy again"
e2e topology "$BASE" "$MAIL" "$STATE" --phase after-restart || fail "events after the Redis restart were lost"

log "docker-compose down -v"
compose down -v --remove-orphans --timeout 30 >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log"; fail "docker-compose down -v"; }
COMPOSE_UP=""
[ -z "$(leftovers)" ] || fail "docker-compose down -v left: $(leftovers | tr '\n' ' ')"
pass "docker-compose down -v removed the project's containers, volumes and network"

log "all-in-one image: docker run -p $AIO_PORT:8080 -v $AIO_VOLUME:/data ebay-alerts"
AIO_STARTED=1
AIO_BASE=http://localhost:$AIO_PORT
podman run -d --name "$AIO_NAME" -p "127.0.0.1:$AIO_PORT:8080" -v "$AIO_VOLUME:/data" \
    -e "PUBLIC_URL=$AIO_BASE" ebay-alerts:latest >/dev/null
wait_aio() {
    local status
    for _ in $(seq 120); do
        status=$(podman inspect --format '{{.State.Health.Status}}' "$AIO_NAME" 2>/dev/null || true)
        if [ "$status" = healthy ]; then
            pass "all-in-one container healthy (the image's HEALTHCHECK)"
            return
        fi
        [ "$(podman inspect --format '{{.State.Status}}' "$AIO_NAME")" = running ] ||
            { podman logs --tail 20 "$AIO_NAME"; fail "the all-in-one container exited"; }
        sleep 1
    done
    podman logs --tail 20 "$AIO_NAME"
    fail "the all-in-one container did not become healthy within 120 s (health: ${status:-none})"
}
wait_aio
e2e all-in-one "$AIO_BASE" "$STATE" --phase first || fail "end-to-end checks of the all-in-one image"
t=$(date +%s)
podman stop -t 20 "$AIO_NAME" >/dev/null
stop_s=$(($(date +%s) - t))
podman logs --tail 3 "$AIO_NAME" 2>&1 | grep -q "stopped cleanly" ||
    { podman logs --tail 20 "$AIO_NAME"; fail "the all-in-one container did not stop cleanly on SIGTERM"; }
pass "stopped cleanly on SIGTERM in ${stop_s}s"
podman start "$AIO_NAME" >/dev/null
wait_aio
e2e all-in-one "$AIO_BASE" "$STATE" --phase after-restart || fail "the all-in-one container lost data across a restart"
podman rm -f "$AIO_NAME" >/dev/null
podman volume rm "$AIO_VOLUME" >/dev/null
AIO_STARTED=""

cat <<EOF

==> COMPOSE TEST PASSED in $(elapsed "$STARTED")
Built from this repository's Dockerfile: ebay-alerts/{alerts-service,analytics-service,ebay-mock}, ebay-alerts.
Public images replaced by local stand-ins (deploy/stand-ins/), tagged with the public names:
$(for s in "${STANDINS[@]}"; do echo "  * $s"; done)
$( [ ${#REAL_IMAGES[@]} -eq 0 ] || echo "Real images found locally and used: ${REAL_IMAGES[*]}")
What a stand-in cannot prove: that the real images exist under those tags and behave the same
(Postgres 17 rather than 15, Redis 7.4 on Alpine rather than 7.0 on Debian, Mailpit's own
binary, web UI and readyz, the official entry points beyond POSTGRES_*, initdb.d, the socket
directory and protected mode), and that the rust and node images build the same (a different
patch release, their own CA bundle). The engine is podman $(podman --version | awk '{print $3}') with docker-compose
$(docker-compose version --short 2>/dev/null), not Docker Engine with Compose v2, and builds use buildah,
not BuildKit.
EOF
