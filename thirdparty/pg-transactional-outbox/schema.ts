// Prints the schema for one mode: the ledger domain, then the outbox and inbox tables and the
// polling functions or publications exactly as the library's DatabaseSetup generates them.
// Usage: schema.ts polling|replication
import fs from 'node:fs';
import { DatabaseSetup, type OutboxOrInbox } from 'pg-transactional-outbox';
import { runMain } from '../../reference-impl/lib/config.ts';
import { modeFrom, NEXT_MESSAGES, PUBLICATIONS, TABLES } from './settings.ts';

runMain('schema', async () => {
  const mode = modeFrom(process.argv[2]);
  const parts = [fs.readFileSync(new URL('../../reference-impl/ledger.sql', import.meta.url), 'utf8')];
  for (const kind of ['outbox', 'inbox'] as OutboxOrInbox[]) {
    // The harness connects as a superuser; CURRENT_USER keeps the generated grants valid anywhere.
    const base = {
      outboxOrInbox: kind,
      database: 'unused',
      schema: 'public',
      table: TABLES[kind],
      listenerRole: 'CURRENT_USER',
    };
    parts.push(DatabaseSetup.dropAndCreateTable(base));
    if (mode === 'polling') {
      const polling = { ...base, nextMessagesName: NEXT_MESSAGES[kind] };
      parts.push(DatabaseSetup.createPollingFunction(polling), DatabaseSetup.setupPollingIndexes(polling));
    } else {
      // The slot is per run (the manifest's perRun SQL); only the publication lives in the template.
      parts.push(
        DatabaseSetup.setupReplicationCore({ ...base, publication: PUBLICATIONS[kind], replicationSlot: 'unused' }),
      );
    }
  }
  process.stdout.write(`${parts.join('\n')}\n`);
});
