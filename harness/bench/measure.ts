import { readWhileTopicSettles, withKafkaAdmin } from '../infra/kafka-client.ts';
import type { RunEnv } from '../infra/stack.ts';
import { eventIdOf } from '../history/event-id.ts';
import { scanWholeTopic } from '../history/observe.ts';
import type { EventIdLocation } from '../sut/definition.ts';
import { eventIndex, type EventIds } from './workload.ts';

/** Messages in the run's topic, from the partitions' offsets: what Kafka acknowledged, not what a client says it sent. */
export async function messagesInTopic(run: RunEnv): Promise<number> {
  return withKafkaAdmin(run.kafkaBrokers('direct'), 'outbox-chaos-bench', async (admin) => {
    const offsets = await readWhileTopicSettles(() => admin.fetchTopicOffsets(run.topic));
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  });
}

/**
 * The count was not reached: Kafka stopped gaining messages for stallMs (the relay is stuck), or
 * the time allowed ran out while it was still gaining (too slow to measure at this size).
 */
export class DrainStalled extends Error {
  constructor(
    readonly seen: number,
    readonly count: number,
    readonly waitedMs: number,
    readonly timedOut = false,
  ) {
    super(
      timedOut
        ? `only ${seen} of ${count} messages reached Kafka within ${waitedMs / 1000} s`
        : `only ${seen} of ${count} messages reached Kafka, and none for ${waitedMs / 1000} s`,
    );
  }
}

/**
 * Polls until the topic holds `count` messages; returns when that was first seen (ms since epoch).
 * Throws DrainStalled when the count stops growing for stallMs, or when timeoutMs runs out. One
 * admin connection serves every poll: connecting afresh each time costs CPU the relay is using.
 */
export async function waitForMessages(
  run: RunEnv,
  count: number,
  timeoutMs: number,
  stallMs = 60_000,
): Promise<number> {
  return withKafkaAdmin(run.kafkaBrokers('direct'), 'outbox-chaos-bench', async (admin) => {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const offsets = await readWhileTopicSettles(() => admin.fetchTopicOffsets(run.topic));
      const seen = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
      if (seen >= count) return Date.now();
      if (seen !== last) {
        last = seen;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        throw new DrainStalled(seen, count, stallMs);
      }
      if (Date.now() > deadline) throw new DrainStalled(seen, count, timeoutMs, true);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
}

/** What Kafka holds of a run's events, read where the SUT's manifest says the event id lives. */
export interface ObservedIds {
  /** Messages in the topic. */
  readonly messages: number;
  /** Distinct events of ours among them. */
  readonly distinct: number;
  /** Per event index, the producer timestamp of its first copy (ms since epoch), NaN when absent. */
  readonly firstSeen: Float64Array;
  /** Messages that carry no id of ours. */
  readonly foreign: number;
}

export async function observeIds(run: RunEnv, location: EventIdLocation, ids: EventIds): Promise<ObservedIds> {
  const firstSeen = new Float64Array(ids.count).fill(NaN);
  let messages = 0;
  let distinct = 0;
  let foreign = 0;
  await scanWholeTopic(run.kafkaBrokers('direct'), run.topic, 300_000, (m) => {
    messages++;
    const g = eventIndex(ids, eventIdOf(m, location));
    if (g < 0) {
      foreign++;
      return;
    }
    const before = firstSeen[g]!;
    if (Number.isNaN(before)) {
      distinct++;
      firstSeen[g] = m.timestamp;
    } else if (m.timestamp < before) firstSeen[g] = m.timestamp;
  });
  return { messages, distinct, firstSeen, foreign };
}

export function perSecond(events: number, ms: number): number {
  return Math.round((events / Math.max(ms, 1)) * 1000);
}
