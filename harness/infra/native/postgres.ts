import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { probePostgres } from '../pg-client.ts';
import { removeDeadServerSegment, sharedSegments, type SharedSegment } from '../pg-segment.mjs';
import { POSTGRES_SETTINGS } from '../postgres-config.ts';
import { runCommand } from '../command.ts';
import { HarnessError, describeError } from '../../common/errors.ts';
import { ManagedProcess } from '../processes.ts';
import type { PostgresBinaries } from '../tools.ts';
import { waitUntilHealthy } from '../../common/wait.ts';

const PG_SUPERUSER = 'postgres';

/** PIDs whose memory maps include one of the segments (a SysV mapping's inode is its shmid). */
function processesMapping(shmids: ReadonlySet<number>): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let maps: string;
    try {
      maps = fs.readFileSync(`/proc/${entry}/maps`, 'utf8');
    } catch {
      continue;
    }
    const holds = maps.split('\n').some((line) => {
      if (!line.includes('/SYSV')) return false;
      return shmids.has(Number(line.trim().split(/\s+/)[4]));
    });
    if (holds) pids.push(Number(entry));
  }
  return pids;
}

async function killSharedMemoryHolders(postmaster: number, timeoutMs = 10_000): Promise<SharedSegment[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = sharedSegments().filter((s) => s.creator === postmaster);
    const held = mine.filter((s) => s.attached > 0);
    if (held.length === 0) return mine;
    if (Date.now() > deadline) {
      throw new HarnessError(
        `PostgreSQL's shared memory (segment ${held.map((s) => s.shmid).join(', ')}) is still attached ${timeoutMs} ms after the crash`,
      );
    }
    for (const pid of processesMapping(new Set(held.map((s) => s.shmid)))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface NativePostgresOptions {
  /** Owned by the stack; the cluster lives in dir/data. */
  readonly dir: string;
  readonly port: number;
  readonly bins: PostgresBinaries;
  readonly startTimeoutMs?: number;
}

/** The account that owns the cluster: ourselves, or a system account when we are root. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new HarnessError('running as root, but no "postgres" or "nobody" account exists to own the PostgreSQL cluster');
}

/**
 * One PostgreSQL server run straight from the binaries (no pg_ctl), so that the harness holds its
 * PID and can SIGKILL the postmaster and its backends as a machine crash would.
 */
export class NativePostgres {
  private proc: ManagedProcess | undefined;
  private readonly dataDir: string;
  private readonly logFile: string;
  private readonly owner = clusterOwner();

  constructor(private readonly options: NativePostgresOptions) {
    this.dataDir = path.join(options.dir, 'data');
    this.logFile = path.join(options.dir, 'postgres.log');
  }

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get port(): number {
    return this.options.port;
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.options.dir, { recursive: true });
    if (this.owner) fs.chownSync(this.options.dir, this.owner.uid, this.owner.gid);
    // --no-sync only skips flushing initdb's own files; the running server keeps fsync on.
    try {
      await runCommand(
        this.options.bins.initdb,
        [
          '-D',
          this.dataDir,
          '-U',
          PG_SUPERUSER,
          '--auth=trust',
          '-E',
          'UTF8',
          '--locale=C',
          '--no-sync',
          '--no-instructions',
        ],
        { ...this.owner, timeoutMs: 60_000 },
      );
    } catch (err) {
      if (this.owner && /Permission denied/.test(describeError(err))) {
        throw new HarnessError(
          `initdb runs as uid ${this.owner.uid} (PostgreSQL refuses root) and cannot reach ${this.dataDir}; ` +
            `set TMPDIR to a folder every user can traverse, such as /tmp`,
          { cause: err },
        );
      }
      throw err;
    }
    const conf = [
      `listen_addresses = '127.0.0.1'`,
      `port = ${this.options.port}`,
      `unix_socket_directories = ''`,
      ...POSTGRES_SETTINGS.map(([name, value]) => `${name} = ${value}`),
    ];
    fs.appendFileSync(path.join(this.dataDir, 'postgresql.conf'), `\n# outbox-chaos\n${conf.join('\n')}\n`);
    if (this.owner) fs.chownSync(path.join(this.dataDir, 'postgresql.conf'), this.owner.uid, this.owner.gid);
  }

  /** Starts the server (crash recovery runs here after a kill) and waits until it answers a query. */
  async start(): Promise<void> {
    if (this.proc?.running) return;
    this.proc = ManagedProcess.start({
      label: 'postgres',
      command: this.options.bins.postgres,
      args: ['-D', this.dataDir],
      logFile: this.logFile,
      ...this.owner,
    });
    await waitUntilHealthy('postgres', () => this.probe(), {
      timeoutMs: this.options.startTimeoutMs ?? 30_000,
      process: this.proc,
    });
  }

  /**
   * kill -9 of the postmaster and every backend at once. Backends are session leaders of their
   * own, so one forked just as the kill lands escapes the process tree and is left orphaned,
   * holding the cluster's shared memory: the next start then refuses to run. Whatever still maps
   * a segment this postmaster created is therefore killed too, until nothing is attached. The
   * segment itself stays: the restarted server reads it to find and remove the crashed one's
   * dynamic shared memory, then deletes it.
   */
  async crash(): Promise<void> {
    const postmaster = this.proc?.pid;
    await this.proc?.kill();
    if (postmaster !== undefined) await killSharedMemoryHolders(postmaster);
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5_000);
  }

  /**
   * For teardown: an immediate shutdown (SIGQUIT) ends every backend at once and still removes the
   * server's shared memory, which kill -9 would leave behind with no server left to clean it up.
   * If it has not finished within the grace time, kill -9, and remove what is left of the segments.
   */
  async shutdown(graceMs = 5_000): Promise<void> {
    const postmaster = this.proc?.running ? this.proc.pid : undefined;
    await this.proc?.stop(graceMs, 'SIGQUIT');
    if (postmaster !== undefined) {
      for (const s of await killSharedMemoryHolders(postmaster)) {
        spawnSync('ipcrm', ['-m', String(s.shmid)], { stdio: 'ignore' });
      }
    }
    // A server crashed earlier and not started since left its segment, and no server is left to remove it.
    removeDeadServerSegment(this.dataDir);
  }

  url(database: string, port = this.options.port): string {
    return `postgres://${PG_SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  }

  private probe(): Promise<void> {
    return probePostgres(this.url('postgres'));
  }
}
