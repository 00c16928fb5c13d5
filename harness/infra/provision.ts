import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from './command.ts';
import { HarnessError } from '../common/errors.ts';
import { CACHE_DIR, PROJECT_ROOT } from '../common/paths.ts';
import { isAlive } from './processes.ts';
import {
  COMPLETE_MARKER,
  KAFKA_VERSION,
  TOXIPROXY_VERSION,
  kafkaJarsCached,
  kafkaLibsDir,
  toxiproxyBinary,
  toxiproxyCached,
} from './cache-layout.ts';
import { requireNativePrerequisites } from './prerequisites.ts';
import { findGo, findMaven, type PostgresBinaries } from './tools.ts';

export { KAFKA_VERSION, TOXIPROXY_VERSION } from './cache-layout.ts';
const TOXIPROXY_MODULE = 'github.com/Shopify/toxiproxy/v2/cmd/server';

export interface Provisioned {
  readonly java: string;
  readonly kafkaLibs: string;
  readonly toxiproxyServer: string;
  readonly postgres: PostgresBinaries;
}

export interface ProvisionOptions {
  /** Progress lines go here; defaults to stderr. */
  readonly log?: (line: string) => void;
}

/** True when every artefact is cached, so a caller can skip the lock and the log lines. */
function isProvisioned(): boolean {
  return kafkaJarsCached() && toxiproxyCached();
}

/**
 * Brings every binary the native stack needs into the cache, skipping what is already there.
 * Safe to call from several processes at once (test workers): they serialise on a lock.
 */
export async function ensureProvisioned(options: ProvisionOptions = {}): Promise<Provisioned> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The prerequisite checks first (the same ones `doctor` prints): they are quick and name what to
  // install before any slow step.
  const { java, postgres } = await requireNativePrerequisites();

  if (!isProvisioned()) {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    await withLock(path.join(CACHE_DIR, '.setup.lock'), log, async () => {
      await step(log, `Kafka ${KAFKA_VERSION} jars (Maven Central)`, kafkaJarsPresent, fetchKafkaJars);
      await step(
        log,
        `toxiproxy-server ${TOXIPROXY_VERSION} (go install)`,
        () => fs.existsSync(toxiproxyBinary()),
        buildToxiproxy,
      );
    });
  }
  return { java, kafkaLibs: kafkaLibsDir(), toxiproxyServer: toxiproxyBinary(), postgres };
}

const kafkaJarsPresent = (): boolean => kafkaJarsCached();

async function step(
  log: (l: string) => void,
  label: string,
  done: () => boolean,
  run: () => Promise<void>,
): Promise<void> {
  if (done()) {
    log(`[setup] ${label}: cached`);
    return;
  }
  log(`[setup] ${label}: fetching...`);
  const started = Date.now();
  await run();
  log(`[setup] ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

async function fetchKafkaJars(): Promise<void> {
  await copyMavenDependencies(
    path.join(PROJECT_ROOT, 'provision', 'kafka-pom.xml'),
    kafkaLibsDir(),
    `kafka_2.13-${KAFKA_VERSION}`,
    [`-Dkafka.version=${KAFKA_VERSION}`],
  );
}

/**
 * Resolves a POM's runtime dependencies from Maven Central into target, with a .complete marker.
 * It copies into a scratch folder and renames, so an interrupted fetch never looks complete.
 */
export async function copyMavenDependencies(
  pom: string,
  target: string,
  mustHavePrefix: string,
  extraArgs: readonly string[] = [],
): Promise<void> {
  if (fs.existsSync(path.join(target, COMPLETE_MARKER))) return;
  const mvn = findMaven();
  const scratch = `${target}.partial-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  await runCommand(mvn, [
    '-B',
    '-q',
    '-f',
    pom,
    ...extraArgs,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${scratch}`,
    '-DincludeScope=runtime',
  ]);
  if (!fs.readdirSync(scratch).some((f) => f.startsWith(mustHavePrefix))) {
    throw new HarnessError(`Maven finished but ${mustHavePrefix}*.jar is not in ${scratch}`);
  }
  fs.writeFileSync(path.join(scratch, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(scratch, target);
}

async function buildToxiproxy(): Promise<void> {
  const go = findGo();
  const scratch = path.join(CACHE_DIR, `gobin.partial-${process.pid}`);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  // GOTOOLCHAIN=local: never try to download a Go toolchain, which this network cannot reach.
  await runCommand(go, ['install', `${TOXIPROXY_MODULE}@${TOXIPROXY_VERSION}`], {
    env: {
      GOBIN: scratch,
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-mod=mod',
      CGO_ENABLED: '0',
    },
  });
  const built = path.join(scratch, 'server');
  if (!fs.existsSync(built)) throw new HarnessError(`go install finished but ${built} is missing`);
  fs.mkdirSync(path.dirname(toxiproxyBinary()), { recursive: true });
  fs.renameSync(built, toxiproxyBinary());
  fs.rmSync(scratch, { recursive: true, force: true });
}

/** A lock made of a directory: mkdir is atomic. A lock whose owner died is taken over. */
/** A cross-process lock on a folder; a holder that died is detected by its pid. */
export async function withLock<T>(lockDir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  const owner = path.join(lockDir, 'pid');
  let waitedSince: number | undefined;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, 'utf8') : NaN);
      if (Number.isFinite(pid) && !isAlive(pid)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waitedSince === undefined) {
        waitedSince = Date.now();
        log('[setup] another process is provisioning; waiting for it');
      }
      if (Date.now() - waitedSince > 15 * 60_000)
        throw new HarnessError(`gave up waiting for the provisioning lock ${lockDir}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
