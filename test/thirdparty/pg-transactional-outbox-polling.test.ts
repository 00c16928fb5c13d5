import { thirdPartySuite } from './suite.ts';

thirdPartySuite({ manifest: 'thirdparty/pg-transactional-outbox/outbox-chaos.polling.json', recorded: [] });
