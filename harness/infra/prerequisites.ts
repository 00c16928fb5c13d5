import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { packageInfo } from '../common/package-info.ts';
import { CACHE_DIR } from '../common/paths.ts';
import {
  KAFKA_VERSION,
  TOXIPROXY_VERSION,
  kafkaJarsCached,
  kafkaLibsDir,
  toxiproxyBinary,
  toxiproxyCached,
} from './cache-layout.ts';
import { freePorts } from './ports.ts';
import { MissingToolError, findGo, findJava, findMaven, findPostgres, type PostgresBinaries } from './tools.ts';

/**
 * Everything a native run needs from the machine, checked up front: `outbox-chaos doctor` prints
 * every check, and every command that starts a native stack runs the same checks first, so a
 * missing prerequisite is one line naming the command that installs it, not a stack trace half-way
 * through provisioning.
 */

export interface PrerequisiteCheck {
  readonly name: string;
  /**
   * found: present. not-needed: absent, but what it is for is already in the cache. first-run: not
   * in the cache yet, and what provisions it is present. missing: a native run cannot start.
   * optional: absent, and only some uses need it.
   */
  readonly status: 'found' | 'not-needed' | 'first-run' | 'missing' | 'optional';
  /** What was found (path, version), or what is wrong. */
  readonly detail: string;
  /** The one command that installs what is missing, on Debian or Ubuntu. */
  readonly install?: string;
}

/** Where the checks look; every field defaults to this machine, and tests pass a bare one. */
export interface Probes {
  /** PATH, JAVA_HOME, PG_BIN. */
  readonly env: NodeJS.ProcessEnv;
  readonly nodeVersion: string;
  /** The Debian layout's root, holding <major>/bin/{initdb,postgres}. */
  readonly postgresRoot: string;
  readonly cacheDir: string;
  readonly tempDir: string;
  readonly isRoot: boolean;
  /** /etc/passwd's text, for the account PostgreSQL runs as when we are root. */
  readonly passwd: () => string;
  /** Free bytes on the filesystem holding dir (or its nearest existing parent). */
  readonly freeBytes: (dir: string) => number;
  /** Whether we may create files in dir (or, if it does not exist yet, in its nearest existing parent). */
  readonly writable: (dir: string) => boolean;
  /** How many of `count` ports on 127.0.0.1 we could bind at once. */
  readonly bindablePorts: (count: number) => Promise<number>;
  /** Whether a Docker engine answers; only asked when the optional check is wanted. */
  readonly docker: () => { cli?: string; engine?: string };
}

export const INSTALL = {
  node: 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs',
  java: 'sudo apt-get install -y openjdk-17-jre-headless',
  postgres: 'sudo apt-get install -y postgresql',
  postgresUser: 'sudo adduser --system --group --no-create-home postgres',
  maven: 'sudo apt-get install -y maven',
  go: 'sudo apt-get install -y golang-go',
  docker: 'sudo apt-get install -y docker.io',
} as const;

/** Go's toxiproxy build needs at least this; older Go fails with a module error half-way. */
const MIN_GO = [1, 22] as const;
const MIN_JAVA = 17;
/** Kafka jars and the toxiproxy build; Go's own build cache lives elsewhere. */
const CACHE_BYTES_TO_PROVISION = 400 * 1024 ** 2;
/** One stack's PostgreSQL cluster, Kafka log and the SUT's logs, with room to spare. */
const TEMP_BYTES = 512 * 1024 ** 2;

function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

function dockerProbe(env: NodeJS.ProcessEnv): { cli?: string; engine?: string } {
  const r = spawnSync('docker', ['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], {
    encoding: 'utf8',
    env,
    timeout: 5_000,
  });
  if (r.error) return {};
  const [cli, engine] = r.stdout.trim().split('|');
  return { cli: cli || 'unknown version', ...(r.status === 0 && engine ? { engine } : {}) };
}

