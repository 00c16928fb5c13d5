import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { NativePostgres } from '../../harness/infra/native/postgres.ts';
import { freePorts } from '../../harness/infra/ports.ts';
import { findPostgres } from '../../harness/infra/tools.ts';
import { probePostgres } from '../../harness/infra/pg-client.ts';
import type { SharedSegment } from '../../harness/infra/pg-segment.mjs';
import { postmasterSegmentId, sharedSegment } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-chaos-pgcrash-'));
fs.chmodSync(dir, 0o755);
let pg: NativePostgres | undefined;
let holder: ChildProcess | undefined;

afterAll(async () => {
  holder?.kill('SIGKILL');
  await pg?.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The running server's own segment, as its postmaster.pid names it. Not found by creator pid:
 * segments that killed clusters elsewhere left behind keep their creator's pid, and on a machine
 * that has run many stacks a new postmaster can be given one of those pids again.
 */
function serverSegment(): SharedSegment {
  const shmid = postmasterSegmentId(path.join(dir, 'data'));
  const found = shmid === undefined ? undefined : sharedSegment(shmid);
  if (!found) throw new Error(`postmaster.pid names segment ${shmid}, which does not exist`);
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
    expect(sharedSegment(first.shmid)!.attached).toBeGreaterThan(1);

    await pg.crash();
    await exited;
    expect(sharedSegment(first.shmid)?.attached).toBe(0);

    await pg.start();
    await probePostgres(pg.url('postgres'));
    // The restarted server found the crashed one's segment unused and removed it itself.
    expect(sharedSegment(first.shmid)).toBeUndefined();

    const second = serverSegment();
    expect(second.creator).toBe(pg.pid!);
    await pg.shutdown();
    expect(sharedSegment(second.shmid)).toBeUndefined();
  },
  60_000,
);

it.skipIf(!fs.existsSync('/proc/sysvipc/shm'))(
  'a server crashed and never started again: teardown removes the segment it left',
  async () => {
    await pg?.shutdown();
    fs.rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    const [port] = await freePorts(1);
    pg = new NativePostgres({ dir, port: port!, bins: findPostgres() });
    await pg.init();
    await pg.start();
    const left = serverSegment();
    await pg.crash();
    // Nothing attached any more, and no server to remove it: only teardown can.
    expect(sharedSegment(left.shmid)?.attached).toBe(0);
    await pg.shutdown();
    expect(sharedSegment(left.shmid)).toBeUndefined();
  },
  60_000,
);
