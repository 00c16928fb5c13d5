#!/usr/bin/env bash
# Runs Kafka Connect standalone with the Debezium PostgreSQL connector and the Outbox Event Router.
# It writes the worker and connector properties from the harness's env into STATE_DIR (kept across
# this replica's restarts, like a disk, so the offsets file survives a crash), then becomes the JVM
# (exec), so the harness's signals reach Java itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${DATABASE_URL:?}" "${DATABASE:?}" "${KAFKA_BROKERS:?}" "${TOPIC:?}" "${STATE_DIR:?}" "${DEBEZIUM_LIBS:?}"
[[ -f "$DEBEZIUM_LIBS/.complete" ]] || { echo "debezium: no jars in $DEBEZIUM_LIBS (the manifest's prepare step fetches them)" >&2; exit 2; }

# postgres://user[:password]@host:port/database
re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/]+):([0-9]+)/([^?]+)'
[[ "$DATABASE_URL" =~ $re ]] || { echo "debezium: cannot parse DATABASE_URL $DATABASE_URL" >&2; exit 2; }
pg_user="${BASH_REMATCH[2]}" pg_password="${BASH_REMATCH[4]}" pg_host="${BASH_REMATCH[5]}" pg_port="${BASH_REMATCH[6]}"

cat > "$STATE_DIR/worker.properties" <<PROPS
bootstrap.servers=$KAFKA_BROKERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
header.converter=org.apache.kafka.connect.storage.SimpleHeaderConverter
offset.storage.file.filename=$STATE_DIR/connect.offsets
offset.flush.interval.ms=${OFFSET_FLUSH_INTERVAL_MS:-1000}
listeners=http://127.0.0.1:0
PROPS

cat > "$STATE_DIR/connector.properties" <<PROPS
name=outbox
connector.class=io.debezium.connector.postgresql.PostgresConnector
tasks.max=1
database.hostname=$pg_host
database.port=$pg_port
database.user=$pg_user
database.password=$pg_password
database.dbname=$DATABASE
topic.prefix=outbox-chaos
plugin.name=pgoutput
slot.name=dbz_$DATABASE
publication.name=dbz_outbox_pub
publication.autocreate.mode=disabled
table.include.list=public.outbox
snapshot.mode=no_data
tombstones.on.delete=false
transforms=outbox
transforms.outbox.type=io.debezium.transforms.outbox.EventRouter
transforms.outbox.route.topic.replacement=$TOPIC
transforms.outbox.table.field.event.key=aggregateid
transforms.outbox.table.fields.additional.placement=id:header:event-id,seq:header:aggregate-seq,type:header:event-type
PROPS

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$here/log4j.properties" \
  -cp "$DEBEZIUM_LIBS/*" org.apache.kafka.connect.cli.ConnectStandalone \
  "$STATE_DIR/worker.properties" "$STATE_DIR/connector.properties"
