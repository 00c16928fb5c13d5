#!/usr/bin/env bash
# Starts the jar that prepare built, in the mode given as the first argument (app or relay), with a
# small heap and a JIT set for a short start (the harness restarts killed processes under load).
# exec: the harness's signals reach the JVM itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/outbox-chaos-modulith.jar"
[[ -f "$jar" ]] || { echo "spring-modulith: $jar is missing (the manifest's prepare step builds it)" >&2; exit 2; }
export OUTBOX_MODE="${1:?usage: run.sh app|relay}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$java" -Xms64m -Xmx${JAVA_HEAP:-256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -jar "$jar"
