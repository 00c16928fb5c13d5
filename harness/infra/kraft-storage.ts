import fs from 'node:fs';
import path from 'node:path';

export interface KraftIdentity {
  readonly clusterId: string;
  readonly nodeId: number;
}

/**
 * Formats a KRaft node's log directory by writing its meta.properties, unless the directory already
 * has one (the "--ignore-formatted" semantics of kafka-storage format). Returns whether it wrote.
 *
 * Running kafka-storage format costs a JVM start (about 4 s, and three compete with the starting
 * brokers on a cluster) to write two files, and Kafka 3.9 needs only the first at startup:
 * - meta.properties with version 1, the cluster id and the node id. A missing directory.id is
 *   drawn by the broker itself when it starts, and written back, before it loads any log.
 * - bootstrap.checkpoint, the features the first active controller writes into an empty
 *   metadata log. Without it the controller takes metadata.version from
 *   inter.broker.protocol.version, whose default is the latest production version: the same
 *   version format picks, and at that version every other feature format would record
 *   (kraft.version with a static quorum, group.version, transaction.version) is at level 0.
 * Once the metadata log has records, neither file's features are read again, so a restart on the
 * same data is unaffected.
 */
export function formatKraftLogDir(logDir: string, id: KraftIdentity): boolean {
  const file = path.join(logDir, 'meta.properties');
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(logDir, { recursive: true });
  // Written aside and renamed: a node killed mid-write never finds half a meta.properties.
  const scratch = `${file}.tmp`;
  fs.writeFileSync(scratch, metaProperties(id));
  fs.renameSync(scratch, file);
  return true;
}

export function metaProperties(id: KraftIdentity): string {
  if (!Number.isInteger(id.nodeId) || id.nodeId < 0) throw new Error(`node id must be an integer >= 0: ${id.nodeId}`);
  // Kafka's cluster ids are base64url: nothing in them needs escaping in a properties file.
  if (!/^[A-Za-z0-9_-]{22}$/.test(id.clusterId)) throw new Error(`not a Kafka cluster id: ${id.clusterId}`);
  return `version=1\ncluster.id=${id.clusterId}\nnode.id=${id.nodeId}\n`;
}
