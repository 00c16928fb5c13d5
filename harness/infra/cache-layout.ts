import fs from 'node:fs';
import path from 'node:path';
import { CACHE_DIR } from '../common/paths.ts';

/**
 * What the provisioned-binaries cache holds and where, so that provisioning and the prerequisite
 * checks agree on what "already provisioned" means.
 */

export const KAFKA_VERSION = '3.9.1';
export const TOXIPROXY_VERSION = 'v2.12.0';

/** Written last into a finished folder, so an interrupted fetch never looks complete. */
export const COMPLETE_MARKER = '.complete';

export const kafkaLibsDir = (cacheDir: string = CACHE_DIR): string =>
  path.join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');

export const toxiproxyBinary = (cacheDir: string = CACHE_DIR): string =>
  path.join(cacheDir, 'bin', `toxiproxy-server-${TOXIPROXY_VERSION}`);

export const kafkaJarsCached = (cacheDir: string = CACHE_DIR): boolean =>
  fs.existsSync(path.join(kafkaLibsDir(cacheDir), COMPLETE_MARKER));

export const toxiproxyCached = (cacheDir: string = CACHE_DIR): boolean => fs.existsSync(toxiproxyBinary(cacheDir));
