#!/usr/bin/env node
// The outbox-chaos command. The installed package runs the compiled JavaScript in dist/. A clone
// of the repository runs its TypeScript source through tsx instead, even when a dist/ from an
// earlier `npm pack` is lying around, so that what runs is always what was just edited.
import fs from 'node:fs';

const source = new URL('../harness/cli/main.ts', import.meta.url);
if (fs.existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/harness/cli/main.js');
}
