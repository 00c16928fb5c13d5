// The idempotent consumer. Each batch that Kafka hands over for one partition is cut into chunks
// of at most CHUNK_SIZE messages, and each chunk is one statement, so one transaction: its event
// ids go into the inbox with ON CONFLICT DO NOTHING, and the effects of exactly the ids that
// inserted are applied, in offset order (lib/effects.ts). The Kafka offset is committed past the
// chunk only after the database commit, so a crash in between replays the chunk and the replay
// does nothing. Offsets are never auto-committed.
//
// A transaction per message spends nearly all its time on round trips and commit flushes; a
// statement per chunk pays one round trip and one flush for up to a thousand messages, and the
// chunk bound keeps a single transaction (and what a retry repeats) small. At a steady trickle a
// chunk holds a few messages, so its round trips are most of what it costs: with BEGIN, inbox,
// effects and COMMIT sent one by one, commit to effect at 500 events/s took 55 to 81 ms at the
// median (three runs), against 35 to 55 ms as one statement.
import pg from 'pg';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { bugIs } from './lib/bugs.ts';
import { int, required, runMain } from './lib/config.ts';
import { crashPoint } from './lib/crash.ts';
import { applyEffects, applyNewEffects } from './lib/effects.ts';
import { commitPastOnce, isNotCoordinator, subscribedConsumer } from './lib/kafka.ts';
import { logLine } from './lib/log.ts';
import { fromKafkaMessage } from './lib/message.ts';

interface Outcome {
  applied: number;
  skipped: number;
}

/** One chunk, one statement. Throws if it fails, which rolls it back whole. */
async function applyChunk(
  pool: pg.Pool,
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<Outcome> {
  // A message that cannot be parsed fails the chunk before the statement; KafkaJS then retries
  // it, exactly as it retried a single bad message before.
  const events = messages.map((m) => fromKafkaMessage(m));
  if (bugIs('non-idempotent-consumer')) {
    // Broken: no inbox, so every delivery, redeliveries included, is applied again.
    await applyEffects(pool, events);
    return { applied: events.length, skipped: 0 };
  }
  const applied = await applyNewEffects(pool, events, { topic, partition, offsets: messages.map((m) => m.offset) });
  return { applied, skipped: events.length - applied };
}

/**
 * How long the broker this consumer takes for the group coordinator may go on answering
 * NOT_COORDINATOR, rejoins included, with no heartbeat or commit succeeding meanwhile, before the
 * consumer restarts.
 */
const STALE_COORDINATOR_MS = 10_000;

async function main(): Promise<void> {
  const topic = required('TOPIC');
  const groupId = required('GROUP_ID');
  const chunkSize = int('CHUNK_SIZE', 1_000, 1);
  const pool = new pg.Pool({
    connectionString: required('DATABASE_URL'),
    max: 2,
    connectionTimeoutMillis: 3_000,
    query_timeout: 15_000,
  });
  pool.on('error', () => {});
  const consumer = await subscribedConsumer(topic, groupId);
  let applied = 0;
  let skipped = 0;

  // KafkaJS finds the group coordinator when it joins the group and sends every heartbeat and
  // commit there until it joins again. When the coordinator role moves to another broker (a leader
  // election on the offsets topic) and the old broker stays up, the old broker answers each of them
  // NOT_COORDINATOR. KafkaJS's remedy is a rejoin, which looks the coordinator up afresh, and it
  // rejoins when that error comes out of a heartbeat in its fetch loop or out of the batch handler.
  // So the handler commits with a single request and lets the error out (commitPastOnce): the
  // offset stays where it was, KafkaJS rejoins, and the rest of the batch is fetched again, which
  // the inbox makes harmless. Retrying the commit in place (consumer.commitOffsets, with this
  // consumer's endless retries) kept the handler from ever returning, and KafkaJS's rejoin waited
  // on the handler: the group stayed on the old broker for good.
  //
  // If the answer is still NOT_COORDINATOR STALE_COORDINATOR_MS after it was first seen, rejoins
  // notwithstanding, with no heartbeat or commit succeeding in between, the process exits and its
  // supervisor starts it again with a fresh client. Only that answer counts: a cut link to Kafka
  // shows up as connection errors and timeouts, which KafkaJS keeps retrying and which a restart
  // would not mend, so it never leads to a restart, let alone a loop of them.
  let staleCoordinatorSince: number | undefined;
  const coordinatorAnswered = () => {
    staleCoordinatorSince = undefined;
  };
  consumer.on(consumer.events.HEARTBEAT, coordinatorAnswered);
  consumer.on(consumer.events.COMMIT_OFFSETS, coordinatorAnswered);
  const toCoordinator = async (request: () => Promise<void>): Promise<void> => {
    try {
      await request();
    } catch (err) {
      if (isNotCoordinator(err)) {
        staleCoordinatorSince ??= Date.now();
        if (Date.now() - staleCoordinatorSince > STALE_COORDINATOR_MS) {
          logLine({ consumer: process.pid, exiting: 'the group coordinator moved and rejoining did not find it' });
          process.exit(3);
        }
      }
      throw err;
    }
  };

  const eachBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> => {
    const commit = (partition: number, offset: string) =>
      toCoordinator(() => commitPastOnce({ commitOffsetsIfNecessary }, topic, partition, offset));
    const { partition, messages } = batch;
    for (let start = 0; start < messages.length; start += chunkSize) {
      // Stop between chunks when the consumer is shutting down, or when a seek on this partition
      // has made the rest of the batch stale: what is left is fetched again from the committed
      // (or sought) position. A rebalance needs no check here: heartbeat() and commitOffsets()
      // throw then, and KafkaJS rejoins the group.
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + chunkSize);
      const last = chunk[chunk.length - 1]!;
      // After the batch's final chunk the offset goes past batch.lastOffset(), which equals the
      // last message's offset unless the fetch ended in records KafkaJS filtered out (transaction
      // markers); committing past those too keeps a restart from fetching them again.
      const final = start + chunkSize >= messages.length;
      const commitTo = final ? batch.lastOffset() : last.offset;
      crashPoint('consumer.before-effect');
      const count = (outcome: Outcome) => {
        applied += outcome.applied;
        skipped += outcome.skipped;
      };
      if (bugIs('offset-before-effect')) {
        // Broken: the offset moves on before the effect is durable.
        await commit(partition, commitTo);
        crashPoint('consumer.after-offset-before-effect');
        count(await applyChunk(pool, topic, partition, chunk));
      } else {
        count(await applyChunk(pool, topic, partition, chunk));
        crashPoint('consumer.after-effect-before-offset');
        // The effects are durable. If the batch went stale meanwhile, leave the offset alone:
        // committing would overwrite the position that superseded it, and a replay is harmless.
        if (isStale()) return;
        await commit(partition, commitTo);
      }
      resolveOffset(last.offset);
      await toCoordinator(heartbeat);
    }
  };

  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  logLine({ consumer: process.pid, started: true, groupId });

  const metrics = setInterval(
    () => logLine({ metric: 'consumer', consumer: process.pid, applied, skipped }),
    int('METRICS_INTERVAL_MS', 5_000, 100),
  );
  const shutdown = async () => {
    clearInterval(metrics);
    await consumer.disconnect().catch(() => {});
    await pool.end().catch(() => {});
    logLine({ consumer: process.pid, stopped: true, applied, skipped });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

runMain('consumer', main);
