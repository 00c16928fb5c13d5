import { detectionSuite } from './detection.ts';

detectionSuite(['unordered-parallel', 'non-idempotent-consumer', 'offset-before-effect', 'weak-acks']);
