import fs from 'node:fs';
import path from 'node:path';
import { check, measurePower, type CheckInput, type Power, type Verdict } from '../checker/index.ts';
import { drain, type DrainOutcome } from '../history/drain.ts';
import { eventTimes } from '../history/event-times.ts';
import { faultFirings, processRecords, writeRecords } from '../history/firings.ts';
import type { History } from '../history/history.ts';
import { readFinalDbState, readWholeTopic, type FinalDbState, type ObservedMessage } from '../history/observe.ts';
import type { RunEnv } from '../infra/stack.ts';
import type { SutCluster } from '../sut/cluster.ts';
import type { SutDefinition } from '../sut/definition.ts';

export interface Observed {
  readonly verdict: Verdict;
  readonly power: Power;
  readonly drain: DrainOutcome;
  /** What the observer read: the whole topic, and the final state through the SUT's queries. */
  readonly messages: readonly ObservedMessage[];
  readonly db: FinalDbState;
}

/**
 * The end of every run: read Kafka and the database directly, build the checker's input from
 * them and the recorded history (writes, fault firings, process lifecycle), write the per-event
 * timings next to the history, and check.
 */
export async function observeAndCheck(o: {
  readonly run: RunEnv;
  readonly def: SutDefinition;
  readonly history: History;
  readonly drain: DrainOutcome;
  /** Where events.json goes; none for a run that keeps no folder. */
  readonly runDir?: string;
}): Promise<Omit<Observed, 'drain'>> {
  const messages = await readWholeTopic(o.run.kafkaBrokers('direct'), o.run.topic, 30_000);
  const db = await readFinalDbState(o.run.pgUrl('direct'), o.def);
  o.history.record({
    type: 'phase',
    process: 'harness',
    phase: 'observed',
    detail: `${messages.length} messages, ${db.committed.length} committed events, ${db.effects.length} effects`,
  });

  const commitTimes = new Map<string, number>();
  const writes = writeRecords(o.history.events);
  for (const w of writes) for (const e of w.events) commitTimes.set(e.eventId, w.completedAt);
  const times = eventTimes({
    committed: db.committed,
    messages,
    effects: db.effects,
    eventId: o.def.eventId,
    commitTimes,
  });
  if (o.runDir) fs.writeFileSync(path.join(o.runDir, 'events.json'), `${JSON.stringify(times)}\n`);
  const effectTimes = new Map(times.flatMap((t) => (t.appliedAt === null ? [] : [[t.eventId, t.appliedAt] as const])));
  const input: CheckInput = {
    committed: db.committed,
    messages,
    effects: db.effects,
    deadLettered: db.deadLettered,
    eventId: o.def.eventId,
    perAggregateOrder: o.def.guarantees.perAggregateOrder,
    commitTimes,
    effectTimes,
    drain: o.drain,
    ops: writes,
    faults: faultFirings(o.history.events),
    processes: processRecords(o.history.events),
  };
  return { verdict: check(input), power: measurePower(input), messages, db };
}

/**
 * How every run ends, after the faults are healed: stop the apps so nothing more can commit (the
 * committed set is final from here), drain until everything is delivered or nothing moves, then
 * observe and check.
 */
export async function endRun(o: {
  readonly run: RunEnv;
  readonly def: SutDefinition;
  readonly cluster: SutCluster;
  readonly history: History;
  readonly lastHealAt: number;
  readonly drainTimeoutMs: number;
  readonly quietMs: number;
  /**
   * True while a SUT process is still coming up; quiet time does not count then. A run whose
   * supervisor restarts crashed processes passes it; a test that leaves a crashed process down on
   * purpose does not, or the drain would wait for it for ever.
   */
  readonly starting?: () => boolean;
  readonly runDir?: string;
}): Promise<Observed> {
  for (const app of o.cluster.apps()) if (o.cluster.isRunning(app.name)) await o.cluster.kill(app.name);
  const quietMs = Math.max(o.quietMs, o.def.drainQuietMs ?? 0);
  const drained = await drain(o.run, o.def, {
    lastHealAt: o.lastHealAt,
    timeoutMs: Math.max(o.drainTimeoutMs, quietMs * 3),
    quietMs,
    starting: o.starting,
  });
  o.history.record({ type: 'phase', process: 'harness', phase: 'drained', detail: JSON.stringify(drained) });
  const observed = await observeAndCheck({ ...o, drain: drained });
  return { ...observed, drain: drained };
}
