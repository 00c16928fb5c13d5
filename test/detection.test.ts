// The harness proves itself: every broken variant of the reference is caught by the quick
// profile's generated schedules, run in the same scenario order for every variant (the harness is
// not told which variant it faces), and the counterexample shrinks to at most five steps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMatrix, printMatrix } from '../harness/cli/matrix.ts';
import { startStack, type Stack } from '../harness/infra/index.ts';
import { referenceSut } from '../harness/sut/reference.ts';
import { SCENARIOS } from '../scenarios/index.ts';

let stack: Stack;
let reportDir: string;

beforeAll(async () => {
  stack = await startStack();
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-detection-'));
});

afterAll(async () => {
  await stack?.stop();
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
});

describe('detection: every broken variant is caught in the quick profile', () => {
  for (const variant of referenceSut().bugs!.variants) {
    it(variant, async () => {
      const matrix = await runMatrix({ sut: 'reference', variants: [variant], scenarios: 'all', profile: 'quick', reportDir, firstCatch: true, stack });
      const lines: string[] = [];
      printMatrix(matrix, SCENARIOS.map((s) => s.name), (l) => lines.push(l));
      const row = matrix.variants[0]!;
      const caught = row.cells.find((c) => c.caught);
      expect(caught, `${variant} escaped every scenario:\n${lines.join('\n')}`).toBeDefined();
      expect(caught!.shrunkSteps!, lines.join('\n')).toBeLessThanOrEqual(5);
    }, 900_000);
  }
});