export function machineProbes(): Probes {
  return {
    env: process.env,
    nodeVersion: process.versions.node,
    postgresRoot: '/usr/lib/postgresql',
    cacheDir: CACHE_DIR,
    tempDir: os.tmpdir(),
    isRoot: process.getuid?.() === 0,
    passwd: () => fs.readFileSync('/etc/passwd', 'utf8'),
    freeBytes: (dir) => {
      const s = fs.statfsSync(nearestExisting(dir));
      return s.bavail * s.bsize;
    },
    writable: (dir) => {
      try {
        fs.accessSync(nearestExisting(dir), fs.constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    bindablePorts: async (count) => {
      try {
        return (await freePorts(count)).length;
      } catch {
        return 0;
      }
    },
    docker: () => dockerProbe(process.env),
  };
}

const version = (parts: readonly number[]) => parts.join('.');
const atLeast = (have: readonly number[], want: readonly number[]) => {
  for (let i = 0; i < want.length; i++) if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i]!;
  return true;
};
const numbers = (text: string) => text.split('.').map(Number);
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** The Node.js versions package.json's engines field allows, as ">=x.y[.z]". */
function nodeFloor(): number[] {
  const floor = /^>=\s*(\d+(?:\.\d+)*)$/.exec(packageInfo().engines?.node?.trim() ?? '');
  return floor ? numbers(floor[1]!) : [20];
}

function checkNode(p: Probes): PrerequisiteCheck {
  const floor = nodeFloor();
  return atLeast(numbers(p.nodeVersion), floor)
    ? { name: 'node', status: 'found', detail: `v${p.nodeVersion} (>= ${version(floor)} needed)` }
    : {
        name: 'node',
        status: 'missing',
        detail: `v${p.nodeVersion} is too old: >= ${version(floor)} needed`,
        install: INSTALL.node,
      };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(file, args, { encoding: 'utf8', env, timeout: 15_000 });
  return r.error ? undefined : `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

function checkJava(p: Probes): PrerequisiteCheck & { java?: string } {
  let java: string;
  try {
    java = findJava({ env: p.env });
  } catch {
    return {
      name: 'java',
      status: 'missing',
      detail: `no java on PATH${p.env.JAVA_HOME ? ` nor in JAVA_HOME (${p.env.JAVA_HOME})` : ''}; Kafka needs Java ${MIN_JAVA}+`,
      install: INSTALL.java,
    };
  }
  const out = run(java, ['-version'], p.env) ?? '';
  const major = Number(/version "(?:1\.)?(\d+)/.exec(out)?.[1] ?? NaN);
  const said = /version "([^"]+)"/.exec(out)?.[1] ?? (out.split('\n')[0] || 'no version');
  if (!(major >= MIN_JAVA))
    return {
      name: 'java',
      status: 'missing',
      detail: `${java} is ${said}; Kafka ${KAFKA_VERSION} needs Java ${MIN_JAVA}+`,
      install: INSTALL.java,
    };
  return { name: 'java', status: 'found', detail: `${java} (${said})`, java };
}

function checkPostgres(p: Probes): (PrerequisiteCheck & { postgres?: PostgresBinaries })[] {
  let bins: PostgresBinaries;
  try {
    bins = findPostgres({ env: p.env, postgresRoot: p.postgresRoot });
  } catch (err) {
    if (!(err instanceof MissingToolError)) throw err;
    return [
      {
        name: 'postgres',
        status: 'missing',
        detail: `no initdb and postgres >= 13 in PG_BIN, ${p.postgresRoot}/*/bin or on PATH`,
        install: INSTALL.postgres,
      },
    ];
  }
  const found = {
    name: 'postgres',
    status: 'found' as const,
    detail: `${bins.binDir} (${bins.version}; initdb and postgres, run directly, no pg_ctl or system cluster)`,
    postgres: bins,
  };
  if (!p.isRoot) return [found];
  // PostgreSQL refuses to run as root; the harness then runs it as one of these accounts.
  const passwd = p.passwd();
  const account = ['postgres', 'nobody'].find((name) => new RegExp(`^${name}:`, 'm').test(passwd));
  return [
    found,
    account
      ? { name: 'postgres user', status: 'found', detail: `running as root: the cluster runs as "${account}"` }
      : {
          name: 'postgres user',
          status: 'missing',
          detail: 'running as root, and no "postgres" or "nobody" account exists to run PostgreSQL as',
          install: INSTALL.postgresUser,
        },
  ];
}

/** Maven fetches the Kafka jars, once; with the jars cached it is not needed. */
function checkKafkaJars(p: Probes): PrerequisiteCheck[] {
  if (kafkaJarsCached(p.cacheDir))
    return [
      { name: 'kafka jars', status: 'found', detail: `Kafka ${KAFKA_VERSION}, cached in ${kafkaLibsDir(p.cacheDir)}` },
      { name: 'maven', status: 'not-needed', detail: 'only fetches the Kafka jars, which are cached' },
    ];
  let mvn: string | undefined;
  try {
    mvn = findMaven({ env: p.env });
  } catch {
    mvn = undefined;
  }
  return [
    {
      name: 'kafka jars',
      status: 'first-run',
      detail: `not cached yet: the first run fetches Kafka ${KAFKA_VERSION} from Maven Central into ${kafkaLibsDir(p.cacheDir)}`,
    },
    mvn
      ? { name: 'maven', status: 'found', detail: `${mvn} (fetches the Kafka jars on the first run)` }
      : {
          name: 'maven',
          status: 'missing',
          detail: 'not on PATH, and needed once, to fetch the Kafka jars into the cache',
          install: INSTALL.maven,
        },
  ];
}

/** Go builds toxiproxy-server, once; with the binary cached it is not needed. */
function checkToxiproxy(p: Probes): PrerequisiteCheck[] {
  if (toxiproxyCached(p.cacheDir))
    return [
      { name: 'toxiproxy', status: 'found', detail: `${TOXIPROXY_VERSION}, cached at ${toxiproxyBinary(p.cacheDir)}` },
      { name: 'go', status: 'not-needed', detail: 'only builds toxiproxy-server, which is cached' },
    ];
  const toxiproxy: PrerequisiteCheck = {
    name: 'toxiproxy',
    status: 'first-run',
    detail: `not cached yet: the first run builds ${TOXIPROXY_VERSION} with Go into ${toxiproxyBinary(p.cacheDir)}`,
  };
  let go: string;
  try {
    go = findGo({ env: p.env });
  } catch {
    return [
      toxiproxy,
      {
        name: 'go',
        status: 'missing',
        detail: `not found, and needed once, to build toxiproxy-server into the cache (Go >= ${version(MIN_GO)})`,
        install: INSTALL.go,
      },
    ];
  }
  const said = /go(\d+(?:\.\d+)*)/.exec(run(go, ['version'], { ...p.env, GOTOOLCHAIN: 'local' }) ?? '')?.[1];
  if (!said || !atLeast(numbers(said), MIN_GO))
    return [
      toxiproxy,
      {
        name: 'go',
        status: 'missing',
        detail: `${go} is ${said ? `go${said}` : 'of unknown version'}; building toxiproxy-server needs Go >= ${version(MIN_GO)}`,
        install: INSTALL.go,
      },
    ];
  return [
    toxiproxy,
    { name: 'go', status: 'found', detail: `${go} (go${said}; builds toxiproxy-server on the first run)` },
  ];
}

async function checkPorts(p: Probes, count: number): Promise<PrerequisiteCheck> {
  const got = await p.bindablePorts(count);
  return got >= count
    ? { name: 'ports', status: 'found', detail: `${count} free ports on 127.0.0.1` }
    : {
        name: 'ports',
        status: 'missing',
        detail: `only ${got} of the ${count} ports a stack needs could be bound on 127.0.0.1`,
      };
}

function checkDiskAndCache(p: Probes): PrerequisiteCheck[] {
  const provisioned = kafkaJarsCached(p.cacheDir) && toxiproxyCached(p.cacheDir);
  const checks: PrerequisiteCheck[] = [];
  const writable = p.writable(p.cacheDir);
  if (provisioned)
    checks.push({
      name: 'cache',
      status: 'found',
      detail: `${p.cacheDir}: complete${writable ? '' : ' (read-only, which is fine while it stays complete)'}`,
    });
  else if (writable)
    checks.push({
      name: 'cache',
      status: 'found',
      detail: `${p.cacheDir}: writable; the first run provisions what is missing (OUTBOX_CHAOS_CACHE moves it)`,
    });
  else
    checks.push({
      name: 'cache',
      status: 'missing',
      detail: `${p.cacheDir} is not writable and not yet complete; set OUTBOX_CHAOS_CACHE to a folder you can write`,
    });
  const cacheFree = p.freeBytes(p.cacheDir);
  const cacheNeeds = provisioned ? 0 : CACHE_BYTES_TO_PROVISION;
  checks.push(
    cacheFree >= cacheNeeds
      ? { name: 'disk (cache)', status: 'found', detail: `${gib(cacheFree)} free at ${p.cacheDir}` }
      : {
          name: 'disk (cache)',
          status: 'missing',
          detail: `${gib(cacheFree)} free at ${p.cacheDir}; provisioning needs ${gib(cacheNeeds)}`,
        },
  );
  const tempFree = p.freeBytes(p.tempDir);
  const tempWritable = p.writable(p.tempDir);
  checks.push(
    tempFree >= TEMP_BYTES && tempWritable
      ? { name: 'disk (temp)', status: 'found', detail: `${gib(tempFree)} free at ${p.tempDir}` }
      : {
          name: 'disk (temp)',
          status: 'missing',
          detail: tempWritable
            ? `${gib(tempFree)} free at ${p.tempDir}; a stack needs ${gib(TEMP_BYTES)} (TMPDIR moves it)`
            : `${p.tempDir} is not writable (TMPDIR moves it)`,
        },
  );
  return checks;
}

function checkDocker(p: Probes): PrerequisiteCheck {
  const { cli, engine } = p.docker();
  if (cli && engine) return { name: 'docker', status: 'found', detail: `engine ${engine} (for --provider containers)` };
  return {
    name: 'docker',
    status: 'optional',
    detail: cli
      ? 'the docker CLI is installed but no engine answers; only --provider containers needs one'
      : 'not installed; only --provider containers needs it',
    ...(cli ? {} : { install: INSTALL.docker }),
  };
}

export interface CheckOptions {
  /** Ports one stack binds on 127.0.0.1 (the native provider's count). */
  readonly ports?: number;
  /** Also ask whether a Docker engine answers (optional; doctor asks, a native run does not). */
  readonly docker?: boolean;
  readonly probes?: Partial<Probes>;
}

export interface CheckResult {
  readonly checks: readonly PrerequisiteCheck[];
  /** Whether a native run can start. */
  readonly ready: boolean;
  readonly java?: string;
  readonly postgres?: PostgresBinaries;
}

export async function checkPrerequisites(options: CheckOptions = {}): Promise<CheckResult> {
  const p: Probes = { ...machineProbes(), ...options.probes };
  const java = checkJava(p);
  const postgres = checkPostgres(p);
  const checks: PrerequisiteCheck[] = [
    checkNode(p),
    java,
    ...postgres,
    ...checkKafkaJars(p),
    ...checkToxiproxy(p),
    ...(options.ports ? [await checkPorts(p, options.ports)] : []),
    ...checkDiskAndCache(p),
    ...(options.docker ? [checkDocker(p)] : []),
  ].map(({ name, status, detail, install }) => ({ name, status, detail, ...(install ? { install } : {}) }));
  return {
    checks,
    ready: checks.every((c) => c.status !== 'missing'),
    ...(java.java ? { java: java.java } : {}),
    ...(postgres[0]?.postgres ? { postgres: postgres[0].postgres } : {}),
  };
}

/** One line for a check that failed: what, why, and how to install it. */
export function missingLine(c: PrerequisiteCheck): string {
  return `missing prerequisite: ${c.name}: ${c.detail}${c.install ? `; install it with: ${c.install}` : ''}`;
}

let passed: Promise<{ java: string; postgres: PostgresBinaries }> | undefined;

/**
 * The checks a command runs before it starts a native stack. Passing once is enough for the
 * process: a prerequisite does not vanish between two stacks of one command.
 */
export function requireNativePrerequisites(
  options: Pick<CheckOptions, 'ports'> = {},
): Promise<{ java: string; postgres: PostgresBinaries }> {
  const attempt = (passed ??= checkPrerequisites(options).then((r) => {
    if (!r.ready || !r.java || !r.postgres) {
      const lines = r.checks.filter((c) => c.status === 'missing').map(missingLine);
      throw new HarnessError(lines.join('\n'));
    }
    return { java: r.java, postgres: r.postgres };
  }));
  attempt.catch(() => (passed = undefined));
  return attempt;
}
