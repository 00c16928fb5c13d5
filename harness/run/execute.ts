import fs from 'node:fs';
import path from 'node:path';
import type { Power, Verdict } from '../checker/index.ts';
import { History } from '../history/history.ts';
import { describeError } from '../common/errors.ts';
import type { Stack } from '../infra/stack.ts';
import type { FaultContext } from '../nemesis/index.ts';
import { SutCluster } from '../sut/cluster.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { LOAD_TAIL_MS, loadEndMs, type Schedule } from '../workload/schedule.ts';
import { FaultTimeline } from './fault-timeline.ts';
import { LoadRunner } from './load.ts';
import { endRun } from './observe-and-check.ts';

export interface RunSettings {
  readonly stack: Stack;
  readonly def: SutDefinition;
  /** The template database holding the SUT's schema (prepared once per stack). */
  readonly template: string;
  readonly bug?: string;
  readonly drainTimeoutMs: number;
  readonly quietMs: number;
}

export interface RunResult {
  readonly valid: Verdict['valid'];
  readonly verdict?: Verdict;
  /** What the run exercised: committed events, what each fault met, which crash points fired. */
  readonly power?: Power;
  /** Why the run could not be judged, when it could not. */
  readonly unknownBecause?: string;
  readonly schedule: Schedule;
  readonly runDir: string;
  readonly durationMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Runs one schedule against the SUT, end to end: fresh database, topic and group; the SUT's
 * processes; the load and the fault timeline side by side; heal; stop the apps so nothing more
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
  let cluster: SutCluster | undefined;
  let load: LoadRunner | undefined;
  let timeline: FaultTimeline | undefined;
  let run: Awaited<ReturnType<Stack['newRun']>> | undefined;
  const finish = (fields: Omit<RunResult, 'schedule' | 'runDir' | 'durationMs'>): RunResult => {
    const result: RunResult = { ...fields, schedule, runDir, durationMs: Date.now() - started };
    const { verdict } = result;
    fs.writeFileSync(
      path.join(runDir, 'result.json'),
      `${JSON.stringify({ valid: result.valid, unknownBecause: result.unknownBecause, anomalies: verdict?.anomalies ?? [], stats: verdict?.stats ?? {}, power: result.power ?? null, durationMs: result.durationMs }, null, 2)}\n`,
    );
    return result;
  };
  try {
    history.record({ type: 'phase', process: 'harness', phase: 'start', detail: JSON.stringify(c) });
    run = await stack.newRun({ partitions: c.partitions, template: settings.template, perRunSql: def.perRunSql });
    const thisRun = run;
    cluster = await SutCluster.start(stack, thisRun, def, {
      replicas: { app: 1, relay: c.relays, consumer: c.consumers },
      bug: settings.bug,
      restartCrashedAfterMs: 300,
      logDir: path.join(runDir, 'logs'),
      onEvent: (e) =>
        history.record({ type: 'process', process: e.process, what: e.what, pid: e.pid, detail: e.detail }),
    });
    const ctx: FaultContext = { stack, cluster, def, run: thisRun };
    load = new LoadRunner(schedule, cluster, def, history);
    timeline = new FaultTimeline(schedule.faults, ctx, history);

    // The load and the nemesis run side by side; the load outlasts the last heal by a tail, even
    // when a heal (a broker coming back) took longer than its window.
    const t0 = Date.now();
    history.record({ type: 'phase', process: 'harness', phase: 'load-start' });
    load.start();
    timeline.start(t0, t0 + loadEndMs(schedule));
    await sleep(t0 + loadEndMs(schedule) - Date.now());
    await timeline.finished();
    await sleep(
      Math.max(t0 + loadEndMs(schedule), (schedule.faults.length ? Date.now() : 0) + LOAD_TAIL_MS) - Date.now(),
    );
    await load.stop();
    history.record({ type: 'phase', process: 'harness', phase: 'workload-done' });
    await timeline.stop();
    await stack.healAll();
    const lastHealAt = Date.now();
    history.record({ type: 'phase', process: 'harness', phase: 'healed' });

    const { verdict, power } = await endRun({
      run: thisRun,
      def,
      cluster,
      history,
      lastHealAt,
      drainTimeoutMs: settings.drainTimeoutMs,
      quietMs: settings.quietMs,
      starting: () => cluster!.starting(),
      runDir,
    });
    return finish({
      valid: verdict.valid,
      verdict,
      power,
      ...(verdict.unknownBecause ? { unknownBecause: verdict.unknownBecause } : {}),
    });
  } catch (err) {
    return finish({
      valid: 'unknown',
      unknownBecause: `the harness could not complete the run: ${describeError(err)}`,
    });
  } finally {
    await load?.stop().catch(() => {});
    await timeline?.stop().catch(() => {});
    await stack.healAll().catch(() => {});
    await cluster?.stopAll().catch(() => {});
    await run?.drop().catch(() => {});
    history.close();
  }
}
