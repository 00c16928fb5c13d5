import { thirdPartySuite } from './suite.ts';

thirdPartySuite({
  manifest: 'thirdparty/pg-transactional-outbox/outbox-chaos.replication.json',
  recorded: ['lost', 'effect-missing'],
});
