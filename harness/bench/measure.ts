import { withKafkaAdmin } from '../infra/kafka-client.ts';
import type { RunEnv } from '../infra/stack.ts';

/**
 * Messages in the run's topic, as the broker counts them (the sum of high watermarks), read over
 * the direct listener: completion is what Kafka holds, never what a relay says it sent.
 */
export async function messagesInTopic(run: RunEnv): Promise<number> {
  return withKafkaAdmin(run.kafkaBrokers('direct'), 'outbox-chaos-bench', async (admin) => {
    const offsets = await admin.fetchTopicOffsets(run.topic);
    return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  });
}

/** Kafka stopped gaining messages for this long before the count was reached: the relay is stuck. */
export class DrainStalled extends Error {
  constructor(
    readonly seen: number,
    readonly count: number,
    readonly stalledMs: number,
  ) {
    super(`only ${seen} of ${count} messages reached Kafka, and none for ${stalledMs / 1000} s`);
  }
}

/**
 * Polls until the topic holds `count` messages; returns when that was first seen (ms since epoch).
 * Throws DrainStalled when the count stops growing for stallMs, and gives up after timeoutMs.
 */
export async function waitForMessages(
  run: RunEnv,
  count: number,
  timeoutMs: number,
  stallMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const seen = await messagesInTopic(run);
    if (seen >= count) return Date.now();
    if (seen !== last) {
      last = seen;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      throw new DrainStalled(seen, count, stallMs);
    }
    if (Date.now() > deadline)
      throw new Error(`only ${seen} of ${count} messages reached Kafka within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function perSecond(events: number, ms: number): number {
  return Math.round((events / ms) * 1000);
}
