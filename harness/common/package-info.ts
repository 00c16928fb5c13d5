import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

export interface PackageInfo {
  readonly version: string;
  readonly engines?: { readonly node?: string };
}

let cached: PackageInfo | undefined;

/**
 * outbox-chaos's own package.json: at the project root in a clone, and found by walking up from it
 * when the harness runs from compiled output inside the installed package.
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = PROJECT_ROOT; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageInfo & { name?: string };
      if (pkg.name === 'outbox-chaos') return (cached = pkg);
    }
    if (path.dirname(dir) === dir) throw new Error(`no outbox-chaos package.json at or above ${PROJECT_ROOT}`);
  }
}
