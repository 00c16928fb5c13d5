import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tracked } from '../../harness/infra/cleanup.ts';
import { startStack } from '../../harness/infra/index.ts';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { processTree } from '../../harness/infra/processes.ts';
import { roundTripEveryLink } from '../../harness/infra/roundtrip.ts';
import { dataDirsUnder } from '../../harness/infra/pg-segment.mjs';
import { alivePids, eventually, postmasterSegmentId, sharedSegment } from '../helpers.ts';
import { holdStack } from './hold-stack.ts';

describe('stack lifecycle', () => {
  it('teardown leaves no process the stack started and no temp dir', async () => {
    const stack = await startStack();
    const pids = stack.pids().flatMap((pid) => processTree(pid));
    expect(pids.length).toBeGreaterThanOrEqual(3);
    for (const dir of stack.dirs) expect(fs.existsSync(dir)).toBe(true);

    await stack.stop();
    expect(alivePids(pids)).toEqual([]);
    for (const dir of stack.dirs) expect(fs.existsSync(dir)).toBe(false);
    expect(tracked()).toEqual({ groups: [], dirs: [], dockerLabels: [] });
  });

  it('two stacks run side by side on different ports, each carrying its own traffic', async () => {
    const started = await Promise.allSettled([startStack(), startStack()]);
    const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (up.length < 2) {
      await Promise.all(up.map((s) => s.stop()));
      throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const [a, b] = up as [(typeof up)[number], (typeof up)[number]];
    try {
      expect(a.postgres.endpoint.port).not.toBe(b.postgres.endpoint.port);
      expect(a.kafka.endpoint.port).not.toBe(b.kafka.endpoint.port);
      const [runA, runB] = await Promise.all([a.newRun(), b.newRun()]);
      const [tripsA, tripsB] = await Promise.all([roundTripEveryLink(a, runA), roundTripEveryLink(b, runB)]);
      expect(tripsA).toHaveLength(6);
      expect(tripsB).toHaveLength(6);
      const viaA = new Set(tripsA.map((t) => t.via));
      for (const t of tripsB) expect(viaA.has(t.via)).toBe(false);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(alivePids([...a.pids(), ...b.pids()])).toEqual([]);
  });

  it('a start that fails half-way names the component, shows its log, and leaves nothing behind', async () => {
    // A private TMPDIR, so that "no temp dir left" is exact even while other files run stacks.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'failed-start-'));
    fs.chmodSync(tmp, 0o755);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const error = await startStack({ kafkaHeap: 'not-a-size' }).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(error?.name).toBe('HarnessError');
      // The broker's own JVM is the first to read the heap size (no format JVM runs before it).
      expect(error?.message).toMatch(/^the native stack did not start:\nkafka exited during start-up/);
      expect(error?.message).not.toMatch(/postgres|toxiproxy/);
      expect(error?.message).toMatch(/Invalid maximum heap size/);
      // Postgres and Toxiproxy came up before Kafka failed; they went down with it.
      expect(tracked()).toEqual({ groups: [], dirs: [], dockerLabels: [] });
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('Ctrl-C (SIGINT) on a harness removes everything its stack started', async () => {
    const { child, held, exited } = await holdStack();
    expect(alivePids(held.pids).length).toBe(held.pids.length);
    child.kill('SIGINT');
    const exit = await exited;
    expect(exit.signal ?? exit.code).toBe(exit.signal ? 'SIGINT' : 130);
    expect(await eventually(() => alivePids(held.pids).length === 0, 5_000)).toBe(true);
    for (const dir of held.dirs) expect(fs.existsSync(dir)).toBe(false);
  });

  it('a harness killed with SIGKILL is cleaned up after by its reaper, PostgreSQL shared memory included', async () => {
    const { child, held, exited } = await holdStack();
    // The server's segment, as its postmaster.pid names it: a kill -9 leaves it unless it is removed.
    const segments = held.dirs
      .flatMap((d) => dataDirsUnder(d))
      .map(postmasterSegmentId)
      .filter((id) => id !== undefined);
    expect(segments.length).toBe(1);
    child.kill('SIGKILL');
    await exited;
    expect(await eventually(() => alivePids(held.pids).length === 0, 10_000)).toBe(true);
    expect(await eventually(() => held.dirs.every((d) => !fs.existsSync(d)), 10_000)).toBe(true);
    expect(segments.filter((id) => sharedSegment(id) !== undefined)).toEqual([]);
  });
});

describe('provisioning', () => {
  it('a missing tool is one clear line naming what to install, and exit 2', async () => {
    const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'no-tools-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: emptyPath };
      delete env.JAVA_HOME;
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/setup.ts'], {
        cwd: PROJECT_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(2);
      expect(stderr.trim()).toMatch(
        /^setup failed: missing prerequisite: java: .*Java 17.*apt-get install -y openjdk-17-jre-headless$/,
      );
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});
