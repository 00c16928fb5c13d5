// Power is pure over the history's timings and the final state, so synthetic histories test it:
// a run that exercised nothing must never come out valid.
import { describe, expect, it } from 'vitest';
import { check, measurePower, summarizePower, type CheckInput } from '../../harness/checker/index.ts';
import { struckRole } from '../../harness/checker/power.ts';
import type { FaultFiring } from '../../harness/history/firings.ts';

const settled = { converged: true, settled: true, convergenceMs: 50 };

/** Events e1..eN committed at 1000, 1100, ...; published 50 ms later, applied 100 ms after that. */
function run(n: number, over: Partial<CheckInput> = {}): CheckInput {
  const committed = Array.from({ length: n }, (_, i) => ({
    eventId: `e${i}`,
    opId: `op${i}`,
    aggregateId: 'a',
    seq: i + 1,
    payload: { account: 'a', seq: i + 1 },
  }));
  return {
    committed,
    messages: committed.map((c, i) => ({
      partition: 0,
      offset: i,
      key: 'a',
      value: JSON.stringify(c.payload),
      headers: { 'event-id': c.eventId },
      timestamp: 1_050 + i * 100,
    })),
    effects: committed.map((c) => ({ eventId: c.eventId, aggregateId: 'a', seq: c.seq })),
    deadLettered: [],
    eventId: { header: 'event-id' },
    perAggregateOrder: true,
    drain: settled,
    commitTimes: new Map(committed.map((c, i) => [c.eventId, 1_000 + i * 100])),
    effectTimes: new Map(committed.map((c, i) => [c.eventId, 1_150 + i * 100])),
    ops: committed.map((c, i) => ({
      opId: c.opId,
      type: 'ok' as const,
      invokedAt: 990 + i * 100,
      completedAt: 1_000 + i * 100,
    })),
    ...over,
  };
}

function firing(step: number, startedAt: number, endedAt: number, over: Partial<FaultFiring> = {}): FaultFiring {
  return {
    faultId: `f${step}`,
    step,
    fault: 'kill',
    target: 'kill -9 relay#0',
    startedAt,
    endedAt,
    started: true,
    affects: ['process:relay-1'],
    ...over,
  };
}

