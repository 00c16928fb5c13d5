import { thirdPartySuite } from './suite.ts';

thirdPartySuite({ manifest: 'thirdparty/debezium/outbox-chaos.json', recorded: [] });
