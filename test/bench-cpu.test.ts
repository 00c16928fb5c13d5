import { spawn } from 'node:child_process';
import os from 'node:os';
import { expect, it } from 'vitest';
import { cpuWindow } from '../harness/bench/cpu.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Linux's /proc, read for real: a process that spins under a shell counts for the role the shell
// was started as, and the harness's own spinning counts as the harness.
it.runIf(process.platform === 'linux')('reads where the processors went from /proc', async () => {
  // "; exit" keeps the shell as the spinner's parent instead of letting it exec node in its place.
  const shell = spawn(
    'sh',
    ['-c', `"${process.execPath}" -e "const t = Date.now() + 1500; while (Date.now() < t);"; exit 0`],
    { stdio: 'ignore', detached: true },
  );
  const exited = new Promise((r) => shell.once('exit', r));
  try {
    await sleep(200);
    const window = cpuWindow(() => new Map([[shell.pid!, 'relay']]));
    const spinUntil = Date.now() + 300;
    while (Date.now() < spinUntil);
    await sleep(500);
    const use = window.end()!;
    expect(use.cores).toBe(os.cpus().length);
    expect(use.busy).toBeGreaterThan(0);
    expect(use.busy).toBeLessThanOrEqual(use.cores);
    // One spinning thread on a machine that other tests share: well above nothing, at most one processor.
    expect(use.by.relay).toBeGreaterThan(0.05);
    expect(use.by.relay).toBeLessThanOrEqual(1.05);
    expect(use.by.harness).toBeGreaterThan(0.05);
  } finally {
    // The whole group: the spinner under the shell too.
    process.kill(-shell.pid!, 'SIGKILL');
    await exited;
  }
});
