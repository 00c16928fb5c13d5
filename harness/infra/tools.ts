import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../common/errors.ts';

/**
 * Where to look: the environment (PATH, JAVA_HOME, PG_BIN) and the Debian PostgreSQL root. The
 * defaults are this process's; a check of what a bare machine lacks passes others.
 */
export interface ToolLookup {
  readonly env?: NodeJS.ProcessEnv;
  readonly postgresRoot?: string;
}

/** A required program is not installed; the message names what to install. */
export class MissingToolError extends HarnessError {
  constructor(tool: string, hint: string) {
    super(`${tool} not found: ${hint}`);
  }
}

/** Where each tool comes from on Debian, so a missing one is one actionable line. */
const HINTS = {
  java: 'install a JDK 17 (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME',
  mvn: 'install Maven (Debian: apt-get install maven); it fetches the Kafka jars from Maven Central',
  go: 'install Go >= 1.22 (Debian: apt-get install golang-go); it builds toxiproxy-server',
  postgres:
    'install the PostgreSQL server (Debian: apt-get install postgresql-15) or set PG_BIN to the folder holding initdb and postgres',
} as const;

function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function findJava({ env = process.env }: ToolLookup = {}): string {
  const fromHome = env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : undefined;
  const java = fromHome && fs.existsSync(fromHome) ? fromHome : onPath('java', env);
  if (!java) throw new MissingToolError('java', HINTS.java);
  return java;
}

export function findMaven({ env = process.env }: ToolLookup = {}): string {
  const mvn = onPath('mvn', env);
  if (!mvn) throw new MissingToolError('mvn', HINTS.mvn);
  return mvn;
}

export function findGo({ env = process.env }: ToolLookup = {}): string {
  const go = onPath('go', env) ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new MissingToolError('go', HINTS.go);
  return go;
}

export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
  readonly major: number;
  /** What `postgres --version` printed, e.g. "postgres (PostgreSQL) 15.18". */
  readonly version: string;
}

/** PG_BIN wins; then the newest Debian cluster layout; then whatever initdb is on PATH. */
export function findPostgres({
  env = process.env,
  postgresRoot: debianRoot = '/usr/lib/postgresql',
}: ToolLookup = {}): PostgresBinaries {
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  if (fs.existsSync(debianRoot)) {
    const majors = fs
      .readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) candidates.push(path.join(debianRoot, major, 'bin'));
  }
  const initdbOnPath = onPath('initdb', env);
  if (initdbOnPath) candidates.push(path.dirname(fs.realpathSync(initdbOnPath)));

  for (const binDir of candidates) {
    const initdb = path.join(binDir, 'initdb');
    const postgres = path.join(binDir, 'postgres');
    if (!fs.existsSync(initdb) || !fs.existsSync(postgres)) continue;
    const version = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
    const major = Number(/(\d+)(?:\.\d+)?/.exec(version)?.[1] ?? NaN);
    if (Number.isFinite(major) && major >= 13) return { binDir, initdb, postgres, major, version: version.trim() };
  }
  throw new MissingToolError('PostgreSQL server (initdb, postgres >= 13)', HINTS.postgres);
}
