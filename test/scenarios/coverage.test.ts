// The scenario files above name their scenarios; this keeps a new scenario from being left out.
// (containers.test.ts runs a few of them again on the containers provider.)
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';

it('every registered scenario is run against the reference on the native stack by exactly one test file', () => {
  const dir = path.dirname(new URL(import.meta.url).pathname);
  const named = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && f !== 'coverage.test.ts' && f !== 'containers.test.ts')
    .flatMap((f) =>
      [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/referenceScenarioSuite\(\[([^\]]*)\]/g)].flatMap(
        (m) => m[1]!.match(/'[^']+'/g) ?? [],
      ),
    )
    .map((s) => s.slice(1, -1));
  expect(named.sort()).toEqual(
    SCENARIOS.filter((s) => !s.byNameOnly)
      .map((s) => s.name)
      .sort(),
  );
});

it('every scenario no SUT can pass (run by name only) is run by a test that checks how it fails', () => {
  const dir = path.dirname(new URL(import.meta.url).pathname);
  const text = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && f !== 'coverage.test.ts')
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  for (const s of SCENARIOS.filter((x) => x.byNameOnly)) expect(text).toContain(`scenarios: ['${s.name}']`);
});
