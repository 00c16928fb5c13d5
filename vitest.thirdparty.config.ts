import { defineConfig } from 'vitest/config';
import { sharedTestOptions } from './vitest.config.ts';

// npm run test:thirdparty: quick-profile scenario runs against the third-party implementations.
export default defineConfig({ test: { ...sharedTestOptions, include: ['test/thirdparty/**/*.test.ts'] } });
