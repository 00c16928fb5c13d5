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
java "${jvm[@]}" kafka.tools.StorageTool format -t "${CLUSTER_ID:?CLUSTER_ID is required}" -c "$props" --ignore-formatted > /dev/null
exec java "${jvm[@]}" kafka.Kafka "$props"
