import type { Kafka } from 'kafkajs';
import { describeError } from '../common/errors.ts';
import { harnessKafka, onFatalCrash } from './kafka-client.ts';
import { linksTo, type LinkName } from './links.ts';
import { withPgClient } from './pg-client.ts';
import type { RunEnv, Stack } from './stack.ts';

export interface LinkRoundTrip {
  readonly link: LinkName;
  readonly via: string;
  /** What the link carried, in words. */
  readonly what: string;
  readonly ms: number;
}

/**
 * Sends something through every proxy of the stack and checks it arrived, reading the result
 * back over the observer's direct connection (Postgres) or the same link (Kafka).
 */
export async function roundTripEveryLink(stack: Stack, run: RunEnv): Promise<LinkRoundTrip[]> {
  const results: LinkRoundTrip[] = [];
  await withPgClient(run.pgUrl('direct'), (c) =>
    c.query('CREATE TABLE roundtrip (link text PRIMARY KEY, token text NOT NULL)'),
  );
  for (const link of linksTo('postgres')) {
    const started = performance.now();
    const token = `${link}-${Math.random().toString(36).slice(2)}`;
    await withPgClient(run.pgUrl(link), (c) =>
      c.query('INSERT INTO roundtrip (link, token) VALUES ($1, $2)', [link, token]),
    );
    const seen = await withPgClient(run.pgUrl('direct'), (c) =>
      c.query('SELECT token FROM roundtrip WHERE link = $1', [link]),
    );
    if (seen.rows[0]?.token !== token) throw new Error(`${link}: row written through the proxy is not in the database`);
    results.push({
      link,
      via: stack.pgUrl(run.database, link),
      what: 'INSERT through the proxy, read back directly',
      ms: performance.now() - started,
    });
  }
  for (const link of linksTo('kafka')) {
    const started = performance.now();
    const kafka = harnessKafka(run.kafkaBrokers(link), `roundtrip-${link}`);
    const advertised = (await advertisedBrokers(kafka)).sort();
    // One proxy per broker on a cluster: the brokers, together, must name exactly those.
    const proxies = [...run.kafkaBrokers(link)].sort();
    const proxy = proxies.join(',');
    if (advertised.join(',') !== proxy) {
      throw new Error(`${link}: broker advertises ${advertised.join(',')} instead of the proxy ${proxy}`);
    }
    const value = `${link}-${Math.random().toString(36).slice(2)}`;
    await produceOne(kafka, run.topic, link, value);
    await consumeUntil(kafka, run.topic, `${run.groupId}-${link}`, (v) => v === value, 30_000);
    results.push({
      link,
      via: proxy,
      what: 'produce (acks=-1) and consume through the proxy; metadata names the proxy',
      ms: performance.now() - started,
    });
  }
  return results;
}

/** The broker addresses a client learned from metadata after bootstrapping. */
export async function advertisedBrokers(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    return brokers.map((b) => `${b.host}:${b.port}`);
  } finally {
    await admin.disconnect();
  }
}

export async function produceOne(kafka: Kafka, topic: string, key: string, value: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the topic from the beginning in a fresh group until a value matches; returns every value read. */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  groupId: string,
  done: (value: string) => boolean,
  timeoutMs: number,
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      onFatalCrash(consumer, (error) => {
        clearTimeout(timer);
        reject(new Error(`reading ${topic} failed: ${describeError(error)}`));
      });
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const value = message.value?.toString() ?? '';
            values.push(value);
            if (done(value)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}
