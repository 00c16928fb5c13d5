#!/bin/bash
# Entry point of the local postgres image, compatible with the official image's interface:
# POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_HOST_AUTH_METHOD, PGDATA, and a command of
# "postgres" followed by server options (-c name=value ...).
set -euo pipefail
[[ ${1:-} == postgres ]] && shift
bin=/usr/lib/postgresql/15/bin
: "${PGDATA:=/var/lib/postgresql/data}"
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ $auth != trust && -z ${POSTGRES_PASSWORD:-} ]]; then
    echo "postgres: set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust" >&2
    exit 1
  fi
  install -d -o postgres -g postgres -m 700 "$PGDATA"
  args=(-D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --auth-local=trust --auth-host="$auth" --encoding=UTF8 --locale=C.UTF-8)
  if [[ -n ${POSTGRES_PASSWORD:-} ]]; then
    pwfile=$(mktemp)
    printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
    args+=(--pwfile="$pwfile")
  fi
  runuser -u postgres -- "$bin/initdb" "${args[@]}" > /dev/null
  rm -f "${pwfile:-}"
  echo "host all all all $auth" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
fi
exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA" "$@"