describe('power', () => {
  it('a run that committed nothing is unknown (vacuous), never valid', () => {
    const verdict = check(run(0, { faults: [firing(0, 500, 900)] }));
    expect(verdict.valid).toBe('unknown');
    expect(verdict.unknownBecause).toMatch(/^vacuous: the run committed no events/);
  });

  it('a run whose faults met no work is unknown (vacuous)', () => {
    // Everything was committed, published and applied by 1,450; the fault came later.
    const input = run(5, { faults: [firing(0, 5_000, 6_000)] });
    const power = measurePower(input);
    expect(power.faults[0]).toMatchObject({
      metWork: false,
      committedDuring: 0,
      inFlightAtStart: { writes: 0, unpublished: 0, unapplied: 0 },
    });
    expect(check(input).valid).toBe('unknown');
    expect(check(input).unknownBecause).toMatch(/none of the 1 fault\(s\) met work for what it struck/);
  });

  it('a fault on the app during which writes were sent met the load, even if none committed (the app was down)', () => {
    const failing = [{ opId: 'x', type: 'fail' as const, invokedAt: 5_500, completedAt: 5_501 }];
    const onApp = { affects: ['process:app-1'], target: 'kill -9 app#0' };
    const input = run(5, { faults: [firing(0, 5_000, 6_000, onApp)], ops: failing });
    expect(measurePower(input).faults[0]).toMatchObject({ writesDuring: 1, metWork: true });
    expect(check(input).valid).toBe(true);
    // The same writes met a fault on no one role (a cut link) too.
    const onLink = run(5, { faults: [firing(0, 5_000, 6_000, { affects: ['link:app-pg'] })], ops: failing });
    expect(measurePower(onLink).faults[0]!.metWork).toBe(true);
  });

  it('a fault on the consumers or the relays met work only if that role had some, whatever the writers sent', () => {
    // Writes were sent during the fault and failed (every writer waited on one held lock, then
    // gave up): nothing to publish, nothing reached Kafka, nothing waited to be applied.
    const failing = [{ opId: 'x', type: 'fail' as const, invokedAt: 5_500, completedAt: 5_501 }];
    for (const affects of [['process:consumer-1'], ['process:relay-1', 'process:relay-2']]) {
      const input = run(5, { faults: [firing(0, 5_000, 6_000, { affects, fault: 'crash-point' })], ops: failing });
      expect(measurePower(input).faults[0], affects.join()).toMatchObject({ writesDuring: 1, metWork: false });
      expect(check(input).valid).toBe('unknown');
    }
    // At 1,120 e0 was in Kafka and not yet applied: work for a consumer.
    const waiting = run(5, { faults: [firing(0, 1_120, 1_121, { affects: ['process:consumer-2'] })] });
    expect(measurePower(waiting).faults[0]).toMatchObject({ metWork: true, inFlightMax: { unapplied: 1 } });
    // The only event reached Kafka at 1,050, inside the fault: work for a consumer too, though
    // nothing waited to be applied when it began.
    const arriving = run(1, { faults: [firing(0, 1_040, 1_060, { affects: ['process:consumer-1'] })] });
    expect(measurePower(arriving).faults[0]).toMatchObject({
      publishedDuring: 1,
      inFlightAtStart: { unapplied: 0 },
      metWork: true,
    });
  });

  it('tells the one role a fault struck, if it struck only one', () => {
    expect(struckRole(['process:consumer-1'])).toBe('consumer');
    expect(struckRole(['process:relay-1', 'process:relay-3'])).toBe('relay');
    expect(struckRole(['process:relay-1', 'process:consumer-1'])).toBeNull();
    expect(struckRole(['link:relay-pg'])).toBeNull();
    expect(struckRole([])).toBeNull();
  });

  it('a violation still stands in a vacuous run: a phantom is a phantom', () => {
    const input = run(0, {
      messages: [{ partition: 0, offset: 0, key: 'a', value: '{}', headers: { 'event-id': 'ghost' }, timestamp: 1 }],
    });
    expect(check(input).valid).toBe(false);
  });

  it('a fault-free run with traffic keeps its verdict and says it was fault-free', () => {
    const input = run(5);
    expect(check(input).valid).toBe(true);
    expect(measurePower(input)).toMatchObject({ faultFree: true, vacuous: null, committedEvents: 5 });
  });

  it('counts the work in flight when a fault fires, and what commits while it is active', () => {
    // At 1,120: e0 published, not yet applied (1,150); e1 committed at 1,100, not yet published (1,150).
    const input = run(5, { faults: [firing(0, 1_120, 1_320), firing(1, 1_195, 1_196)] });
    const [first, second] = measurePower(input).faults;
    expect(first).toMatchObject({
      step: 0,
      firings: 1,
      metWork: true,
      inFlightAtStart: { writes: 0, unpublished: 1, unapplied: 1 },
    });
    expect(first!.committedDuring).toBe(2); // e2 at 1,200 and e3 at 1,300
    expect(second!.inFlightAtStart).toEqual({ writes: 1, unpublished: 0, unapplied: 1 }); // op2 in flight (1,190..1,200), e1 unapplied
    expect(check(input).valid).toBe(true);
  });

  it('groups the firings of a cycling fault, and a fault that never started met nothing', () => {
    const input = run(5, {
      faults: [
        firing(0, 5_000, 5_100, { faultId: 'f0.0' }),
        firing(0, 1_120, 1_130, { faultId: 'f0.1' }),
        firing(1, 1_120, 1_300, { started: false }),
      ],
    });
    const [cycling, failed] = measurePower(input).faults;
    expect(cycling).toMatchObject({ firings: 2, metWork: true });
    expect(failed).toMatchObject({ firings: 0, metWork: false });
    // A run whose only fault could not start is load only, not vacuous.
    const never = run(5, { faults: [firing(0, 1_120, 1_300, { started: false })] });
    expect(measurePower(never)).toMatchObject({ faultFree: true, vacuous: null });
    expect(check(never).valid).toBe(true);
  });

  it('a crash point fired when its process died on its own while armed, not when the harness killed it', () => {
    const armed = firing(0, 1_000, 2_000, { fault: 'crash-point', target: 'arm relay.after-claim@1 in relay#0' });
    const died = run(3, {
      faults: [armed],
      processes: [{ process: 'relay-1', what: 'exited', pid: 7, at: 1_500, detail: 'SIGKILL' }],
    });
    expect(measurePower(died).crashPoints).toEqual([{ target: armed.target, armed: 1, fired: 1 }]);
    const killed = run(3, {
      faults: [armed],
      processes: [
        { process: 'relay-1', what: 'exited', pid: 7, at: 1_500 },
        { process: 'relay-1', what: 'killed', pid: 7, at: 1_501 },
      ],
    });
    expect(measurePower(killed).crashPoints).toEqual([{ target: armed.target, armed: 1, fired: 0 }]);
  });

  it('summarises runs: median events, runs whose every fault met work, vacuous runs', () => {
    const powers = [
      measurePower(run(5, { faults: [firing(0, 1_120, 1_320)] })),
      measurePower(run(0)),
      measurePower(run(9)),
    ];
    expect(summarizePower([...powers, undefined])).toMatchObject({
      runs: 3,
      medianCommittedEvents: 5,
      minCommittedEvents: 0,
      totalCommittedEvents: 14,
      runsWithFaults: 1,
      runsAllFaultsMetWork: 1,
      faultFreeRuns: 2,
      vacuousRuns: 1,
    });
  });
});

describe('writes, from the history', () => {
  it('pair each invoke with its completion; a write never answered has no outcome', async () => {
    const { History } = await import('../../harness/history/history.ts');
    const { writeRecords } = await import('../../harness/history/firings.ts');
    const h = new History();
    h.record({ type: 'invoke', process: 'writer-1', opId: 'a', step: -1, op: {} });
    h.record({ type: 'invoke', process: 'writer-2', opId: 'b', step: -1, op: {} });
    h.record({ type: 'invoke', process: 'writer-3', opId: 'c', step: -1, op: {} });
    h.record({
      type: 'ok',
      process: 'writer-2',
      opId: 'b',
      step: -1,
      events: [{ eventId: 'e1', aggregateId: 'x', seq: 1 }],
    });
    h.record({ type: 'info', process: 'writer-1', opId: 'a', step: -1, error: 'timeout' });
    const writes = writeRecords(h.events);
    expect(writes.map((w) => [w.opId, w.type, w.events.length])).toEqual([
      ['b', 'ok', 1],
      ['a', 'info', 0],
    ]);
    for (const w of writes) expect(w.completedAt).toBeGreaterThanOrEqual(w.invokedAt);
  });
});
