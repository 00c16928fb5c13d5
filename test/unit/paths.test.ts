// Where the harness puts the user's files: a clone keeps its own .cache and reports/, an installed
// package uses the per-user cache and the working directory, and neither default is ever under
// node_modules.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cacheDirFor,
  CACHE_DIR,
  DEFAULT_REPORT_DIR,
  IN_CLONE,
  isClone,
  PACKAGE_ROOT,
  reportDirFor,
  type PathInputs,
} from '../../harness/common/paths.ts';

const INSTALLED = '/home/ada/shop/node_modules/outbox-chaos';
const CLONE = '/home/ada/src/outbox-chaos';

function inputs(over: Partial<PathInputs>): PathInputs {
  return { env: {}, packageRoot: INSTALLED, clone: false, cwd: '/home/ada/shop', home: '/home/ada', ...over };
}

describe('isClone', () => {
  const has =
    (...present: string[]) =>
    (p: string) =>
      present.includes(p);

  it('is a clone with git metadata or the CI script at its root', () => {
    expect(isClone(CLONE, has(path.join(CLONE, '.git')))).toBe(true);
    expect(isClone(CLONE, has(path.join(CLONE, '.ci', 'run')))).toBe(true);
  });

  it('is not a clone without either', () => {
    expect(isClone(CLONE, has())).toBe(false);
  });

  it('is never a clone under node_modules, even one installed from git with its metadata', () => {
    expect(isClone(INSTALLED, has(path.join(INSTALLED, '.git'), path.join(INSTALLED, '.ci', 'run')))).toBe(false);
  });
});

describe('cacheDirFor', () => {
  it('takes OUTBOX_CHAOS_CACHE first, relative to the working directory', () => {
    expect(cacheDirFor(inputs({ env: { OUTBOX_CHAOS_CACHE: '/ci/cache' }, clone: true, packageRoot: CLONE }))).toBe(
      '/ci/cache',
    );
    expect(cacheDirFor(inputs({ env: { OUTBOX_CHAOS_CACHE: 'cache' } }))).toBe('/home/ada/shop/cache');
  });

  it("keeps a clone's own .cache", () => {
    expect(cacheDirFor(inputs({ clone: true, packageRoot: CLONE }))).toBe(`${CLONE}/.cache`);
  });

  it('puts an installed package in the per-user cache: XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDirFor(inputs({ env: { XDG_CACHE_HOME: '/var/cache/ada' } }))).toBe('/var/cache/ada/outbox-chaos');
    expect(cacheDirFor(inputs({}))).toBe('/home/ada/.cache/outbox-chaos');
  });

  it('ignores a relative XDG_CACHE_HOME, which the XDG spec calls invalid', () => {
    expect(cacheDirFor(inputs({ env: { XDG_CACHE_HOME: 'rel/cache' } }))).toBe('/home/ada/.cache/outbox-chaos');
  });
});

describe('reportDirFor', () => {
  it("writes a clone's reports to its reports/", () => {
    expect(reportDirFor(inputs({ clone: true, packageRoot: CLONE }))).toBe(`${CLONE}/reports`);
  });

  it("writes an installed package's reports to ./outbox-chaos-reports of the working directory", () => {
    expect(reportDirFor(inputs({}))).toBe('/home/ada/shop/outbox-chaos-reports');
  });
});

describe('an installed package', () => {
  it('has no default location under node_modules', () => {
    const i = inputs({ clone: isClone(INSTALLED, () => true) });
    for (const dir of [cacheDirFor(i), reportDirFor(i)]) expect(dir.split(path.sep)).not.toContain('node_modules');
  });
});

describe('this process', () => {
  it('runs from a clone, so CI keeps the cache and reports where they were', () => {
    expect(IN_CLONE).toBe(true);
    expect(DEFAULT_REPORT_DIR).toBe(path.join(PACKAGE_ROOT, 'reports'));
    expect(CACHE_DIR).toBe(
      process.env.OUTBOX_CHAOS_CACHE ? path.resolve(process.env.OUTBOX_CHAOS_CACHE) : path.join(PACKAGE_ROOT, '.cache'),
    );
  });
});
