#!/bin/sh
# Creates (or upgrades) Temporal's PostgreSQL schemas. Runs once in the temporalio/admin-tools
# image before temporalio/server starts; this is the step that replaces the deprecated
# temporalio/auto-setup image. Mirrors compose/scripts/setup-postgres.sh in
# temporalio/samples-server (the successor of temporalio/docker-compose).
#
# Safe to re-run on an existing volume: `create` ignores an existing database, `setup-schema
# -v 0.0` skips when the schema is already newer, and `update-schema` applies only the
# versioned migrations not yet applied (so a newer admin-tools image upgrades in place).
#
# The password comes from SQL_PASSWORD in the environment (read by temporal-sql-tool).
set -eu

HOST="${POSTGRES_SEEDS:-postgresql}"
PORT="${DB_PORT:-5432}"
USER_NAME="${POSTGRES_USER:-temporal}"
PLUGIN="${SQL_PLUGIN:-postgres12}"
DB="${DBNAME:-temporal}"
VISIBILITY_DB="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin "$PLUGIN" --ep "$HOST" -u "$USER_NAME" -p "$PORT" "$@"
}

echo "Waiting for PostgreSQL at $HOST:$PORT..."
nc -z -w 10 "$HOST" "$PORT"

echo "Setting up database '$DB'..."
sql --db "$DB" create
sql --db "$DB" setup-schema -v 0.0
sql --db "$DB" update-schema -d "$SCHEMA_DIR/temporal/versioned"

echo "Setting up visibility database '$VISIBILITY_DB'..."
sql --db "$VISIBILITY_DB" create
sql --db "$VISIBILITY_DB" setup-schema -v 0.0
sql --db "$VISIBILITY_DB" update-schema -d "$SCHEMA_DIR/visibility/versioned"

echo "PostgreSQL schema setup complete"
