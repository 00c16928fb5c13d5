import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDockerByLabel } from './docker-remove.mjs';

/**
 * Everything a run starts or creates is registered here, so that it is removed on a normal
 * stop, on Ctrl-C/SIGTERM, on an uncaught error, and (through the reaper process) even when
 * the harness itself is SIGKILLed.
 */

const groups = new Map<number, string>();
const dirs = new Set<string>();
/** Docker labels (key=value) whose containers and networks belong to a stack of ours, with the CLI to remove them. */
const dockerLabels = new Map<string, string>();
let reaper: ChildProcess | undefined;
let handlersInstalled = false;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function trackProcessGroup(pid: number, label: string): void {
  groups.set(pid, label);
  tell({ op: 'group', pid });
}

export function untrackProcessGroup(pid: number): void {
  groups.delete(pid);
  tell({ op: 'ungroup', pid });
}

export function trackDir(dir: string): void {
  dirs.add(dir);
  tell({ op: 'dir', path: dir });
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
  tell({ op: 'undir', path: dir });
}

export function trackDockerLabel(label: string, dockerCli: string): void {
  dockerLabels.set(label, dockerCli);
  tell({ op: 'docker', label, cli: dockerCli });
}

export function untrackDockerLabel(label: string): void {
  dockerLabels.delete(label);
  tell({ op: 'undocker', label });
}

/** What is still registered; tests use it to prove nothing leaks. */
export function tracked(): { groups: number[]; dirs: string[]; dockerLabels: string[] } {
  return { groups: [...groups.keys()], dirs: [...dirs], dockerLabels: [...dockerLabels.keys()] };
}

export { removeDockerByLabel };

/** Synchronous, because it also runs from the 'exit' event. */
function cleanupAllSync(): void {
  for (const pid of groups.keys()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
  for (const [label, cli] of dockerLabels) removeDockerByLabel(label, cli);
  dockerLabels.clear();
  for (const dir of dirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // the reaper tries again after we are gone
    }
  }
  dirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanupAllSync();
  process.removeListener(signal, onSignal);
  // Die of the same signal (the conventional exit status), unless someone else handles it.
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
    return;
  }
  // Another listener may be shutting down gracefully. A library's passive one (signal-exit, which
  // testcontainers loads) defers to us instead, and the process would hang; so it gets 5 s.
  setTimeout(() => {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }, 5_000).unref();
}

function tell(message: object): void {
  installHandlers();
  const stdin = ensureReaper()?.stdin;
  if (stdin && !stdin.destroyed) stdin.write(`${JSON.stringify(message)}\n`);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', cleanupAllSync);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function ensureReaper(): ChildProcess | undefined {
  if (reaper && reaper.exitCode === null) return reaper;
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reaper.mjs');
  reaper = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  reaper.on('error', () => {
    reaper = undefined;
  });
  reaper.stdin?.on('error', () => {});
  // Neither the reaper nor its pipe may keep the harness alive.
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void })?.unref?.();
  // A fresh reaper must learn what an earlier one (if it died) knew.
  for (const pid of groups.keys()) reaper.stdin?.write(`${JSON.stringify({ op: 'group', pid })}\n`);
  for (const dir of dirs) reaper.stdin?.write(`${JSON.stringify({ op: 'dir', path: dir })}\n`);
  for (const [label, cli] of dockerLabels) reaper.stdin?.write(`${JSON.stringify({ op: 'docker', label, cli })}\n`);
  return reaper;
}
