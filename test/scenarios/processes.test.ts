import { referenceScenarioSuite } from './suite.ts';

referenceScenarioSuite(['relay-crash', 'consumer-crash', 'concurrent-relays', 'duplicate-delivery']);
