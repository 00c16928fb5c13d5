import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../harness/infra/cleanup.ts';
import { isAlive } from '../harness/infra/processes.ts';
import { buildLocalImages } from '../harness/infra/containers/images.ts';
import { startStack, type Stack, type StackOptions } from '../harness/infra/index.ts';
import { afterAll, beforeAll } from 'vitest';

/** Polls until check() is true or the time is up; returns the last answer. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
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

/** A stack and a report folder for one test file: started before its tests, gone after them. */
export function useSuiteStack(
  prefix: string,
  options: StackOptions = {},
): { readonly stack: Stack; readonly reportDir: string } {
  const state: { stack?: Stack; reportDir?: string } = {};
  beforeAll(async () => {
    state.stack = await startStack(options);
    state.reportDir = tempDir(prefix);
  });
  afterAll(async () => {
    await state.stack?.stop();
    removeTempDir(state.reportDir);
  });
  return {
    get stack() {
      return state.stack!;
    },
    get reportDir() {
      return state.reportDir!;
    },
  };
}

/**
 * For files that run the containers provider: no registry is reachable here, so they use the
 * locally built images (OUTBOX_CHAOS_IMAGES=local), built first if missing or out of date.
 */
export function useLocalImages(): void {
  process.env.OUTBOX_CHAOS_IMAGES ??= 'local';
  beforeAll(async () => {
    await buildLocalImages({ log: (line) => console.log(line) });
  }, 900_000);
}
