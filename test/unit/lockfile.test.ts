// `npm ci` refuses a lockfile that lacks any package npm would want on some platform ("Missing:
// @rollup/rollup-android-arm-eabi@... from lock file"), even one this machine never installs. An
// npm that writes the lockfile on one platform has been known to leave the others out; this
// catches such a lockfile before a fresh clone on another machine does.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../harness/common/paths.ts';

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const lock = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/** Node's lookup: the dependency in the package's own node_modules, then each enclosing one. */
function resolves(from: string, dep: string): boolean {
  let base = from;
  for (;;) {
    if (`${base ? `${base}/` : ''}node_modules/${dep}` in lock.packages) return true;
    if (!base) return false;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

describe('package-lock.json', () => {
  it('is a version 3 lockfile', () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  it("holds every package's dependencies, optional and other platforms' ones included", () => {
    const missing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (entry.link) continue;
      const required = Object.keys(entry.peerDependencies ?? {}).filter(
        (p) => !entry.peerDependenciesMeta?.[p]?.optional,
      );
      for (const dep of [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...required,
      ])
        if (!resolves(where, dep)) missing.push(`${dep} (needed by ${where || 'the project'})`);
    }
    expect(missing).toEqual([]);
  });

  it('pins what package.json pins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }))
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
  });
});
