import { thirdPartySuite } from './suite.ts';

thirdPartySuite({ manifest: 'thirdparty/spring-modulith/outbox-chaos.json', recorded: ['order'] });
