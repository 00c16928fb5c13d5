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

function segmentsOf(creator: number): { shmid: number; attached: number }[] {
  return fs
    .readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 7 && Number(f[4]) === creator)
    .map((f) => ({ shmid: Number(f[1]), attached: Number(f[6]) }));
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
    const [segment] = segmentsOf(postmaster);
    expect(segment).toBeDefined();

    const stand = spawn(
      'python3',
      [
        '-c',
        `import ctypes,sys,time\nlibc=ctypes.CDLL(None,use_errno=True)\nlibc.shmat.restype=ctypes.c_void_p\n` +
          `p=libc.shmat(${segment!.shmid},None,0)\nsys.exit(3) if p in (None,ctypes.c_void_p(-1).value) else print('attached',flush=True)\ntime.sleep(120)`,
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
    expect(segmentsOf(postmaster)[0]!.attached).toBeGreaterThan(1);

    await pg.crash();
    await exited;
    expect(segmentsOf(postmaster).map((s) => s.attached)).toEqual([0]);

    await pg.start();
    await probePostgres(pg.url('postgres'));
    // The restarted server found the crashed one's segment unused and removed it itself.
    expect(segmentsOf(postmaster)).toEqual([]);

    const restarted = pg.pid!;
    expect(segmentsOf(restarted)).toHaveLength(1);
    await pg.shutdown();
    expect(segmentsOf(restarted)).toEqual([]);
  },
  60_000,
);
