import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { HarnessError } from '../common/errors.ts';
import { CACHE_DIR } from '../common/paths.ts';
import { resolveExecutable } from '../common/executable.ts';
import type { LinkName } from '../infra/links.ts';
import { ROLES, type ExtraShape, type ProcessDefinition, type Role, type SutDefinition } from './definition.ts';
import { unfilledValues, withoutComments } from './manifest-notes.ts';
import {
  BENCH_PRELOAD_PLACEHOLDERS,
  LOAD_TIME_PLACEHOLDERS,
  type BenchPreloadArray,
  PER_RUN_SQL_PLACEHOLDERS,
  PROCESS_PLACEHOLDERS,
  placeholdersIn,
} from './placeholders.ts';

/**
 * Reads a SUT manifest (docs/sut-contract.md): checks it against the schema, resolves its paths
 * against the manifest's folder, and turns it into the definition the harness runs. Every
 * implementation comes in this way, the reference included.
 */

interface ProcessManifest {
  command: string[];
  cwd?: string;
  links?: { pg?: LinkName; kafka?: LinkName };
  env?: Record<string, string>;
  readyLog?: string;
}

export interface Manifest {
  /** Where an editor finds the schema to check the file against; the harness ignores it. */
  $schema?: string;
  manifestVersion: 1;
  name: string;
  description?: string;
  prepare?: { command: string[] };
  schema: ({ file: string | string[] } | { sql: string } | { command: string[] }) & { perRun?: string[] };
  processes: Record<Role, ProcessManifest>;
  write: { http: { path: string; health: string } };
  eventId: { header: string } | { jsonPointer: string };
  observe: { committedEvents: string; effects: string; deadLettered?: string };
  guarantees: { perAggregateOrder: boolean };
  consumerOffsets?: 'kafka-group' | 'none';
  drain?: { quietMs: number };
  load?: { maxRate?: number; maxWriters?: number; shapes?: ExtraShape[] };
  bench?: {
    preload: { sql: string };
    relay?: { env?: Record<string, string>; batchSizeEnv?: string; maxReplicas?: number };
  };
  crashPoints?: { env?: string; fileEnv?: string; points: Partial<Record<Role, string[]>> };
  bugs?: { env: string; variants: string[]; kafkaBrokers?: Record<string, number> };
}

/** The manifest's JSON schema, shipped beside this file. */
export const SCHEMA_FILE = fileURLToPath(new URL('manifest.schema.json', import.meta.url));

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): readonly ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, useDefaults: false }).compile(
    JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')),
  );
  return validator(value) ? [] : (validator.errors ?? []);
}

