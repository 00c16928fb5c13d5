// A SUT process that cannot start ends the cluster's start with one line naming it, why, and where
// its log is; the processes that did start are stopped. No stack: the run environment is a stand-in,
// and the processes are small shell programs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/common/errors.ts';
import { isAlive } from '../../harness/infra/processes.ts';
import type { RunEnv, Stack } from '../../harness/infra/stack.ts';
import { SutCluster, telltaleLine, type ProcessEvent } from '../../harness/sut/cluster.ts';
import type { ProcessDefinition, Role, SutDefinition } from '../../harness/sut/definition.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const root = tempDir('outbox-cluster-start-');
afterAll(() => removeTempDir(root));

const run = {
  id: 'r',
  database: 'run_db',
  topic: 'run-topic',
  groupId: 'run-group',
  partitions: 1,
  pgUrl: () => 'postgres://nobody@127.0.0.1:1/run_db',
  kafkaBrokers: () => ['127.0.0.1:1'],
  drop: async () => {},
} as RunEnv;

const proc = (command: string[], readyLog?: string): ProcessDefinition => ({
  command,
  cwd: root,
  links: { pg: 'app-pg', kafka: 'app-kafka' },
  env: { WHO: '${REPLICA}' },
  ...(readyLog ? { readyLog } : {}),
});

function definition(processes: Record<Role, ProcessDefinition>): SutDefinition {
  return {
    name: 'stand-in',
    schemaSql: '',
    processes,
    write: { kind: 'http', path: '/ops', healthPath: '/health' },
    eventId: { header: 'event-id' },
    committedEventsSql: 'SELECT 1',
    effectsSql: 'SELECT 1',
    guarantees: { perAggregateOrder: true },
    consumerCommitsOffsets: true,
  };
}

async function startFailure(def: SutDefinition, logDir: string, events: ProcessEvent[] = []): Promise<HarnessError> {
  try {
    const cluster = await SutCluster.start({} as Stack, run, def, { logDir, onEvent: (e) => events.push(e) });
    await cluster.stopAll();
  } catch (err) {
    return err as HarnessError;
  }
  throw new Error('the cluster started');
}

describe('a SUT process that cannot start', () => {
  it('no such program: one line with the spawn error and the log path; the others are stopped', async () => {
    const logDir = path.join(root, 'enoent');
    const events: ProcessEvent[] = [];
    const err = await startFailure(
      definition({
        app: proc(['./bin/no-such-app']),
        relay: proc(['sleep', '30']),
        consumer: proc(['sleep', '30']),
      }),
      logDir,
      events,
    );
    expect(err).toBeInstanceOf(HarnessError);
    expect(err.message).toBe(
      `app-1 could not start: spawn ./bin/no-such-app ENOENT (cwd ${root}); its log: ${path.join(logDir, 'app-1.log')}`,
    );
    expect(fs.readFileSync(path.join(logDir, 'app-1.log'), 'utf8')).toMatch(
      /spawn failed: spawn \.\/bin\/no-such-app ENOENT/,
    );
    const started = events.filter((e) => e.what === 'started');
    expect(started.map((e) => e.process).sort()).toEqual(['consumer-1', 'relay-1']);
    for (const e of started) expect(isAlive(e.pid)).toBe(false);
  });

  it('a program that exits during start-up: one line with what it logged and the log path', async () => {
    const logDir = path.join(root, 'exits');
    const err = await startFailure(
      definition({
        app: proc([
          'sh',
          '-c',
          'echo "node:internal/modules/cjs/loader:1228" >&2; echo "Error: Cannot find module \'/srv/app.js\'" >&2; echo "    at Module._resolveFilename" >&2; echo "Node.js v20" >&2; exit 1',
        ]),
        relay: proc(['sleep', '30']),
        consumer: proc(['sleep', '30']),
      }),
      logDir,
    );
    expect(err.message).toBe(
      `app-1 exited during start-up (code 1); it logged: Error: Cannot find module '/srv/app.js'; its log: ${path.join(logDir, 'app-1.log')}`,
    );
  });

  it('per-process placeholders are filled in commands as in env', async () => {
    const logDir = path.join(root, 'placeholders');
    const cluster = await SutCluster.start(
      {} as Stack,
      run,
      definition({
        app: proc([
          process.execPath,
          '-e',
          "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')",
          '${PORT}',
        ]),
        relay: proc(['sh', '-c', 'echo "$1 up on $2 as $WHO"; exec sleep 30', 'sh', '${REPLICA}', '${TOPIC}'], 'up on'),
        consumer: proc(['sleep', '30']),
      }),
      { logDir },
    );
    try {
      expect(fs.readFileSync(cluster.logFile('relay-1'), 'utf8')).toBe('relay-1 up on run-topic as relay-1\n');
      expect(cluster.apps()).toHaveLength(1);
    } finally {
      await cluster.stopAll();
    }
  });

  it('the telltale line is the last unindented error line, else the last line', () => {
    expect(
      telltaleLine(
        'Traceback (most recent call last):\n  File "x.py"\nModuleNotFoundError: No module named \'kafka\'\n',
      ),
    ).toBe("ModuleNotFoundError: No module named 'kafka'");
    expect(telltaleLine('Error: Unable to access jarfile target/relay.jar\n')).toBe(
      'Error: Unable to access jarfile target/relay.jar',
    );
    expect(telltaleLine('starting\nlistening on 0\n')).toBe('listening on 0');
    expect(telltaleLine('(no log)')).toBeUndefined();
  });
});
