import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN_FILE, CACHE_DIR } from '../common/paths.ts';
import { describeError, HarnessError } from '../common/errors.ts';
import { writeFileAtomically } from '../common/files.ts';
import {
  LINK_NAMES,
  LINKS,
  startStack,
  type LinkName,
  type ProviderName,
  type Stack,
  type StackOptions,
} from './index.ts';
import { brokerIds, brokerLinkProxy } from './cluster-layout.ts';
import { withKafkaAdmin } from './kafka-client.ts';
import { withPgClient } from './pg-client.ts';
import { isAlive } from './processes.ts';

/**
 * `outbox-chaos infra up|down|status`: a stack that outlives the command, for developing an
 * implementation against it. A detached process owns the stack; a state file says where it is.
 */

export interface InfraState {
  readonly status: 'starting' | 'up' | 'failed';
  readonly pid: number;
  readonly startedAt: string;
  readonly provider?: ProviderName;
  readonly log: string;
  readonly error?: string;
  /** The stack's own processes and folders, for anyone checking that down removed them. */
  readonly pids?: readonly number[];
  readonly dirs?: readonly string[];
  readonly endpoints?: {
    readonly postgres: string;
    readonly kafka: string;
    readonly toxiproxy: string;
    readonly links: Readonly<Record<LinkName, string>>;
  };
}

const INFRA_DIR = path.join(CACHE_DIR, 'infra');

function stateFile(name: string): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) throw new HarnessError(`--name must be letters, digits, - or _: "${name}"`);
  return path.join(INFRA_DIR, `${name}.json`);
}

function readState(name: string): InfraState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(name), 'utf8')) as InfraState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HarnessError(`cannot read ${stateFile(name)}: ${(err as Error).message}`);
  }
}

function writeState(name: string, state: InfraState): void {
  fs.mkdirSync(INFRA_DIR, { recursive: true });
  writeFileAtomically(stateFile(name), `${JSON.stringify(state, null, 2)}\n`);
}

function endpointsOf(stack: Stack): NonNullable<InfraState['endpoints']> {
  const links = Object.fromEntries(
    LINK_NAMES.map((link) => [
      link,
      link.endsWith('-pg') ? stack.pgUrl('postgres', link) : stack.kafkaBrokers(link).join(','),
    ]),
  ) as Record<LinkName, string>;
  return {
    postgres: stack.pgUrl('postgres', 'direct'),
    kafka: stack.kafkaBrokers('direct').join(','),
    toxiproxy: stack.toxiproxyUrl,
    links,
  };
}

/** The detached owner: starts the stack, says where it is, and holds it until SIGTERM. */
export async function serveInfra(name: string, options: StackOptions): Promise<void> {
  const log = path.join(INFRA_DIR, `${name}.log`);
  const base = { pid: process.pid, startedAt: new Date().toISOString(), log };
  writeState(name, { status: 'starting', ...base });
  let stack: Stack;
  try {
    stack = await startStack({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  } catch (err) {
    writeState(name, { status: 'failed', ...base, error: describeError(err) });
    process.exit(2);
  }
  writeState(name, {
    status: 'up',
    ...base,
    provider: stack.provider,
    endpoints: endpointsOf(stack),
    pids: stack.pids(),
    dirs: stack.dirs,
  });
  const keepAlive = setInterval(() => {}, 60_000);
  const shutdown = async () => {
    clearInterval(keepAlive);
    await stack.stop().catch(() => {});
    fs.rmSync(stateFile(name), { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

/** Starts the owner process and waits until the stack is up or has failed. */
export async function infraUp(
  name: string,
  args: readonly string[],
  log: (line: string) => void,
): Promise<InfraState & { already?: boolean }> {
  const existing = readState(name);
  if (existing && isAlive(existing.pid)) {
    if (existing.status === 'up') return { ...existing, already: true };
    throw new HarnessError(
      `a stack named "${name}" is already ${existing.status} (pid ${existing.pid}); see ${existing.log}`,
    );
  }
  fs.mkdirSync(INFRA_DIR, { recursive: true });
  fs.rmSync(stateFile(name), { force: true });
  const logFile = path.join(INFRA_DIR, `${name}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [BIN_FILE, 'infra', 'serve', '--name', name, ...args], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  log(`starting the stack (pid ${child.pid}); log: ${logFile}`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const state = readState(name);
    if (state?.status === 'up') return state;
    if (state?.status === 'failed') {
      fs.rmSync(stateFile(name), { force: true });
      throw new HarnessError(state.error ?? `the stack did not start; see ${logFile}`);
    }
    if (child.pid === undefined || !isAlive(child.pid)) {
      throw new HarnessError(
        `the stack's process exited before the stack was up; its log ${logFile} ends:\n${tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      process.kill(child.pid, 'SIGTERM');
      throw new HarnessError(`the stack was not up after 180 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the owner (which takes the stack down with it) and removes its state and log; true if there was one to stop. */
export async function infraDown(name: string): Promise<boolean> {
  const state = readState(name);
  if (!state) return false;
  if (isAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Its reaper takes down whatever the owner left when it is killed outright.
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    while (isAlive(state.pid)) await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(stateFile(name), { force: true });
  fs.rmSync(state.log, { force: true });
  return true;
}

export interface ComponentHealth {
  readonly component: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Asks each component for real: a query, a metadata request, the proxy list. */
export async function infraStatus(
  name: string,
): Promise<{ state: InfraState | undefined; running: boolean; health: ComponentHealth[] }> {
  const state = readState(name);
  if (!state) return { state, running: false, health: [] };
  const running = isAlive(state.pid);
  if (!running || !state.endpoints) return { state, running, health: [] };
  const e = state.endpoints;
  const probe = async (component: string, fn: () => Promise<string>): Promise<ComponentHealth> => {
    try {
      return { component, ok: true, detail: await fn() };
    } catch (err) {
      return { component, ok: false, detail: describeError(err) };
    }
  };
  const health = await Promise.all([
    probe('postgres', () =>
      withPgClient(
        e.postgres,
        async (c) => `${(await c.query('SHOW server_version')).rows[0].server_version} at ${e.postgres}`,
        3_000,
      ),
    ),
    probe('kafka', () =>
      withKafkaAdmin(
        e.kafka.split(','),
        'outbox-chaos-status',
        async (a) => `${(await a.describeCluster()).brokers.length} broker(s) at ${e.kafka}`,
      ),
    ),
    probe('toxiproxy', async () => {
      const res = await fetch(`${e.toxiproxy}/proxies`, { signal: AbortSignal.timeout(3_000) });
      if (!res.ok) throw new Error(`GET /proxies answered ${res.status}`);
      const proxies = (await res.json()) as Record<string, { enabled: boolean }>;
      // On a cluster each Kafka link is a proxy per broker, named as the stack named them.
      const brokers = brokerIds(e.kafka.split(',').length);
      const names = LINK_NAMES.flatMap((l) =>
        brokers.length === 1 || LINKS[l].target === 'postgres' ? [l] : brokers.map((b) => brokerLinkProxy(l, b)),
      );
      const missing = names.filter((n) => !proxies[n]);
      if (missing.length) throw new Error(`proxies missing: ${missing.join(', ')}`);
      const disabled = names.filter((n) => !proxies[n]!.enabled);
      const count = names.length;
      return `${count} link proxies at ${e.toxiproxy}${disabled.length ? `, disabled: ${disabled.join(', ')}` : ', all enabled'}`;
    }),
  ]);
  return { state, running, health };
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
