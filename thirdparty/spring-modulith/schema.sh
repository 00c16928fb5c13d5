#!/usr/bin/env bash
# The manifest's schema command: the ledger tables every SUT here serves, the reference consumer's
# inbox, and the event publication table exactly as the library ships it for PostgreSQL (the jar
# prints the DDL from the spring-modulith-events-jdbc resources on its class path).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cat "$here/../../reference-impl/ledger.sql" "$here/schema.sql"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -jar "$here/target/outbox-chaos-modulith.jar" schema
