import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../harness/infra/cleanup.ts';
import { isAlive } from '../harness/infra/processes.ts';
import { buildLocalImages } from '../harness/infra/containers/images.ts';
import { startStack, type Stack, type StackOptions } from '../harness/infra/index.ts';
import { withKafkaAdmin } from '../harness/infra/kafka-client.ts';
import { postmasterSegment, sharedSegments, type SharedSegment } from '../harness/infra/pg-segment.mjs';
import type { RunEnv } from '../harness/infra/stack.ts';
import { FAULTS, type ActiveFault, type FaultContext } from '../harness/nemesis/index.ts';
import type { SutCluster } from '../harness/sut/cluster.ts';
import { referenceSut } from '../harness/sut/reference.ts';
import { afterAll, beforeAll, expect } from 'vitest';

/** Polls until check() is true or the time is up; returns the last answer. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function alivePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => isAlive(pid));
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/**
 * A temp folder for one test file, registered with the harness's cleanup, so that it goes even
 * when the run is killed before afterAll.
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  trackDir(dir);
  return dir;
}

export function removeTempDir(dir: string | undefined): void {
  if (!dir) return;
  fs.rmSync(dir, { recursive: true, force: true });
  untrackDir(dir);
}

/** A stack and a report folder for one test file: started before its tests, gone after them. */
export function useSuiteStack(
  prefix: string,
  options: StackOptions = {},
): { readonly stack: Stack; readonly reportDir: string } {
  const state: { stack?: Stack; reportDir?: string } = {};
  beforeAll(async () => {
    state.stack = await startStack(options);
    state.reportDir = tempDir(prefix);
  });
  afterAll(async () => {
    await state.stack?.stop();
    removeTempDir(state.reportDir);
  });
  return {
    get stack() {
      return state.stack!;
    },
    get reportDir() {
      return state.reportDir!;
    },
  };
}

/**
 * For files that run the containers provider: no registry is reachable here, so they use the
 * locally built images (OUTBOX_CHAOS_IMAGES=local), built first if missing or out of date.
 */
export function useLocalImages(): void {
  process.env.OUTBOX_CHAOS_IMAGES ??= 'local';
  beforeAll(async () => {
    await buildLocalImages({ log: (line) => console.log(line) });
  }, 900_000);
}

/** One of a run's partitions on a Kafka cluster: its leader and in-sync replicas. */
export interface PartitionView {
  readonly partition: number;
  readonly leader: number;
  readonly isr: readonly number[];
}

/** The run's partitions as the given brokers see them (an isolated broker's own view is stale). */
export async function partitionsSeenBy(stack: Stack, run: RunEnv, ask: readonly number[]): Promise<PartitionView[]> {
  const direct = stack.brokers.filter((b) => ask.includes(b.id)).map((b) => `${b.direct.host}:${b.direct.port}`);
  return withKafkaAdmin(direct, 'outbox-chaos-test', async (admin) => {
    const meta = await admin.fetchTopicMetadata({ topics: [run.topic] });
    return meta.topics[0]!.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, isr: p.isr }));
  });
}

/** Polls until holds() is true of the partitions, reads that fail counting as not yet. */
export async function untilPartitions(
  stack: Stack,
  run: RunEnv,
  ask: readonly number[],
  holds: (ps: PartitionView[]) => boolean,
  ms: number,
): Promise<{ ok: boolean; last: string }> {
  let last = 'no answer';
  const ok = await eventually(
    async () => {
      try {
        const ps = await partitionsSeenBy(stack, run, ask);
        last = JSON.stringify(ps);
        return holds(ps);
      } catch (err) {
        last = String(err);
        return false;
      }
    },
    ms,
    250,
  );
  return { ok, last };
}

/** Fenced: as the other brokers see it, the broker leads none of the run's partitions and is in no ISR. */
export async function expectFenced(stack: Stack, run: RunEnv, id: number, ms = 30_000): Promise<void> {
  const others = stack.brokers.map((b) => b.id).filter((b) => b !== id);
  const { ok, last } = await untilPartitions(
    stack,
    run,
    others,
    (ps) => ps.length === run.partitions && ps.every((p) => p.leader !== id && !p.isr.includes(id)),
    ms,
  );
  expect(ok, `while broker ${id} is isolated: ${last}`).toBe(true);
}

/** Healed: every peer proxy enabled without toxics, every broker running, every ISR whole. */
export async function expectClusterHealed(stack: Stack, run: RunEnv): Promise<void> {
  const ids = stack.brokers.map((b) => b.id);
  for (const from of ids)
    for (const to of ids)
      if (from !== to) expect(await stack.peer(from, to).state()).toEqual({ enabled: true, toxics: [] });
  for (const b of stack.brokers) expect(b.control.pid, `broker ${b.id}`).toBeDefined();
  const { ok, last } = await untilPartitions(
    stack,
    run,
    ids,
    (ps) => ps.length === run.partitions && ps.every((p) => p.isr.length === ids.length),
    60_000,
  );
  expect(ok, `ISRs after the heal: ${last}`).toBe(true);
}

/**
 * Starts a fault by name on a stack and a run with no SUT processes: the broker faults act on
 * the stack and the run's topic only.
 */
export function faultStarter(stack: Stack, run: RunEnv): (name: string, params: unknown) => Promise<ActiveFault> {
  const ctx: FaultContext = { stack, run, def: referenceSut(), cluster: undefined as unknown as SutCluster };
  return (name, params) => FAULTS[name]!.start(ctx, params);
}

/** The segment with this id, if it still exists. */
export function sharedSegment(shmid: number): SharedSegment | undefined {
  return sharedSegments().find((s) => s.shmid === shmid);
}

/** The segment id a PostgreSQL data directory's postmaster.pid names. */
export function postmasterSegmentId(dataDir: string): number | undefined {
  return postmasterSegment(dataDir)?.shmid;
}
