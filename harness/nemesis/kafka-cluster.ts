import { HarnessError, describeError } from '../common/errors.ts';
import { withKafkaAdmin } from '../infra/kafka-client.ts';
import type { ProxyControl } from '../infra/link-control.ts';
import type { Broker, RunEnv, Stack } from '../infra/stack.ts';
import type { FaultContext } from './types.ts';

/**
 * What the broker faults share: where the run's partitions are now, asked of the cluster at fault
 * time (leadership moves under faults, so a schedule names "the leader of partition 1", never a
 * broker id fixed in advance).
 */

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  /** In the topic's assignment order: an unclean election takes the first live one. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** Only with three brokers: the faults that need peers are not drawn on a single broker. */
export const needsCluster = (brokers: number | undefined): boolean => (brokers ?? 1) >= 3;

/** Enables every proxy, trying each even when one fails, so one bad proxy leaves none of the rest cut. */
export async function enableAll(proxies: readonly ProxyControl[]): Promise<void> {
  const failed = (await Promise.allSettled(proxies.map((p) => p.enable()))).filter(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed.length) throw failed[0]!.reason;
}

export function requireRun(ctx: FaultContext): RunEnv {
  if (!ctx.run) throw new HarnessError('a broker fault needs the run (its topic) to find partition leaders');
  return ctx.run;
}

export function broker(stack: Stack, id: number): Broker {
  const b = stack.brokers.find((x) => x.id === id);
  if (!b) throw new HarnessError(`no Kafka broker ${id}; brokers: ${stack.brokers.map((x) => x.id).join(', ')}`);
  return b;
}

/** The state of one of the run's partitions (index taken modulo their number, so shrinking stays valid). */
export async function partitionState(stack: Stack, run: RunEnv, index: number): Promise<PartitionState> {
  const partition = index % run.partitions;
  try {
    return await withKafkaAdmin(stack.kafkaBrokers('direct'), 'outbox-chaos-nemesis', async (admin) => {
      const meta = await admin.fetchTopicMetadata({ topics: [run.topic] });
      const p = meta.topics[0]?.partitions.find((x) => x.partitionId === partition);
      if (!p) throw new Error(`partition ${partition} of ${run.topic} is not in the metadata`);
      return { topic: run.topic, partition, leader: p.leader, replicas: p.replicas, isr: p.isr };
    });
  } catch (err) {
    throw new HarnessError(`could not read the leader of ${run.topic}/${partition}: ${describeError(err)}`);
  }
}

/** Polls the partition until the condition holds; throws with the last state after the time is up. */
export async function waitForPartition(
  stack: Stack,
  run: RunEnv,
  index: number,
  what: string,
  holds: (s: PartitionState) => boolean,
  timeoutMs = 10_000,
): Promise<PartitionState> {
  const deadline = Date.now() + timeoutMs;
  let last: PartitionState | string = 'no answer';
  for (;;) {
    try {
      const state = await partitionState(stack, run, index);
      if (holds(state)) return state;
      last = state;
    } catch (err) {
      last = describeError(err);
    }
    if (Date.now() > deadline)
      throw new HarnessError(`${what} did not happen within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What every fault on Kafka's brokers holds alone (FaultKind.exclusive). */
export const KAFKA_EXCLUSIVE = 'kafka';
export const onKafka = (): string => KAFKA_EXCLUSIVE;

export const brokerLane = (id: number) => `service:kafka-${id}` as const;
export const describePartition = (s: PartitionState) => `${s.topic}/${s.partition}`;
