import fs from 'node:fs';
import path from 'node:path';
import { check, type Verdict } from '../checker/index.ts';
import { drain } from '../history/drain.ts';
import { eventTimes } from '../history/event-times.ts';
import { History } from '../history/history.ts';
import { readFinalDbState, readWholeTopic } from '../history/observe.ts';
import { describeError } from '../infra/errors.ts';
import type { Stack } from '../infra/stack.ts';
import { faultKind, type ActiveFault, type FaultContext } from '../nemesis/index.ts';
import { SutCluster } from '../sut/cluster.ts';
import type { Role, SutDefinition } from '../sut/definition.ts';
import type { Schedule } from '../workload/schedule.ts';
import { BackgroundWrites, WriterPool } from './writers.ts';

export interface RunSettings {
  readonly stack: Stack;
  readonly def: SutDefinition;
  /** The template database holding the SUT's schema (prepared once per stack). */
  readonly template: string;
  readonly bug?: string;
  readonly sutEnv?: Partial<Record<Role, Readonly<Record<string, string>>>>;
  readonly drainTimeoutMs: number;
  readonly quietMs: number;
}

export interface RunResult {
  readonly valid: Verdict['valid'];
  readonly verdict?: Verdict;
  /** Why the run could not be judged, when it could not. */
  readonly unknownBecause?: string;
  readonly schedule: Schedule;
  readonly runDir: string;
  readonly durationMs: number;
}

/**
 * Runs one schedule against the SUT, end to end: fresh database, topic and group; the SUT's
 * processes; writes and fault windows as scheduled; heal; stop the writers' apps so nothing more
 * can commit; drain; read Kafka and the database directly; check. Anything that stops the harness
 * from observing makes the result 'unknown', never valid.
 */
