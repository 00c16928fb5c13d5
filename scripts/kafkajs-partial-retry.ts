// Reproduces, on the real 3-broker stack, what the seed-7 loss on leader-acks-followers-cut looks
// like: one KafkaJS send (acks=-1, idempotent, as the reference relay) spanning two partitions
// with different leaders A and B. A's followers are cut so its part waits for them; B answers.
// A is killed; the partition's only other in-sync replica is B, which becomes its leader. Does
// send() resolve, and is A's part on the partition?
// Run it alone on the machine's stack lock: `flock /tmp/outbox-stack.lock npx tsx
// scripts/kafkajs-partial-retry.ts`. It prints what it saw as JSON: the send's outcome and each
// partition's high watermark before the send, after it, and after A came back.
import { Kafka, logLevel } from 'kafkajs';
import { startStack } from '../harness/infra/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out: Record<string, unknown> = {};
const stack = await startStack({ kafkaBrokers: 3 });
try {
  const run = await stack.newRun({ partitions: 3 });
  const topic = run.topic;
  const bootstrap = stack.kafkaBrokers('direct');
  const kafka = new Kafka({
    clientId: 'repro',
    brokers: bootstrap,
    logLevel: logLevel.ERROR,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  const parts = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions;
  const p0 = (await parts())[0]!;
  const other = (await parts()).find((p) => p.leader !== p0.leader);
  if (!other) throw new Error('every partition has the same leader');
  const A = p0.leader;
  const B = other.leader;
  const pa = p0.partitionId;
  const pb = other.partitionId;
  // Partition pa on A and B only: B is then the one in-sync replica left when A dies.
  await admin.alterPartitionReassignments({
    topics: [{ topic, partitionAssignment: [{ partition: pa, replicas: [A, B] }] }],
  });
  for (let i = 0; i < 100; i++) {
    const p = (await parts()).find((x) => x.partitionId === pa)!;
    if (p.replicas.length === 2 && p.leader === A && p.isr.length === 2) break;
    await sleep(200);
  }
  out.before = (await parts()).map((p) => ({ p: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  Object.assign(out, { A, B, pa, pb });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: [
      { partition: pa, value: 'warm-a' },
      { partition: pb, value: 'warm-b' },
    ],
  });
  const hw = async () =>
    Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  out.hwBefore = await hw();

  const cuts = stack.brokers.filter((b) => b.id !== A).map((b) => stack.peer(b.id, A, ['replication']));
  for (const c of cuts) await c.disable();
  const t0 = Date.now();
  const sending = producer
    .send({
      topic,
      acks: -1,
      messages: [
        { partition: pa, value: 'probe-a' },
        { partition: pb, value: 'probe-b' },
      ],
    })
    .then(
      (r) => ({ resolved: true, afterMs: Date.now() - t0, metadata: r }),
      (e: unknown) => ({ resolved: false, afterMs: Date.now() - t0, error: String(e) }),
    );
  await sleep(700);
  await stack.brokers.find((b) => b.id === A)!.control.crash();
  for (const c of cuts) await c.enable();
  out.send = await sending;
  out.after = (await parts()).map((p) => ({ p: p.partitionId, leader: p.leader, isr: p.isr }));
  out.hwAfterSend = await hw();
  // A comes back and truncates to B's log; the high watermarks then say what the partition holds.
  await stack.brokers.find((b) => b.id === A)!.control.restart();
  await sleep(5_000);
  out.hwAfterRestart = await hw();
  await producer.disconnect();
  await admin.disconnect();
} finally {
  await stack.stop();
}
console.log(JSON.stringify(out, null, 2));
