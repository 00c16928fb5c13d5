import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where outbox-chaos reads its own files and writes the user's. Every default location is decided
 * here, so that "nothing is ever written under node_modules" has one place to hold.
 *
 * The code runs in one of two shapes:
 * - from this repository's TypeScript source (a clone): harness/common/paths.ts;
 * - compiled, from the npm package or a build in a clone: dist/harness/common/paths.js, with the
 *   assets the harness reads (schema, SQL, manifests, provision/) copied beside it into dist/.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** True when this module is the compiled JavaScript in dist/, not the TypeScript source. */
export const COMPILED = import.meta.url.endsWith('.js');

/**
 * The root of the tree the code runs from, two levels above this file: it holds harness/,
 * scenarios/, reference-impl/, examples/ and provision/. That is the repository in a clone, and
 * dist/ when compiled.
 */
export const PROJECT_ROOT = path.resolve(HERE, '..', '..');

/** The folder holding package.json, bin/ and docs/: the clone, or node_modules/outbox-chaos. */
export const PACKAGE_ROOT = COMPILED ? path.dirname(PROJECT_ROOT) : PROJECT_ROOT;

/** The outbox-chaos command, for the processes the harness starts detached (infra up). */
export const BIN_FILE = path.join(PACKAGE_ROOT, 'bin', 'outbox-chaos.js');

/** What the default locations depend on, gathered so the decision can be tested without the machine. */
export interface PathInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly packageRoot: string;
  /** Whether packageRoot is a clone of this repository (see isClone). */
  readonly clone: boolean;
  readonly cwd: string;
  readonly home: string;
}

/**
 * A clone of this repository, as opposed to an installed package: it has git metadata or the CI
 * script (neither is in the package's files), and it is not inside a node_modules folder (a
 * package installed from git may carry either). In a clone the cache and reports stay inside the
 * checkout, where CI and existing machines expect them.
 */
export function isClone(packageRoot: string, exists: (p: string) => boolean = fs.existsSync): boolean {
  if (packageRoot.split(path.sep).includes('node_modules')) return false;
  return exists(path.join(packageRoot, '.git')) || exists(path.join(packageRoot, '.ci', 'run'));
}

/**
 * Provisioned Kafka jars, the toxiproxy binary, image build caches and infra state.
 * OUTBOX_CHAOS_CACHE wins; a clone keeps <clone>/.cache; otherwise the per-user cache
 * ($XDG_CACHE_HOME/outbox-chaos, else ~/.cache/outbox-chaos), which all of a user's projects share.
 */
export function cacheDirFor(i: PathInputs): string {
  if (i.env.OUTBOX_CHAOS_CACHE) return path.resolve(i.cwd, i.env.OUTBOX_CHAOS_CACHE);
  if (i.clone) return path.join(i.packageRoot, '.cache');
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = i.env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(i.home, '.cache');
  return path.join(base, 'outbox-chaos');
}

/** Where run reports go without --report-dir: reports/ of a clone, else ./outbox-chaos-reports. */
export function reportDirFor(i: PathInputs): string {
  return i.clone ? path.join(i.packageRoot, 'reports') : path.join(i.cwd, 'outbox-chaos-reports');
}

function machineInputs(): PathInputs {
  return {
    env: process.env,
    packageRoot: PACKAGE_ROOT,
    clone: isClone(PACKAGE_ROOT),
    cwd: process.cwd(),
    home: os.homedir(),
  };
}

/** True when running from a clone of this repository rather than an installed package. */
export const IN_CLONE = isClone(PACKAGE_ROOT);

/** The cache folder in force for this process (see cacheDirFor). */
export const CACHE_DIR = cacheDirFor(machineInputs());

/** The default report folder for this process (see reportDirFor). */
export const DEFAULT_REPORT_DIR = reportDirFor(machineInputs());
