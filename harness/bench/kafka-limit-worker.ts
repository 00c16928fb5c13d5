// One producer of the Kafka limit, in a worker thread of its own (see kafkaProducerLimit in
// limits.ts). It connects, says so, and on "go" sends its range of the benchmark's messages with
// up to `inFlight` sends at once, then says how many it sent. Each thread encodes its own
// requests, which is the point: one Node thread encoding for every producer was the limit before.
import { parentPort, workerData } from 'node:worker_threads';
import { harnessKafka } from '../infra/kafka-client.ts';
import { limitMessage } from './workload.ts';

/** What the thread is given. */
export interface KafkaLimitJob {
  readonly brokers: string[];
  readonly topic: string;
  /** Its messages: indices from (inclusive) to (exclusive). */
  readonly from: number;
  readonly to: number;
  readonly batchSize: number;
  readonly inFlight: number;
}

/** What it says: connected, done (with how many it sent), or failed. */
export type KafkaLimitReport =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly sent: number }
  | { readonly kind: 'failed'; readonly message: string };

async function produce(job: KafkaLimitJob, go: Promise<void>): Promise<number> {
  const producer = harnessKafka(job.brokers, 'outbox-chaos-bench-limit').producer({
    idempotent: true,
    maxInFlightRequests: job.inFlight,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    parentPort!.postMessage({ kind: 'ready' } satisfies KafkaLimitReport);
    await go;
    let next = job.from;
    let sent = 0;
    await Promise.all(
      Array.from({ length: job.inFlight }, async () => {
        while (next < job.to) {
          const from = next;
          next = Math.min(job.to, next + job.batchSize);
          const messages = Array.from({ length: next - from }, (_, i) => limitMessage(from + i));
          await producer.send({ topic: job.topic, acks: -1, messages });
          sent += messages.length;
        }
      }),
    );
    return sent;
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

if (parentPort) {
  const go = new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
  produce(workerData as KafkaLimitJob, go).then(
    (sent) => parentPort!.postMessage({ kind: 'done', sent } satisfies KafkaLimitReport),
    (err: unknown) =>
      parentPort!.postMessage({
        kind: 'failed',
        message: err instanceof Error ? err.message : String(err),
      } satisfies KafkaLimitReport),
  );
}
