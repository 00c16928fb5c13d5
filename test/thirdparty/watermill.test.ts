import { thirdPartySuite } from './suite.ts';

thirdPartySuite({ manifest: 'thirdparty/watermill/outbox-chaos.json', recorded: ['order'] });
