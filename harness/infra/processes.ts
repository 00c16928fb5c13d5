import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { HarnessError } from '../common/errors.ts';
import { readIfExists } from '../common/files.ts';
import { trackProcessGroup, untrackProcessGroup } from './cleanup.ts';

export interface ProcessSpec {
  /** Names the process in errors and logs, e.g. "postgres" or "relay-2". */
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** Run as this user (PostgreSQL will not run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Linux: the state letter and process group of a pid, from /proc; undefined if it is gone. */
function procStat(pid: number): { state: string; ppid: number; pgid: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses, so parse after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

const HAVE_PROC = fs.existsSync('/proc/self/stat');

/** Alive means running: a zombie waiting for its parent to reap it counts as dead. */
export function isAlive(pid: number): boolean {
  if (HAVE_PROC) {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function liveProcesses(): Map<number, { ppid: number; pgid: number }> {
  const live = new Map<number, { ppid: number; pgid: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.state !== 'Z' && stat.state !== 'X') live.set(Number(entry), stat);
  }
  return live;
}

/**
 * The live processes a child started: its process group, plus every descendant. Descendants
 * matter because some programs move their children to groups of their own (PostgreSQL's
 * backends call setsid()), and a crash must take them down with the parent.
 */
export function processTree(root: number): number[] {
  if (!HAVE_PROC) return isAlive(-root) ? [root] : [];
  const live = liveProcesses();
  const tree = new Set<number>();
  for (const [pid, stat] of live) if (stat.pgid === root || pid === root) tree.add(pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, stat] of live) {
      if (!tree.has(pid) && tree.has(stat.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

function signalTargets(targets: readonly number[], signal: NodeJS.Signals): void {
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/**
 * Signals a process group and every descendant of its leader, wherever they moved: a crash must
 * take PostgreSQL's backends down with the postmaster, and a freeze must stop them too. Gone
 * processes are skipped; it does not wait.
 */
export function signalTree(root: number, signal: NodeJS.Signals): void {
  signalTargets([-root, ...processTree(root)], signal);
}

/**
 * SIGSTOP to a whole tree, until every member is stopped. A child forked between the listing of
 * the tree and the parent's stop (PostgreSQL starts backends and autovacuum workers at any time)
 * would otherwise keep running through the freeze; once the parent is stopped it forks no more.
 */
export async function stopTree(root: number, timeoutMs = 5_000): Promise<void> {
  signalTree(root, 'SIGSTOP');
  if (!HAVE_PROC) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = processTree(root).filter((pid) => procStat(pid)?.state !== 'T');
    if (running.length === 0) return;
    if (Date.now() > deadline) {
      throw new HarnessError(`process ${running.join(', ')} of tree ${root} did not stop within ${timeoutMs} ms`);
    }
    signalTargets(running, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Spawns a child in its own process group, its output appended to its log. */
function spawnChild(spec: ProcessSpec): ChildProcess {
  const fd = fs.openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
      uid: spec.uid,
      gid: spec.gid,
    });
    // A spawn failure (ENOENT, EACCES) arrives as an event; surface it as an exit instead.
    child.once('error', (err) => {
      fs.appendFileSync(spec.logFile, `[outbox-chaos] spawn failed: ${err.message}\n`);
      child.emit('exit', null, null);
    });
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A child in its own process group, so that a kill reaches everything it forked (PostgreSQL's
 * backends) and so that a Ctrl-C on the terminal reaches the harness alone, which then decides.
 */
export class ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(
    readonly spec: ProcessSpec,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new HarnessError(`${spec.label}: could not start ${spec.command}`);
    this.pid = child.pid;
    trackProcessGroup(this.pid, spec.label);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static start(spec: ProcessSpec): ManagedProcess {
    return new ManagedProcess(spec, spawnChild(spec));
  }

  /**
   * Starts the process and waits until the OS has either started it or refused to (no such
   * program, no permission, no such cwd). A refusal is one line naming the command and the log,
   * where `start` could only say that it failed: the reason arrives as an event after it returns.
   */
  static async launch(spec: ProcessSpec): Promise<ManagedProcess> {
    const child = spawnChild(spec);
    const refused = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (refused) {
      throw new HarnessError(
        `${spec.label} could not start: ${refused.message} (cwd ${spec.cwd ?? process.cwd()}); its log: ${spec.logFile}`,
      );
    }
    return new ManagedProcess(spec, child);
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitInfo(): Exit | undefined {
    return this.exit;
  }

  /** Sends a signal to the group and, for SIGKILL, to every descendant too; does not wait. */
  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') signalTree(this.pid, signal);
    else signalTargets([-this.pid], signal);
  }

  /** SIGKILL the whole process tree at once and wait until none of it is left. */
  async kill(): Promise<void> {
    const tree = processTree(this.pid);
    this.signal('SIGKILL');
    await this.waitGone(10_000, tree);
  }

  /** `first` (SIGTERM unless said otherwise), then SIGKILL after graceMs. */
  async stop(graceMs = 5_000, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const tree = processTree(this.pid);
    if (!this.running && tree.length === 0) return this.release();
    this.signal(first);
    const finished = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
    ]);
    if (!finished) this.signal('SIGKILL');
    await this.waitGone(10_000, tree);
  }

  /**
   * The log's first line naming an error, wherever it is: a server that cannot bind a port says so
   * once, then logs its whole shutdown, which pushes that line out of any tail.
   */
  firstErrorLine(): string | undefined {
    return readIfExists(this.spec.logFile)
      ?.split('\n')
      .find((l) => /\b(ERROR|FATAL)\b|address already in use|EADDRINUSE/i.test(l))
      ?.trim();
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 30): string {
    const text = readIfExists(this.spec.logFile);
    return text === undefined ? '(no log)' : text.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Waits for the child's exit, then until none of `known` nor any new tree member is alive. */
  private async waitGone(timeoutMs: number, known: readonly number[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    while (known.some(isAlive) || processTree(this.pid).length > 0) {
      if (Date.now() > deadline)
        throw new HarnessError(`${this.spec.label} (pgid ${this.pid}) did not die within ${timeoutMs} ms`);
      this.signal('SIGKILL');
      await new Promise((r) => setTimeout(r, 20));
    }
    this.release();
  }

  private release(): void {
    untrackProcessGroup(this.pid);
  }
}
