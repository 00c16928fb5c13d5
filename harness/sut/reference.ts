import path from 'node:path';
import { PROJECT_ROOT } from '../common/paths.ts';
import type { SutDefinition } from './definition.ts';
import { loadManifest } from './manifest.ts';

export const REFERENCE_MANIFEST = path.join(PROJECT_ROOT, 'reference-impl', 'outbox-chaos.json');

/** The reference implementation, through its own manifest, exactly as a third party comes in. */
export function referenceSut(): SutDefinition {
  return loadManifest(REFERENCE_MANIFEST);
}