export async function executeSchedule(settings: RunSettings, schedule: Schedule, runDir: string): Promise<RunResult> {
  const started = Date.now();
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'schedule.json'), `${JSON.stringify(schedule, null, 2)}\n`);
  const history = new History(path.join(runDir, 'history.jsonl'));
  const { stack, def } = settings;
  const c = schedule.concurrency;
  const healers: (() => Promise<void>)[] = [];
  let cluster: SutCluster | undefined;
  let background: BackgroundWrites | undefined;
  let run: Awaited<ReturnType<Stack['newRun']>> | undefined;
  const finish = (fields: Omit<RunResult, 'schedule' | 'runDir' | 'durationMs'>): RunResult => {
    const result: RunResult = { ...fields, schedule, runDir, durationMs: Date.now() - started };
    const { verdict } = result;
    fs.writeFileSync(
      path.join(runDir, 'result.json'),
      `${JSON.stringify({ valid: result.valid, unknownBecause: result.unknownBecause, anomalies: verdict?.anomalies ?? [], stats: verdict?.stats ?? {}, durationMs: result.durationMs }, null, 2)}\n`,
    );
    return result;
  };
  const healAll = async () => {
    for (const heal of healers.splice(0)) await heal();
    await stack.healAll();
  };
  try {
    history.record({ type: 'phase', process: 'harness', phase: 'start', detail: JSON.stringify(c) });
    run = await stack.newRun({ partitions: c.partitions, template: settings.template, perRunSql: def.perRunSql });
    const thisRun = run;
    cluster = await SutCluster.start(stack, thisRun, def, {
      replicas: { app: 1, relay: c.relays, consumer: c.consumers },
      bug: settings.bug,
      env: settings.sutEnv,
      restartCrashedAfterMs: 300,
      logDir: path.join(runDir, 'logs'),
      onEvent: (e) => history.record({ type: 'process', process: e.process, what: e.what, pid: e.pid, detail: e.detail }),
    });
    const ctx: FaultContext = { stack, cluster, def, history };
    const writers = new WriterPool(c.writers, cluster, def, history);
    const windows: Promise<void>[] = [];
    background = new BackgroundWrites(new WriterPool(1, cluster, def, history, 'background'));

    for (const [index, step] of schedule.steps.entries()) {
      if (step.kind === 'ops') {
        for (let n = 0; n < step.count; n++) await writers.submit(index, step, n);
        continue;
      }
      const kind = faultKind(step.fault);
      const faultId = `f${index}`;
      const target = kind.describe(step.params);
      history.record({ type: 'fault-start', process: 'nemesis', faultId, step: index, fault: step.fault, target });
      let active: ActiveFault;
      try {
        active = await kind.start(ctx, step.params);
      } catch (err) {
        history.record({ type: 'fault-end', process: 'nemesis', faultId, step: index, fault: step.fault, target, detail: `could not start: ${describeError(err)}` });
        continue;
      }
      let healed: Promise<void> | undefined;
      const heal = () => {
        const end = { type: 'fault-end', process: 'nemesis', faultId, step: index, fault: step.fault, target, affects: active.affects } as const;
        healed ??= active.heal().then(
          () => void history.record(end),
          (err) => void history.record({ ...end, detail: `heal failed: ${describeError(err)}` }),
        );
        return healed;
      };
      healers.push(heal);
      const open = background.windowOpened();
      windows.push(new Promise((r) => setTimeout(r, step.windowMs)).then(heal).finally(open.close));
    }

    await writers.finish();
    await Promise.all(windows);
    await background.finish();
    history.record({ type: 'phase', process: 'harness', phase: 'workload-done' });
    await healAll();
    const lastHealAt = Date.now();
    history.record({ type: 'phase', process: 'harness', phase: 'healed' });

    // No more writes can commit from here on, so the committed set is final.
    for (const app of cluster.apps()) await cluster.kill(app.name);
    const quietMs = Math.max(settings.quietMs, def.drainQuietMs ?? 0);
    const drained = await drain(thisRun, def, { lastHealAt, timeoutMs: Math.max(settings.drainTimeoutMs, quietMs * 3), quietMs, starting: () => cluster!.starting() });
    history.record({ type: 'phase', process: 'harness', phase: 'drained', detail: JSON.stringify(drained) });

    const messages = await readWholeTopic(thisRun.kafkaBrokers('direct'), thisRun.topic, 30_000);
    const db = await readFinalDbState(thisRun.pgUrl('direct'), def);
    history.record({ type: 'phase', process: 'harness', phase: 'observed', detail: `${messages.length} messages, ${db.committed.length} committed events, ${db.effects.length} effects` });

    const commitTimes = new Map<string, number>();
    const ops = [...writers.ops, ...background.ops];
    for (const op of ops) for (const e of op.events) commitTimes.set(e.eventId, op.completedAt);
    const times = eventTimes({ committed: db.committed, messages, effects: db.effects, eventId: def.eventId, commitTimes });
    fs.writeFileSync(path.join(runDir, 'events.json'), `${JSON.stringify(times)}\n`);
    const effectTimes = new Map(times.flatMap((t) => (t.appliedAt === null ? [] : [[t.eventId, t.appliedAt] as const])));
    const verdict = check({
      committed: db.committed,
      messages,
      effects: db.effects,
      deadLettered: db.deadLettered,
      eventId: def.eventId,
      perAggregateOrder: def.guarantees.perAggregateOrder,
      commitTimes,
      effectTimes,
      drain: drained,
      ops,
    });
    return finish({ valid: verdict.valid, verdict, ...(verdict.unknownBecause ? { unknownBecause: verdict.unknownBecause } : {}) });
  } catch (err) {
    return finish({ valid: 'unknown', unknownBecause: `the harness could not complete the run: ${describeError(err)}` });
  } finally {
    await background?.finish().catch(() => {});
    await healAll().catch(() => {});
    await cluster?.stopAll().catch(() => {});
    await run?.drop().catch(() => {});
    history.close();
  }
}
