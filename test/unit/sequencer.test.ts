import fs from 'node:fs';
import { expect, it } from 'vitest';
import { SECONDS } from '../longest-first-sequencer.ts';

it('every file the sequencer starts first still exists (a renamed one would silently run last)', () => {
  const missing = Object.keys(SECONDS).filter((f) => !fs.existsSync(new URL(`../../${f}`, import.meta.url)));
  expect(missing).toEqual([]);
});
