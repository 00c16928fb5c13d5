import { detectionSuite } from './detection.ts';

detectionSuite(['dual-write', 'publish-before-commit', 'mark-before-ack', 'id-cursor', 'drop-after-retries']);