/** One line per problem, naming where in the manifest it is; oneOf's noise is folded into one line. */
function describeErrors(errors: readonly ErrorObject[]): string[] {
  const lines = new Set<string>();
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errors) {
    const at = e.instancePath || '(top level)';
    if (e.keyword !== 'oneOf' && [...oneOfPaths].some((p) => e.instancePath === p)) continue;
    if (e.keyword === 'oneOf') lines.add(`${at}: must be exactly one of the allowed forms (see docs/sut-contract.md)`);
    else if (e.keyword === 'additionalProperties')
      lines.add(`${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`);
    else if (e.keyword === 'required')
      lines.add(`${at}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`);
    else if (e.keyword === 'enum')
      lines.add(
        `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    else if (e.keyword === 'const')
      lines.add(`${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
    else lines.add(`${at}: ${e.message ?? e.keyword}`);
  }
  return [...lines];
}

/**
 * The links each role uses unless its manifest says otherwise: each role reaches PostgreSQL and
 * Kafka through a proxy of its own, so a fault can cut one role off and leave the others talking.
 */
const DEFAULT_LINKS: Record<Role, { pg: LinkName; kafka: LinkName }> = {
  app: { pg: 'app-pg', kafka: 'app-kafka' },
  relay: { pg: 'relay-pg', kafka: 'relay-kafka' },
  consumer: { pg: 'consumer-pg', kafka: 'consumer-kafka' },
};

export function loadManifest(file: string): SutDefinition {
  const where = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HarnessError(
      `cannot read the SUT manifest ${where}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HarnessError(`the SUT manifest ${where} is not valid JSON: ${(err as Error).message}`);
  }
  // A starter from `init` is valid as written; what it lacks is the user's own values.
  const unfilled = unfilledValues(raw);
  if (unfilled.length > 0) {
    throw new HarnessError(
      `the SUT manifest ${where} is a starter not filled in yet: replace the <fill in: ...> value${unfilled.length === 1 ? '' : 's'} at ${unfilled.join(', ')}`,
    );
  }
  const errors = validate(raw);
  if (errors.length > 0) {
    throw new HarnessError(
      `the SUT manifest ${where} does not match the contract (docs/sut-contract.md):\n${describeErrors(errors)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  }
  return fromManifest(withoutComments(raw) as Manifest, path.dirname(where), where);
}

/** The manifest's problems as one line when there is one, else a list under a heading. */
function problemsError(where: string, problems: readonly string[]): HarnessError {
  return new HarnessError(
    problems.length === 1
      ? `the SUT manifest ${where}: ${problems[0]}`
      : `the SUT manifest ${where} has problems:\n${problems.map((l) => `  ${l}`).join('\n')}`,
  );
}

/**
 * Every ${NAME} must be one the harness fills at that place: an unknown one would otherwise reach
 * the SUT as literal text, or fail only once a run is under way.
 */
function unknownPlaceholders(m: Manifest): string[] {
  const problems: string[] = [];
  const check = (at: string, value: string, known: readonly string[]) => {
    for (const name of placeholdersIn(value))
      if (!known.includes(name))
        problems.push(`${at}: unknown placeholder \${${name}}; known here: ${known.map((k) => `\${${k}}`).join(', ')}`);
  };
  const perProcess = [...LOAD_TIME_PLACEHOLDERS, ...PROCESS_PLACEHOLDERS];
  m.prepare?.command.forEach((part, i) => check(`/prepare/command/${i}`, part, LOAD_TIME_PLACEHOLDERS));
  if ('command' in m.schema)
    m.schema.command.forEach((part, i) => check(`/schema/command/${i}`, part, LOAD_TIME_PLACEHOLDERS));
  m.schema.perRun?.forEach((sql, i) => check(`/schema/perRun/${i}`, sql, PER_RUN_SQL_PLACEHOLDERS));
  for (const role of ROLES) {
    const p = m.processes[role];
    p.command.forEach((part, i) => check(`/processes/${role}/command/${i}`, part, perProcess));
    if (p.cwd !== undefined) check(`/processes/${role}/cwd`, p.cwd, LOAD_TIME_PLACEHOLDERS);
    for (const [key, value] of Object.entries(p.env ?? {})) check(`/processes/${role}/env/${key}`, value, perProcess);
  }
  if (m.bench) {
    const arrays = Object.keys(BENCH_PRELOAD_PLACEHOLDERS);
    check('/bench/preload/sql', m.bench.preload.sql, arrays);
    if (!placeholdersIn(m.bench.preload.sql).includes('EVENT_IDS'))
      problems.push(
        '/bench/preload/sql: must use ${EVENT_IDS}: the bench finds each preloaded event in Kafka by the id it chose',
      );
    for (const [key, value] of Object.entries(m.bench.relay?.env ?? {})) check(`/bench/relay/env/${key}`, value, []);
  }
  return problems;
}

/**
 * Whether a process's program can be started, as spawn will look for it: after the load-time
 * placeholders, on the PATH the process will get, or relative to its cwd. Checked after prepare,
 * which may be what builds it.
 */
function unstartable(role: Role, p: ProcessDefinition): string | undefined {
  const program = p.command[0]!;
  // A program named by a per-process placeholder is only known at start.
  if (placeholdersIn(program).length > 0) return undefined;
  const envPath = p.env.PATH;
  const PATH = envPath !== undefined && placeholdersIn(envPath).length === 0 ? envPath : process.env.PATH;
  const found = resolveExecutable(program, { cwd: p.cwd, PATH });
  return 'problem' in found ? `/processes/${role}/command/0: cannot start ${program}: ${found.problem}` : undefined;
}

/** Placeholders a manifest may use anywhere in a command or cwd, filled in when it is read. */
function fillStatic(value: string, dir: string): string {
  return value
    .replace(/\$\{NODE\}/g, process.execPath)
    .replace(/\$\{MANIFEST_DIR\}/g, dir)
    .replace(/\$\{CACHE_DIR\}/g, CACHE_DIR);
}

/**
 * Runs a command the manifest names (prepare, schema), in the manifest's folder, and returns its
 * stdout. A failure is the SUT's problem, so it is reported with the command's own output.
 *
 * It gets the harness's own PATH and environment, as the SUT's processes do, minus the variables
 * that switch the SUT into a bug variant or arm its crash points: a build must not bake those in.
 */
function runManifestCommand(m: Manifest, field: string, command: string[], dir: string, where: string): string {
  const [file, ...args] = command.map((part) => fillStatic(part, dir));
  const found = resolveExecutable(file!, { cwd: dir, PATH: process.env.PATH });
  if ('problem' in found)
    throw new HarnessError(`the SUT manifest ${where}: ${field} could not run ${file}: ${found.problem}`);
  const env = { ...process.env };
  for (const key of [m.bugs?.env, m.crashPoints?.env, m.crashPoints?.fileEnv]) if (key !== undefined) delete env[key];
  const result = spawnSync(file!, args, {
    cwd: dir,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  if (result.error)
    throw new HarnessError(`the SUT manifest ${where}: ${field} could not run ${file}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new HarnessError(
      `the SUT manifest ${where}: ${field} (${command.join(' ')}) exited with ${result.status ?? result.signal}:\n${output}`,
    );
  }
  return result.stdout;
}

/** The bench section, its array placeholders turned into typed bind parameters. */
function benchDefinition(b: NonNullable<Manifest['bench']>): NonNullable<SutDefinition['bench']> {
  // Numbered in order of first use, so that an array the statement does not use is not passed:
  // PostgreSQL refuses a parameter whose type it cannot infer.
  const preloadParams: BenchPreloadArray[] = [];
  const preloadSql = b.preload.sql.replace(/\$\{([A-Z_]+)\}/g, (_, name: BenchPreloadArray) => {
    if (!preloadParams.includes(name)) preloadParams.push(name);
    return `$${preloadParams.indexOf(name) + 1}::${BENCH_PRELOAD_PLACEHOLDERS[name]}`;
  });
  return {
    preloadSql,
    preloadParams,
    relayEnv: b.relay?.env ?? {},
    ...(b.relay?.batchSizeEnv ? { batchSizeEnv: b.relay.batchSizeEnv } : {}),
    ...(b.relay?.maxReplicas ? { maxReplicas: b.relay.maxReplicas } : {}),
  };
}

function fromManifest(m: Manifest, dir: string, where: string): SutDefinition {
  const placeholderProblems = unknownPlaceholders(m);
  if (placeholderProblems.length) throw problemsError(where, placeholderProblems);
  const problems: string[] = [];
  if (m.prepare) runManifestCommand(m, '/prepare/command', m.prepare.command, dir, where);
  let schemaSql: string;
  if ('file' in m.schema) {
    const parts: string[] = [];
    for (const file of [m.schema.file].flat()) {
      const schemaFile = path.resolve(dir, file);
      try {
        parts.push(fs.readFileSync(schemaFile, 'utf8'));
      } catch {
        problems.push(`/schema/file: cannot read ${schemaFile}`);
      }
    }
    schemaSql = parts.join('\n');
  } else if ('command' in m.schema) {
    schemaSql = runManifestCommand(m, '/schema/command', m.schema.command, dir, where);
    if (!schemaSql.trim()) problems.push('/schema/command: printed no SQL');
  } else {
    schemaSql = m.schema.sql;
  }
  const processes = {} as Record<Role, ProcessDefinition>;
  for (const role of ROLES) {
    const p = m.processes[role];
    const cwd = path.resolve(dir, fillStatic(p.cwd ?? '.', dir));
    const cwdExists = fs.existsSync(cwd);
    if (!cwdExists) problems.push(`/processes/${role}/cwd: no such folder ${cwd}`);
    processes[role] = {
      command: p.command.map((part) => fillStatic(part, dir)),
      cwd,
      links: { ...DEFAULT_LINKS[role], ...p.links },
      env: Object.fromEntries(Object.entries(p.env ?? {}).map(([k, v]) => [k, fillStatic(v, dir)])),
      ...(p.readyLog ? { readyLog: p.readyLog } : {}),
    };
    const cannotStart = cwdExists ? unstartable(role, processes[role]) : undefined;
    if (cannotStart) problems.push(cannotStart);
  }
  const declared = new Set(Object.values(m.crashPoints?.points ?? {}).flat());
  if (m.crashPoints && declared.size === 0) problems.push('/crashPoints/points: declares no point');
  for (const variant of Object.keys(m.bugs?.kafkaBrokers ?? {}))
    if (!m.bugs!.variants.includes(variant))
      problems.push(`/bugs/kafkaBrokers/${variant}: not a declared variant; variants: ${m.bugs!.variants.join(', ')}`);
  if (problems.length) throw problemsError(where, problems);
  return {
    name: m.name,
    schemaSql,
    ...(m.schema.perRun?.length ? { perRunSql: m.schema.perRun } : {}),
    processes,
    write: { kind: 'http', path: m.write.http.path, healthPath: m.write.http.health },
    eventId: m.eventId,
    committedEventsSql: m.observe.committedEvents,
    effectsSql: m.observe.effects,
    ...(m.observe.deadLettered ? { deadLetteredSql: m.observe.deadLettered } : {}),
    guarantees: { perAggregateOrder: m.guarantees.perAggregateOrder },
    consumerCommitsOffsets: (m.consumerOffsets ?? 'kafka-group') === 'kafka-group',
    ...(m.drain ? { drainQuietMs: m.drain.quietMs } : {}),
    ...(m.load ? { load: m.load } : {}),
    ...(m.bench ? { bench: benchDefinition(m.bench) } : {}),
    ...(m.bugs
      ? {
          bugs: {
            env: m.bugs.env,
            variants: m.bugs.variants,
            ...(m.bugs.kafkaBrokers ? { kafkaBrokers: m.bugs.kafkaBrokers } : {}),
          },
        }
      : {}),
    ...(m.crashPoints?.env ? { crashEnv: m.crashPoints.env } : {}),
    ...(m.crashPoints?.fileEnv ? { crashFileEnv: m.crashPoints.fileEnv } : {}),
    ...(m.crashPoints ? { crashPoints: m.crashPoints.points } : {}),
  };
}
