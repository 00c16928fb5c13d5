import fs from 'node:fs';
import path from 'node:path';
import { check, measurePower, type CheckInput, type DrainOutcome, type Power, type Verdict } from '../checker/index.ts';
import { eventTimes } from '../history/event-times.ts';
import { faultFirings, processRecords } from '../history/firings.ts';
import type { History } from '../history/history.ts';
import { readFinalDbState, readWholeTopic } from '../history/observe.ts';
import type { RunEnv } from '../infra/stack.ts';
import type { SutDefinition } from '../sut/definition.ts';
import type { WriteRecord } from './load.ts';

export interface Observed {
  readonly verdict: Verdict;
  readonly power: Power;
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
  readonly writes: readonly WriteRecord[];
  readonly drain: DrainOutcome;
  readonly runDir: string;
}): Promise<Observed> {
  const messages = await readWholeTopic(o.run.kafkaBrokers('direct'), o.run.topic, 30_000);
  const db = await readFinalDbState(o.run.pgUrl('direct'), o.def);
  o.history.record({
    type: 'phase',
    process: 'harness',
    phase: 'observed',
    detail: `${messages.length} messages, ${db.committed.length} committed events, ${db.effects.length} effects`,
  });

  const commitTimes = new Map<string, number>();
  for (const w of o.writes) for (const e of w.events) commitTimes.set(e.eventId, w.completedAt);
  const times = eventTimes({
    committed: db.committed,
    messages,
    effects: db.effects,
    eventId: o.def.eventId,
    commitTimes,
  });
  fs.writeFileSync(path.join(o.runDir, 'events.json'), `${JSON.stringify(times)}\n`);
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
    ops: o.writes,
    faults: faultFirings(o.history.events),
    processes: processRecords(o.history.events),
  };
  return { verdict: check(input), power: measurePower(input) };
}
