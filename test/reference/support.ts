import crypto from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import fs from 'node:fs';
import type { Verdict } from '../../harness/checker/index.ts';
import { History } from '../../harness/history/history.ts';
import type { FinalDbState, ObservedMessage } from '../../harness/history/observe.ts';
import { startStack, type RunEnv, type Stack } from '../../harness/infra/index.ts';
import { SutCluster, type ClusterOptions } from '../../harness/sut/cluster.ts';
import type { SutDefinition } from '../../harness/sut/definition.ts';
import { referenceSut } from '../../harness/sut/reference.ts';
import { endRun } from '../../harness/run/observe-and-check.ts';
import { eventually, removeTempDir, tempDir } from '../helpers.ts';
import { sendOp, type OpRequest, type WriteOutcome } from '../../harness/sut/write-client.ts';

export const TEMPLATE = 'reference_template';

export async function prepareReference(stack: Stack): Promise<SutDefinition> {
  const def = referenceSut();
  await stack.prepareTemplate(TEMPLATE, def.schemaSql);
  return def;
}

export interface Outcome {
  readonly op: OpRequest;
  readonly result: WriteOutcome;
}

export interface Observation {
  readonly verdict: Verdict;
  readonly messages: readonly ObservedMessage[];
  readonly db: FinalDbState;
}

/** One run of the reference: fresh database, topic and group, its own processes. */
export class ReferenceRun {
  readonly outcomes: Outcome[] = [];
  /** Each write's invoke and completion, as a run records them: what the end of the run reads. */
  readonly history = new History();
  private nextApp = 0;

  private constructor(
    readonly stack: Stack,
    readonly def: SutDefinition,
    readonly run: RunEnv,
    readonly cluster: SutCluster,
    readonly logDir: string,
  ) {}

  static async start(
    stack: Stack,
    def: SutDefinition,
    options: Omit<ClusterOptions, 'logDir'> & { partitions?: number } = {},
  ): Promise<ReferenceRun> {
    const run = await stack.newRun({ partitions: options.partitions ?? 3, template: TEMPLATE });
    const logDir = tempDir('outbox-ref-logs-');
    const cluster = await SutCluster.start(stack, run, def, { ...options, logDir });
    return new ReferenceRun(stack, def, run, cluster, logDir);
  }

  /** Sends one op to the next app (round robin) and records its outcome. */
  async write(op: Omit<OpRequest, 'op_id'> & { op_id?: string }, timeoutMs = 20_000): Promise<WriteOutcome> {
    const apps = this.cluster.apps();
    const url = apps[this.nextApp++ % apps.length]!.url;
    const full: OpRequest = { op_id: crypto.randomUUID(), ...op };
    this.history.record({ type: 'invoke', process: 'test', opId: full.op_id, step: -1, op: { ...full } });
    const result = await sendOp(url, this.def.write.path, full, timeoutMs);
    this.history.record(
      result.type === 'ok'
        ? { type: 'ok', process: 'test', opId: full.op_id, step: -1, events: result.events }
        : { type: result.type, process: 'test', opId: full.op_id, step: -1, error: result.error },
    );
    this.outcomes.push({ op: full, result });
    return result;
  }

  /** Many deposits spread over accounts, with bounded concurrency. */
  async deposits(count: number, accounts: string[], concurrency = 8): Promise<WriteOutcome[]> {
    const results: WriteOutcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          results[i] = await this.write({
            type: 'deposit',
            account: accounts[i % accounts.length]!,
            amount: 1 + (i % 9),
          });
        }
      }),
    );
    return results;
  }

  /**
   * Ends the run as the harness does: no more writes (apps are stopped, so nothing else can
   * commit), drain, then read Kafka and the database directly and run every checker.
   */
  async finish(options: { quietMs?: number; timeoutMs?: number; lastHealAt?: number } = {}): Promise<Observation> {
    const { verdict, messages, db } = await endRun({
      run: this.run,
      def: this.def,
      cluster: this.cluster,
      history: this.history,
      lastHealAt: options.lastHealAt ?? Date.now(),
      drainTimeoutMs: options.timeoutMs ?? 60_000,
      quietMs: options.quietMs ?? 4_000,
    });
    return { verdict, messages, db };
  }

  async close(): Promise<void> {
    await this.cluster.stopAll();
    await this.run.drop().catch(() => {});
    removeTempDir(this.logDir);
  }

  log(name: string): string {
    return fs.readFileSync(this.cluster.logFile(name), 'utf8');
  }

  /** Waits for a process armed with a crash point to die of it, then starts it again unarmed. */
  async restartAfterCrash(name: string): Promise<void> {
    await waitFor(() => !this.cluster.isRunning(name), 15_000, `${name} to hit its crash point`);
    expect(this.log(name)).toMatch(/crash point \S+ fired/);
    await this.cluster.restart(name, { OUTBOX_CRASH_AT: '' });
  }
}

/**
 * One stack for a test file, with the reference's schema template prepared; torn down after the
 * file. withRun gives each test its own run and closes it whatever happens.
 */
export function useReferenceStack() {
  let stack: Stack | undefined;
  let def: SutDefinition | undefined;
  beforeAll(async () => {
    stack = await startStack();
    def = await prepareReference(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const ready = () => {
    if (!stack || !def) throw new Error('the stack is not up (beforeAll failed)');
    return { stack, def };
  };
  return {
    get stack(): Stack {
      return ready().stack;
    },
    get def(): SutDefinition {
      return ready().def;
    },
    async withRun<T>(
      options: Parameters<typeof ReferenceRun.start>[2],
      body: (r: ReferenceRun) => Promise<T>,
    ): Promise<T> {
      const r = await ReferenceRun.start(ready().stack, ready().def, options);
      try {
        return await body(r);
      } finally {
        await r.close();
      }
    },
  };
}

export function kinds(verdict: Verdict): string[] {
  return [...new Set(verdict.anomalies.map((a) => a.kind))].sort();
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  if (!(await eventually(check, timeoutMs, 100))) throw new Error(`timed out waiting for ${what}`);
}
