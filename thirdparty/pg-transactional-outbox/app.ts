// The writer: the ledger app, storing each event with the library's own message storage inside
// the business transaction. The segment is the aggregate, which is what makes the library hand
// out one account's messages one at a time and in order.
import { getDisabledLogger, initializeMessageStorage } from 'pg-transactional-outbox';
import { runMain } from '../../reference-impl/lib/config.ts';
import { serveLedgerApp } from '../../reference-impl/lib/ledger-app.ts';
import { storageConfig } from './settings.ts';

runMain('app', async () => {
  const store = initializeMessageStorage(storageConfig('outbox'), getDisabledLogger());
  await serveLedgerApp({
    async inTransaction(client, events) {
      for (const e of events) {
        await store(
          {
            id: e.eventId,
            aggregateType: e.aggregateType,
            aggregateId: e.aggregateId,
            messageType: e.eventType,
            segment: e.aggregateId,
            concurrency: 'sequential',
            payload: e.payload,
            metadata: { seq: e.aggregateSeq },
          },
          client,
        );
      }
    },
  });
});
