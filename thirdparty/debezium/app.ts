// The writer: the ledger app, inserting each event into the table Debezium watches, in the
// business transaction. That insert is all an application does to use Debezium's outbox.
import { runMain } from '../../reference-impl/lib/config.ts';
import { serveLedgerApp } from '../../reference-impl/lib/ledger-app.ts';

runMain('app', async () => {
  await serveLedgerApp({
    async inTransaction(client, events) {
      for (const e of events) {
        await client.query(
          'INSERT INTO outbox (id, aggregatetype, aggregateid, type, seq, payload) VALUES ($1, $2, $3, $4, $5, $6)',
          [e.eventId, e.aggregateType, e.aggregateId, e.eventType, e.aggregateSeq, JSON.stringify(e.payload)],
        );
      }
    },
  });
});
