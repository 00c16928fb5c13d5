import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives at harness/common/paths.ts). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Provisioned binaries and jars. Git-ignored; OUTBOX_CHAOS_CACHE moves it (e.g. to a CI cache).
 */
export const CACHE_DIR = process.env.OUTBOX_CHAOS_CACHE
  ? path.resolve(process.env.OUTBOX_CHAOS_CACHE)
  : path.join(PROJECT_ROOT, '.cache');
