// The checker is pure, so these tests feed it synthetic histories: one per anomaly, one per path
// to 'unknown', and the clean case.
import { describe, expect, it } from 'vitest';
import { CHECKERS, check, combine, type CheckInput } from '../../harness/checker/index.ts';
import { percentile } from '../../harness/common/stats.ts';
import type { ObservedMessage } from '../../harness/history/observe.ts';

const settled = { converged: true, settled: true, convergenceMs: 120 };

function event(id: string, aggregateId: string, seq: number) {
  return { eventId: id, opId: `op-${id}`, aggregateId, seq, payload: { account: aggregateId, seq } };
}

function message(
  id: string | undefined,
  aggregateId: string,
  seq: number,
  offset: number,
  partition = 0,
  payload?: unknown,
): ObservedMessage {
  return {
    partition,
    offset,
    key: aggregateId,
    value: JSON.stringify(payload ?? { account: aggregateId, seq }),
    headers: id === undefined ? {} : { 'event-id': id },
    timestamp: 1_000 + offset,
  };
}

/** A clean run: e1..e3 on aggregate a, e4 on b, each in Kafka once and applied once. */
function clean(): CheckInput {
  const committed = [event('e1', 'a', 1), event('e2', 'a', 2), event('e3', 'a', 3), event('e4', 'b', 1)];
  return {
    committed,
    messages: [
      message('e1', 'a', 1, 0),
      message('e2', 'a', 2, 1),
      message('e3', 'a', 3, 2),
      message('e4', 'b', 1, 0, 1),
    ],
    effects: committed.map((c) => ({ eventId: c.eventId, aggregateId: c.aggregateId, seq: c.seq })),
    deadLettered: [],
    eventId: { header: 'event-id' },
    perAggregateOrder: true,
    drain: settled,
    commitTimes: new Map([
      ['e1', 990],
      ['e2', 995],
    ]),
    ops: committed.map((c) => ({ opId: c.opId, type: 'ok' as const })),
  };
}

const kinds = (input: CheckInput) => [...new Set(check(input).anomalies.map((a) => a.kind))].sort();

