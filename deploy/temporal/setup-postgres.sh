#!/bin/sh
# Temporal's schema in PostgreSQL, with its own tool (temporalio/admin-tools): create the databases
# if missing, then apply every versioned schema not yet applied. Safe to run on every start.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${DB_PORT:?}"
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

for db in temporal temporal_visibility; do
  tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${DB_PORT} -u ${POSTGRES_USER} --db ${db}"
  $tool create-database || echo "database ${db} exists"
done

temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" --db temporal \
  setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" --db temporal \
  update-schema -d "${SCHEMA_DIR}/temporal/versioned"
temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" --db temporal_visibility \
  setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" --db temporal_visibility \
  update-schema -d "${SCHEMA_DIR}/visibility/versioned"
echo "Temporal schema is up to date"
