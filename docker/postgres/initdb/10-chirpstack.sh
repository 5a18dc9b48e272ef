#!/bin/sh
# First start of the stack's PostgreSQL (an empty data volume): the role and database of ChirpStack v4, and the
# extensions its migrations need (pg_trgm for the search, hstore for the key/value columns of older schemas).
# The password comes from the environment (CHIRPSTACK_DB_PASSWORD in docker/.env), never from this file.
set -eu

if [ -z "${CHIRPSTACK_DB_PASSWORD:-}" ]; then
  echo "postgres init: CHIRPSTACK_DB_PASSWORD is not set (docker/.env, see docker/env.example)" >&2
  exit 64
fi

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v chirpstack_password="$CHIRPSTACK_DB_PASSWORD" <<'SQL'
CREATE ROLE chirpstack WITH LOGIN PASSWORD :'chirpstack_password';
CREATE DATABASE chirpstack WITH OWNER chirpstack;
\connect chirpstack
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS hstore;
SQL
