// examples/vitest/outbox.test.ts as a user runs it: imported here, its describe block runs in this
// file, against a real stack, from a working directory of its own (a user's repository), where
// its reports must land. 'outbox-chaos' resolves to harness/api.ts (vitest.config.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { readScenarioResults } from '../../harness/report/results.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const project = tempDir('outbox-api-project-');
process.chdir(project);
afterAll(() => {
  process.chdir(PROJECT_ROOT);
  removeTempDir(project);
});

await import('../../examples/vitest/outbox.test.ts');

describe('after the example', () => {
  it('wrote its report in the working directory, with the verdict it asserted', () => {
    const reports = path.join(project, 'outbox-chaos-reports');
    const folders = fs.readdirSync(reports).filter((f) => fs.statSync(path.join(reports, f)).isDirectory());
    expect(folders).toEqual([expect.stringMatching(/-minimal-relay-crash$/)]);
    const results = readScenarioResults(path.join(reports, folders[0]!));
    expect(results).toMatchObject({ valid: true, scenario: 'relay-crash', executions: 1, seed: 20261122 });
    expect(fs.existsSync(path.join(reports, folders[0]!, 'report.html'))).toBe(true);
    expect(fs.existsSync(path.join(reports, 'index.html'))).toBe(true);
  });
});
