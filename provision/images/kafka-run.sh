#!/bin/bash
# Entry point of the local Kafka image, compatible with apache/kafka's interface: every KAFKA_*
# variable becomes a server property (KAFKA_LOG_DIRS -> log.dirs; "__" stands for "_" and "___"
# for "-"), CLUSTER_ID formats the storage on first start, KAFKA_HEAP_OPTS sizes the JVM.
set -euo pipefail
props=/opt/kafka/config/server.properties
: > "$props"
while IFS= read -r -d '' entry; do
  name=${entry%%=*}
  value=${entry#*=}
  [[ $name == KAFKA_* ]] || continue
  case $name in KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS) continue ;; esac
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  printf '%s=%s\n' "$key" "$value" >> "$props"
done < <(env -0)
jvm=(${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
  -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties -Dkafka.logs.dir=/opt/kafka/logs -cp '/opt/kafka/libs/*')
# Formats the storage as kafka-storage format --ignore-formatted would, without a JVM of its own
# (seconds per start, three at once on a cluster): Kafka 3.9 starts from a meta.properties alone,
# drawing the directory id itself and, with no bootstrap.checkpoint, taking the latest production
# metadata.version (inter.broker.protocol.version's default), the same one format would write.
# A directory that already has a meta.properties is left as it is.
: "${CLUSTER_ID:?CLUSTER_ID is required}"
prop() { sed -n "s/^${1//./\\.}=//p" "$props" | tail -n 1; }
node_id=$(prop node.id)
[[ $node_id =~ ^[0-9]+$ ]] || { echo "kafka-run: node.id must be set (KAFKA_NODE_ID), got '$node_id'" >&2; exit 1; }
[[ $CLUSTER_ID =~ ^[A-Za-z0-9_-]{22}$ ]] || { echo "kafka-run: CLUSTER_ID is not a Kafka cluster id: '$CLUSTER_ID'" >&2; exit 1; }
log_dirs=$(prop log.dirs)
IFS=, read -r -a dirs <<< "${log_dirs:-$(prop log.dir)}"
metadata_dir=$(prop metadata.log.dir)
if [[ -n $metadata_dir ]]; then dirs+=("$metadata_dir"); fi
if [[ ${#dirs[@]} -eq 0 ]]; then dirs=(/tmp/kafka-logs); fi
for dir in "${dirs[@]}"; do
  [[ -e $dir/meta.properties ]] && continue
  mkdir -p "$dir"
  printf 'version=1\ncluster.id=%s\nnode.id=%s\n' "$CLUSTER_ID" "$node_id" > "$dir/meta.properties.tmp"
  mv "$dir/meta.properties.tmp" "$dir/meta.properties"
done
exec java "${jvm[@]}" kafka.Kafka "$props"
