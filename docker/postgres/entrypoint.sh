#!/bin/bash
# First start on an empty volume: initdb with password authentication for
# network clients, the database POSTGRES_DB owned by POSTGRES_USER. Then
# PostgreSQL runs as PID 1 (SIGINT from `stop`: fast shutdown).
set -euo pipefail
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
  echo "POSTGRES_PASSWORD must be set" >&2
  exit 1
fi
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf '%s\n' "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [[ $POSTGRES_DB != postgres ]]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
