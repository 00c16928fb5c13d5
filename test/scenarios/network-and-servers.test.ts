import { referenceScenarioSuite } from './suite.ts';

referenceScenarioSuite(['kafka-partition', 'pg-partition', 'broker-restart', 'pg-restart', 'mixed']);
