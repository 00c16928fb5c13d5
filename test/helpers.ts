import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../harness/infra/cleanup.ts';
import { isAlive } from '../harness/infra/processes.ts';

/** Polls until check() is true or the time is up; returns the last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function alivePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => isAlive(pid));
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/**
 * A temp folder for one test file, registered with the harness's cleanup, so that it goes even
 * when the run is killed before afterAll.
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  trackDir(dir);
  return dir;
}

export function removeTempDir(dir: string | undefined): void {
  if (!dir) return;
  fs.rmSync(dir, { recursive: true, force: true });
  untrackDir(dir);
}
