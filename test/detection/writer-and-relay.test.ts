import { detectionSuite } from './detection.ts';

detectionSuite(['publish-before-commit', 'dual-write', 'mark-before-ack', 'id-cursor', 'drop-after-retries']);
