// The manifest's prepare step: Kafka Connect and the Debezium PostgreSQL connector from Maven
// Central into the project cache, once. Prints nothing when they are already there.
import path from 'node:path';
import { copyMavenDependencies } from '../../harness/infra/provision.ts';
import { CACHE_DIR } from '../../harness/common/paths.ts';
import { runMain } from '../../reference-impl/lib/config.ts';

export const DEBEZIUM_VERSION = '3.0.8.Final';

runMain('debezium prepare', async () => {
  const here = path.dirname(new URL(import.meta.url).pathname);
  await copyMavenDependencies(
    path.join(here, 'pom.xml'),
    path.join(CACHE_DIR, `debezium-${DEBEZIUM_VERSION}`, 'libs'),
    'debezium-connector-postgres-',
    [`-Ddebezium.version=${DEBEZIUM_VERSION}`],
  );
});
