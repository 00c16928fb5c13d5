import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { NativePostgres } from '../../harness/infra/native/postgres.ts';
import { freePorts } from '../../harness/infra/ports.ts';
import { findPostgres } from '../../harness/infra/tools.ts';
import { probePostgres } from '../../harness/infra/pg-client.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-chaos-pgcrash-'));
fs.chmodSync(dir, 0o755);
let pg: NativePostgres | undefined;
let holder: ChildProcess | undefined;

afterAll(async () => {
  holder?.kill('SIGKILL');
  await pg?.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Segment {
  readonly shmid: number;
  readonly creator: number;
  readonly attached: number;
}

/** A System V segment by id, if it still exists. */
function segment(shmid: number): Segment | undefined {
  return fs
    .readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 7 && Number(f[1]) === shmid)
    .map((f) => ({ shmid, creator: Number(f[4]), attached: Number(f[6]) }))[0];
}

/**
 * The running server's own segment, as its postmaster.pid names it. Not found by creator pid:
 * segments that killed clusters elsewhere left behind keep their creator's pid, and on a machine
 * that has run many stacks a new postmaster can be given one of those pids again.
 */
function serverSegment(): Segment {
  const line = fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[6] ?? '';
  const shmid = Number(line.trim().split(/\s+/)[1]);
  const found = segment(shmid);
  if (!found) throw new Error(`postmaster.pid names segment ${shmid}, which does not exist (line: "${line}")`);
  return found;
}

// A backend forked as the kill lands is a session leader of its own and escapes the killed tree,
// still attached to the cluster's shared memory. A process outside the tree that attaches the
// segment stands in for it, deterministically.
it.skipIf(!fs.existsSync('/proc/sysvipc/shm'))(
  'after a crash nothing holds the cluster shared memory, the restart removes the old segment, and teardown leaves none',
  async () => {
    const [port] = await freePorts(1);
    pg = new NativePostgres({ dir, port: port!, bins: findPostgres() });
    await pg.init();
    await pg.start();
    const postmaster = pg.pid!;
    const first = serverSegment();
    expect(first.creator).toBe(postmaster);

    const stand = spawn(
      'python3',
      [
        '-c',
        `import ctypes,sys,time\nlibc=ctypes.CDLL(None,use_errno=True)\nlibc.shmat.restype=ctypes.c_void_p\n` +
          `p=libc.shmat(${first.shmid},None,0)\nsys.exit(3) if p in (None,ctypes.c_void_p(-1).value) else print('attached',flush=True)\ntime.sleep(120)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    holder = stand;
    const exited = new Promise<number | null>((r) => stand.on('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      stand.on('error', (err) => reject(new Error(`the stand-in could not start: ${err.message}`)));
      stand.stdout.on('data', (d: Buffer) => (String(d).includes('attached') ? resolve() : undefined));
      stand.on('exit', (code) => reject(new Error(`the stand-in could not attach (exit ${code})`)));
    });
    expect(segment(first.shmid)!.attached).toBeGreaterThan(1);

    await pg.crash();
    await exited;
    expect(segment(first.shmid)?.attached).toBe(0);

    await pg.start();
    await probePostgres(pg.url('postgres'));
    // The restarted server found the crashed one's segment unused and removed it itself.
    expect(segment(first.shmid)).toBeUndefined();

    const second = serverSegment();
    expect(second.creator).toBe(pg.pid!);
    await pg.shutdown();
    expect(segment(second.shmid)).toBeUndefined();
  },
  60_000,
);
