// The prerequisite checks behind `doctor` and every native run, on machines that lack things:
// each probe is pointed at a bare PATH, an empty PostgreSQL root, an empty cache, and so on.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPLETE_MARKER, kafkaLibsDir, toxiproxyBinary } from '../../harness/infra/cache-layout.ts';
import { INSTALL, checkPrerequisites, missingLine, type Probes } from '../../harness/infra/prerequisites.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const root = tempDir('outbox-prereq-');
afterAll(() => removeTempDir(root));

let n = 0;
const folder = (name: string) => {
  const dir = path.join(root, `${name}-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

/** A folder of fake programs, each a shell script printing what the real one would. */
function fakeBin(programs: Record<string, string>): string {
  const dir = folder('bin');
  for (const [name, output] of Object.entries(programs)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${output}' >&2\n`);
    fs.chmodSync(file, 0o755);
  }
  return dir;
}

/** A Debian-style PostgreSQL root with a fake server of the given version. */
function postgresRoot(major: number): string {
  const dir = folder('pg');
  const bin = path.join(dir, String(major), 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const name of ['initdb', 'postgres']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "postgres (PostgreSQL) ${major}.4"\n`);
    fs.chmodSync(path.join(bin, name), 0o755);
  }
  return dir;
}

function completeCache(): string {
  const dir = folder('cache');
  fs.mkdirSync(kafkaLibsDir(dir), { recursive: true });
  fs.writeFileSync(path.join(kafkaLibsDir(dir), COMPLETE_MARKER), '');
  fs.mkdirSync(path.dirname(toxiproxyBinary(dir)), { recursive: true });
  fs.writeFileSync(toxiproxyBinary(dir), '');
  return dir;
}

const JAVA_17 = 'openjdk version "17.0.15" 2025-04-15';

/** A machine that has everything; each test takes one thing away. */
function machine(overrides: Partial<Probes> = {}): Partial<Probes> {
  return {
    env: { PATH: fakeBin({ java: JAVA_17 }) },
    nodeVersion: '20.11.0',
    postgresRoot: postgresRoot(15),
    cacheDir: completeCache(),
    tempDir: root,
    isRoot: false,
    passwd: () => 'root:x:0:0::/root:/bin/sh\n',
    freeBytes: () => 10 * 1024 ** 3,
    writable: () => true,
    bindablePorts: async (count) => count,
    docker: () => ({}),
    ...overrides,
  };
}

const check = async (probes: Partial<Probes>, options: { ports?: number; docker?: boolean } = {}) =>
  checkPrerequisites({ probes, ports: 13, ...options });
const named = (r: Awaited<ReturnType<typeof check>>, name: string) => r.checks.find((c) => c.name === name)!;

describe('prerequisites', () => {
  it('a complete machine can start a native run; Maven and Go are not needed with a full cache', async () => {
    const r = await check(machine());
    expect(r.checks.filter((c) => c.status === 'missing')).toEqual([]);
    expect(r.ready).toBe(true);
    expect(named(r, 'java')).toMatchObject({ status: 'found', detail: expect.stringMatching(/java \(17\.0\.15\)$/) });
    expect(named(r, 'postgres')).toMatchObject({ status: 'found', detail: expect.stringMatching(/\/15\/bin /) });
    expect(r.postgres?.major).toBe(15);
    expect(named(r, 'maven').status).toBe('not-needed');
    expect(named(r, 'go').status).toBe('not-needed');
  });

  it('a PATH without java: missing, with the apt command, and no native run', async () => {
    const r = await check(machine({ env: { PATH: folder('empty') } }));
    expect(named(r, 'java')).toMatchObject({ status: 'missing', install: INSTALL.java });
    expect(r.ready).toBe(false);
    expect(missingLine(named(r, 'java'))).toBe(
      'missing prerequisite: java: no java on PATH; Kafka needs Java 17+; install it with: sudo apt-get install -y openjdk-17-jre-headless',
    );
  });

  it('JAVA_HOME wins over PATH, and a Java older than 17 is missing', async () => {
    const home = folder('jdk');
    fs.mkdirSync(path.join(home, 'bin'));
    fs.renameSync(
      path.join(fakeBin({ java: 'openjdk version "11.0.2" 2019-01-15' }), 'java'),
      path.join(home, 'bin', 'java'),
    );
    const r = await check(machine({ env: { PATH: fakeBin({ java: JAVA_17 }), JAVA_HOME: home } }));
    expect(named(r, 'java')).toMatchObject({
      status: 'missing',
      detail: expect.stringMatching(/is 11\.0\.2; Kafka .* needs Java 17\+/),
    });
  });

  it('no PostgreSQL server binaries anywhere: missing; PG_BIN finds them elsewhere', async () => {
    const none = await check(machine({ postgresRoot: folder('no-pg') }));
    expect(named(none, 'postgres')).toMatchObject({ status: 'missing', install: INSTALL.postgres });
    const elsewhere = path.join(postgresRoot(16), '16', 'bin');
    const pgBin = await check(
      machine({ postgresRoot: folder('no-pg'), env: { PATH: fakeBin({ java: JAVA_17 }), PG_BIN: elsewhere } }),
    );
    expect(named(pgBin, 'postgres')).toMatchObject({ status: 'found', detail: expect.stringContaining(elsewhere) });
  });

  it('a PostgreSQL older than 13 does not count', async () => {
    const r = await check(machine({ postgresRoot: postgresRoot(12) }));
    expect(named(r, 'postgres').status).toBe('missing');
  });

  it('as root, PostgreSQL needs an account to run as', async () => {
    const none = await check(machine({ isRoot: true }));
    expect(named(none, 'postgres user')).toMatchObject({ status: 'missing', install: INSTALL.postgresUser });
    const nobody = await check(machine({ isRoot: true, passwd: () => 'nobody:x:65534:65534::/:/bin/false\n' }));
    expect(named(nobody, 'postgres user')).toMatchObject({
      status: 'found',
      detail: expect.stringMatching(/"nobody"/),
    });
    expect(named(await check(machine()), 'postgres user')).toBeUndefined();
  });

  it('an empty cache needs Maven and Go >= 1.22 to provision it, and says so', async () => {
    const cold = folder('cold-cache');
    const bare = await check(machine({ cacheDir: cold, env: { PATH: fakeBin({ java: JAVA_17 }) } }));
    expect(named(bare, 'kafka jars').status).toBe('first-run');
    expect(named(bare, 'maven')).toMatchObject({ status: 'missing', install: INSTALL.maven });
    // findGo also looks in /usr/local/go, where this machine may have one; only assert when it does not.
    if (!fs.existsSync('/usr/local/go/bin/go'))
      expect(named(bare, 'go')).toMatchObject({ status: 'missing', install: INSTALL.go });
    const oldGo = await check(
      machine({
        cacheDir: cold,
        env: { PATH: fakeBin({ java: JAVA_17, mvn: 'Apache Maven 3.8.7', go: 'go version go1.19.8 linux/amd64' }) },
      }),
    );
    expect(named(oldGo, 'maven').status).toBe('found');
    expect(named(oldGo, 'go')).toMatchObject({
      status: 'missing',
      detail: expect.stringMatching(/go1\.19\.8; .* needs Go >= 1\.22/),
    });
    const goodGo = await check(
      machine({
        cacheDir: cold,
        env: { PATH: fakeBin({ java: JAVA_17, mvn: 'Apache Maven 3.8.7', go: 'go version go1.22.2 linux/amd64' }) },
      }),
    );
    expect(goodGo.ready).toBe(true);
    expect(named(goodGo, 'toxiproxy').status).toBe('first-run');
  });

  it('an unwritable, incomplete cache, a full disk and taken ports are each missing', async () => {
    const r = await check(
      machine({
        cacheDir: folder('ro-cache'),
        writable: () => false,
        freeBytes: () => 1024 ** 2,
        bindablePorts: async () => 3,
      }),
    );
    expect(named(r, 'cache')).toMatchObject({
      status: 'missing',
      detail: expect.stringMatching(/not writable.*OUTBOX_CHAOS_CACHE/),
    });
    expect(named(r, 'disk (cache)').status).toBe('missing');
    expect(named(r, 'disk (temp)').status).toBe('missing');
    expect(named(r, 'ports')).toMatchObject({
      status: 'missing',
      detail: 'only 3 of the 13 ports a stack needs could be bound on 127.0.0.1',
    });
    // A complete cache may be read-only.
    const readOnly = await check(machine({ writable: (dir) => dir === root }));
    expect(named(readOnly, 'cache').status).toBe('found');
  });

  it('a Node older than package.json allows is missing', async () => {
    const r = await check(machine({ nodeVersion: '18.19.1' }));
    expect(named(r, 'node')).toMatchObject({
      status: 'missing',
      detail: expect.stringMatching(/v18\.19\.1 is too old: >= 20\.11 needed/),
    });
  });

  it('Docker is optional: its absence never stops a native run', async () => {
    const none = await check(machine(), { docker: true });
    expect(named(none, 'docker')).toMatchObject({ status: 'optional', install: INSTALL.docker });
    expect(none.ready).toBe(true);
    const engine = await check(machine({ docker: () => ({ cli: '27.0', engine: '27.0' }) }), { docker: true });
    expect(named(engine, 'docker').status).toBe('found');
    expect(named(await check(machine()), 'docker')).toBeUndefined();
  });
});
