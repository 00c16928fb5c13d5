// The writer: the ledger app (lib/ledger-app.ts) recording each event as a row of the reference
// outbox table, in the business transaction. The app-side broken variants publish from here instead.
import type pg from 'pg';
import type { Producer } from 'kafkajs';
import { bugIs } from './lib/bugs.ts';
import { required, runMain } from './lib/config.ts';
import { kafkaFromEnv } from './lib/kafka.ts';
import { serveLedgerApp } from './lib/ledger-app.ts';
import { toKafkaMessage, type OutboxEvent } from './lib/message.ts';

async function insertOutbox(client: pg.PoolClient, events: OutboxEvent[]): Promise<void> {
  for (const e of events) {
    await client.query(
      `INSERT INTO outbox (event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, payload)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [e.eventId, e.aggregateType, e.aggregateId, e.aggregateSeq, e.eventType, JSON.stringify(e.payload)],
    );
  }
}

async function main(): Promise<void> {
  // Connected once, on first use, shared by concurrent requests (only the app-side variants publish).
  let producer: Promise<Producer> | undefined;
  const connectedProducer = () =>
    (producer ??= (async () => {
      const p = kafkaFromEnv('app').producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    })().catch((err) => {
      producer = undefined;
      throw err;
    }));
  const publish = async (events: OutboxEvent[]) => {
    const p = await connectedProducer();
    await p.send({ topic: required('TOPIC'), acks: -1, messages: events.map((e) => toKafkaMessage(e)) });
  };

  await serveLedgerApp({
    async inTransaction(client, events) {
      // The broken variants skip the outbox and publish from the app instead.
      if (bugIs('publish-before-commit')) await publish(events);
      else if (!bugIs('dual-write')) await insertOutbox(client, events);
    },
    async afterCommit(events) {
      if (bugIs('dual-write')) await publish(events);
    },
    async close() {
      await producer?.then((p) => p.disconnect());
    },
  });
}

runMain('app', main);
