// Scenarios on the containers provider: the ones whose faults reach the servers themselves
// (a broker and a database killed and restarted in their containers) and one through the proxies.
import { useLocalImages } from '../helpers.ts';
import { referenceScenarioSuite } from './suite.ts';

useLocalImages();
referenceScenarioSuite(['broker-restart', 'pg-restart', 'kafka-partition'], { provider: 'containers' });