describe('checker', () => {
  it('a clean history is valid, with its measures', () => {
    const verdict = check(clean());
    expect(verdict.valid).toBe(true);
    expect(verdict.anomalies).toEqual([]);
    expect(verdict.stats.duplicateDeliveries).toBe(0);
    expect(verdict.stats.publishCount).toBe(2);
    expect(verdict.stats.publishP50Ms).toBe(6); // e1: 1000 - 990 = 10, e2: 1001 - 995 = 6
    expect(verdict.stats.convergenceMs).toBe(120);
  });

  it('lost: a committed event missing from Kafka, named by id', () => {
    const input = clean();
    const verdict = check({
      ...input,
      messages: input.messages.filter((m) => m.headers['event-id'] !== 'e2'),
      effects: input.effects.filter((e) => e.eventId !== 'e2'),
    });
    expect(verdict.valid).toBe(false);
    const lost = verdict.anomalies.find((a) => a.kind === 'lost')!;
    expect(lost.eventIds).toEqual(['e2']);
    expect(lost.aggregateId).toBe('a');
  });

  it('a dead-lettered event is accounted for, neither lost nor missing its effect', () => {
    const input = clean();
    const verdict = check({
      ...input,
      deadLettered: ['e2'],
      messages: input.messages.filter((m) => m.headers['event-id'] !== 'e2'),
      effects: input.effects.filter((e) => e.eventId !== 'e2'),
    });
    expect(verdict.valid).toBe(true);
    expect(verdict.stats.deadLettered).toBe(1);
  });

  it('phantom: an event in Kafka that never committed, a message without an id, an effect of an unknown event', () => {
    const input = clean();
    expect(kinds({ ...input, messages: [...input.messages, message('ghost', 'a', 9, 3)] })).toEqual(['phantom']);
    expect(kinds({ ...input, messages: [...input.messages, message(undefined, 'a', 9, 3)] })).toEqual(['phantom']);
    expect(kinds({ ...input, effects: [...input.effects, { eventId: 'ghost', aggregateId: 'a', seq: 9 }] })).toEqual([
      'phantom',
    ]);
    const verdict = check({ ...input, messages: [...input.messages, message('ghost', 'a', 9, 3)] });
    expect(verdict.anomalies[0]!.eventIds).toEqual(['ghost']);
  });

  it('an event id read by JSON pointer from the value, for SUTs that carry it in the payload', () => {
    const input = clean();
    // The same events, the id moved from the header into {"meta": {"event/id": ...}} (escaped as ~1).
    const envelope = (m: ObservedMessage): ObservedMessage => ({
      ...m,
      headers: {},
      value: JSON.stringify({ meta: { 'event/id': m.headers['event-id'] } }),
    });
    const pointed = { ...input, eventId: { jsonPointer: '/meta/event~1id' }, messages: input.messages.map(envelope) };
    const verdict = check(
      pointed,
      CHECKERS.filter((c) => c.name !== 'integrity'),
    );
    expect(verdict.valid).toBe(true);
    const noId = check({
      ...pointed,
      messages: [...pointed.messages, { ...pointed.messages[0]!, offset: 9, value: '{"meta":{}}' }],
    });
    expect(noId.anomalies.find((a) => a.kind === 'phantom')!.detail).toMatch(
      /1 message\(s\) without an event id \(no event id at JSON pointer \/meta\/event~1id: p0@9\)/,
    );
  });

  it('effect-missing and effect-duplicated', () => {
    const input = clean();
    const missing = check({ ...input, effects: input.effects.filter((e) => e.eventId !== 'e3') });
    expect(missing.anomalies.map((a) => [a.kind, a.eventIds])).toEqual([['effect-missing', ['e3']]]);
    const doubled = check({ ...input, effects: [...input.effects, input.effects[0]!] });
    expect(doubled.anomalies.map((a) => [a.kind, a.eventIds])).toEqual([['effect-duplicated', ['e1']]]);
  });

  it('duplicates in Kafka are measured, not a violation', () => {
    const input = clean();
    const verdict = check({ ...input, messages: [...input.messages, message('e1', 'a', 1, 3)] });
    expect(verdict.valid).toBe(true);
    expect(verdict.stats.duplicateDeliveries).toBe(1);
    expect(verdict.stats.duplicateRate).toBeCloseTo(0.25);
  });

  it('order: an inversion in Kafka, in the apply order, or an aggregate spread over partitions', () => {
    const input = clean();
    const swapped = [message('e2', 'a', 2, 0), message('e1', 'a', 1, 1), message('e3', 'a', 3, 2), input.messages[3]!];
    const kafka = check({ ...input, messages: swapped });
    expect(kafka.anomalies.map((a) => [a.kind, a.eventIds])).toEqual([['order', ['e2', 'e1']]]);
    const applied = check({
      ...input,
      effects: [input.effects[1]!, input.effects[0]!, input.effects[2]!, input.effects[3]!],
    });
    expect(applied.anomalies.map((a) => a.kind)).toEqual(['order']);
    expect(applied.anomalies[0]!.detail).toMatch(/consumer apply order/);
    const spread = check({
      ...input,
      messages: [message('e1', 'a', 1, 0), message('e2', 'a', 2, 0, 2), message('e3', 'a', 3, 1), input.messages[3]!],
    });
    expect(spread.anomalies.some((a) => a.kind === 'order' && /spread over partitions/.test(a.detail))).toBe(true);
  });

  it('a late redelivery of an old event is a duplicate, not a reordering', () => {
    const input = clean();
    const verdict = check({
      ...input,
      messages: [...input.messages.slice(0, 3), message('e1', 'a', 1, 3), input.messages[3]!],
    });
    expect(verdict.valid).toBe(true);
  });

  it('order is only held against a SUT that claims it', () => {
    const input = clean();
    const swapped = [message('e2', 'a', 2, 0), message('e1', 'a', 1, 1), message('e3', 'a', 3, 2), input.messages[3]!];
    expect(check({ ...input, messages: swapped, perAggregateOrder: false }).valid).toBe(true);
  });

  it('integrity: a different key, payload or a value that is not JSON', () => {
    const input = clean();
    const wrongKey = { ...input.messages[0]!, key: 'zzz' };
    expect(kinds({ ...input, messages: [wrongKey, ...input.messages.slice(1)] })).toEqual(['integrity']);
    const wrongPayload = message('e1', 'a', 1, 0, 0, { account: 'a', seq: 1, amount: 999 });
    expect(kinds({ ...input, messages: [wrongPayload, ...input.messages.slice(1)] })).toEqual(['integrity']);
    const notJson = { ...input.messages[0]!, value: '{oops' };
    expect(kinds({ ...input, messages: [notJson, ...input.messages.slice(1)] })).toEqual(['integrity']);
  });

  it('acknowledged writes: an acked write missing from the database is lost; a failed one that committed is phantom', () => {
    const input = clean();
    expect(kinds({ ...input, ops: [...input.ops!, { opId: 'op-never', type: 'ok' }] })).toEqual(['lost']);
    expect(kinds({ ...input, ops: [...input.ops!.slice(1), { opId: 'op-e1', type: 'fail' }] })).toEqual(['phantom']);
    const verdict = check({
      ...input,
      ops: [...input.ops!.slice(1), { opId: 'op-e1', type: 'info' }, { opId: 'op-gone', type: 'info' }],
    });
    expect(verdict.valid).toBe(true);
    expect(verdict.stats.opsIndeterminate).toBe(2);
    expect(verdict.stats.indeterminateCommitted).toBe(1);
  });

  describe('paths to unknown', () => {
    const unsettled = { converged: false, settled: false, convergenceMs: null };

    it('a drain that timed out while the SUT was still changing is unknown, never valid', () => {
      const verdict = check({ ...clean(), drain: unsettled });
      expect(verdict.valid).toBe('unknown');
      expect(verdict.unknownBecause).toMatch(/drain timed out/);
      // What the drain saw last goes with the reason, so that an unknown in CI can be explained.
      const seen = check({ ...clean(), drain: { ...unsettled, lastSeen: 'consumer lag 42' } });
      expect(seen.unknownBecause).toMatch(/drain timed out.*\(last seen: consumer lag 42\)/);
    });

    it('an unsettled drain cannot call anything lost: it is unknown, with the suspicion kept', () => {
      const input = clean();
      const verdict = check({
        ...input,
        drain: unsettled,
        messages: input.messages.slice(1),
        effects: input.effects.slice(1),
      });
      expect(verdict.valid).toBe('unknown');
      expect(verdict.anomalies).toEqual([]);
      expect(verdict.results.find((r) => r.checker === 'lost')!.suspected!.map((a) => a.eventIds)).toEqual([['e1']]);
    });

    it('a violation already observed stands even when the drain did not settle', () => {
      const input = clean();
      const verdict = check({ ...input, drain: unsettled, messages: [...input.messages, message('ghost', 'a', 9, 3)] });
      expect(verdict.valid).toBe(false);
      expect(verdict.anomalies.map((a) => a.kind)).toEqual(['phantom']);
    });

    it('a drain that settled without converging is final: what is missing is lost', () => {
      const input = clean();
      const verdict = check({
        ...input,
        drain: { converged: false, settled: true, convergenceMs: null },
        messages: input.messages.slice(1),
        effects: input.effects.slice(1),
      });
      expect(verdict.valid).toBe(false);
    });

    it('combine: false beats unknown beats true', () => {
      const r = (valid: true | false | 'unknown') => ({ checker: 'x', valid, anomalies: [] });
      expect(combine([r(true), r('unknown'), r(false)])).toBe(false);
      expect(combine([r(true), r('unknown')])).toBe('unknown');
      expect(combine([r(true), r(true)])).toBe(true);
      expect(combine([])).toBe(true);
    });
  });

  it('percentile uses the nearest rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
  });
});
