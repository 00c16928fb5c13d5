// The SUT manifest contract: the reference comes in through its own manifest, a minimal one is
// enough, and a bad one is refused with a message that says where and what.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { loadManifest } from '../../harness/sut/manifest.ts';
import { REFERENCE_MANIFEST } from '../../harness/sut/reference.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const MINIMAL = path.join(PROJECT_ROOT, 'examples', 'minimal-sut', 'outbox-chaos.json');
const dir = tempDir('outbox-manifest-');
afterAll(() => removeTempDir(dir));

function write(name: string, manifest: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return file;
}

const minimal = () => JSON.parse(fs.readFileSync(MINIMAL, 'utf8'));

describe('SUT manifests', () => {
  it('the reference is described by its manifest, crash points and bug variants included', () => {
    const def = loadManifest(REFERENCE_MANIFEST);
    expect(def.name).toBe('reference');
    expect(def.eventId).toEqual({ header: 'event-id' });
    expect(def.processes.relay.command.slice(1)).toEqual([
      // The relay's young generation, sized for its batches (see reference-impl/README.md).
      '--max-semi-space-size=32',
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'reference-impl', 'relay.ts'),
    ]);
    expect(def.processes.relay.command[0]).toBe(process.execPath);
    expect(def.processes.consumer.cwd).toBe(PROJECT_ROOT);
    expect(def.processes.consumer.links).toEqual({ pg: 'consumer-pg', kafka: 'consumer-kafka' });
    expect(def.schemaSql).toMatch(/CREATE TABLE outbox/);
    expect(def.crashFileEnv).toBe('OUTBOX_CRASH_FILE');
    expect(def.bugs?.variants).toHaveLength(10);
    expect(def.bugs?.kafkaBrokers).toEqual({ 'leader-acks': 3 });
  });

  it('a variant said to need a cluster must be a declared variant, and needs at least two brokers', () => {
    const bugs = { env: 'MY_BUG', variants: ['broken'] };
    const schema = { sql: 'CREATE TABLE t (x int);' };
    const fits = { ...minimal(), schema, bugs: { ...bugs, kafkaBrokers: { broken: 3 } } };
    expect(loadManifest(write('cluster-bug.json', fits)).bugs?.kafkaBrokers).toEqual({ broken: 3 });
    const stray = { ...minimal(), schema, bugs: { ...bugs, kafkaBrokers: { other: 3 } } };
    expect(() => loadManifest(write('cluster-bug-stray.json', stray))).toThrow(
      /\/bugs\/kafkaBrokers\/other: not a declared variant; variants: broken/,
    );
    const one = { ...minimal(), schema, bugs: { ...bugs, kafkaBrokers: { broken: 1 } } };
    expect(() => loadManifest(write('cluster-bug-one.json', one))).toThrow(/kafkaBrokers\/broken/);
  });

  it('a minimal manifest: default links, cwd and offsets; no crash points, no variants', () => {
    const def = loadManifest(MINIMAL);
    expect(def.name).toBe('minimal');
    expect(def.processes.app.links).toEqual({ pg: 'app-pg', kafka: 'app-kafka' });
    expect(def.processes.app.cwd).toBe(path.dirname(MINIMAL));
    expect(def.consumerCommitsOffsets).toBe(true);
    expect(def.crashPoints).toBeUndefined();
    expect(def.bugs).toBeUndefined();
    expect(def.deadLetteredSql).toBeUndefined();
  });

  it('an event id by JSON pointer is accepted', () => {
    const m = { ...minimal(), eventId: { jsonPointer: '/meta/id' }, schema: { sql: 'CREATE TABLE t (x int);' } };
    expect(loadManifest(write('pointer.json', m)).eventId).toEqual({ jsonPointer: '/meta/id' });
  });

  it.each([
    ['missing.json', undefined, /cannot read the SUT manifest .*missing.json: no such file/],
    ['not-json.json', '{ "name": ', /is not valid JSON/],
    ['version.json', { ...minimal(), manifestVersion: 2 }, /\/manifestVersion: must be 1/],
    ['unknown-field.json', { ...minimal(), guarantee: {} }, /\(top level\): unknown field "guarantee"/],
    [
      'no-relay.json',
      (() => {
        const m = minimal();
        delete m.processes.relay;
        return m;
      })(),
      /\/processes: missing field "relay"/,
    ],
    [
      'bad-link.json',
      (() => {
        const m = minimal();
        m.processes.relay.links = { kafka: 'relay-kafak' };
        return m;
      })(),
      /\/processes\/relay\/links\/kafka: must be one of "app-pg", .*"relay-kafka"/,
    ],
    [
      'two-ids.json',
      { ...minimal(), eventId: { header: 'id', jsonPointer: '/id' } },
      /\/eventId: must be exactly one of the allowed forms/,
    ],
    [
      'empty-command.json',
      (() => {
        const m = minimal();
        m.processes.app.command = [];
        return m;
      })(),
      /\/processes\/app\/command: must NOT have fewer than 1 items/,
    ],
    [
      'bad-env.json',
      (() => {
        const m = minimal();
        m.processes.app.env = { 'NOT OK': 'x' };
        return m;
      })(),
      /\/processes\/app\/env: property name must be valid/,
    ],
    [
      'no-schema-file.json',
      { ...minimal(), schema: { file: 'nowhere.sql' } },
      /\/schema\/file: cannot read .*nowhere.sql/,
    ],
    [
      'no-cwd.json',
      (() => {
        const m = minimal();
        m.processes.consumer.cwd = 'gone';
        return m;
      })(),
      /\/processes\/consumer\/cwd: no such folder/,
    ],
    [
      'no-points.json',
      { ...minimal(), crashPoints: { env: 'CRASH', points: {} } },
      /\/crashPoints\/points: declares no point/,
    ],
    [
      'two-schemas.json',
      { ...minimal(), schema: { sql: 'SELECT 1', command: ['true'] } },
      /\/schema: must be exactly one of the allowed forms/,
    ],
    [
      'failing-schema.json',
      { ...minimal(), schema: { command: ['sh', '-c', 'echo broken on purpose >&2; exit 3'] } },
      /\/schema\/command \(sh -c .*\) exited with 3:\nbroken on purpose/,
    ],
    ['silent-schema.json', { ...minimal(), schema: { command: ['true'] } }, /\/schema\/command: printed no SQL/],
    [
      'no-such-tool.json',
      { ...minimal(), prepare: { command: ['no-such-tool-here'] } },
      /\/prepare\/command could not run no-such-tool-here/,
    ],
    ['bad-quiet.json', { ...minimal(), drain: { quietMs: -1 } }, /\/drain\/quietMs: must be >= 0/],
    [
      'no-such-command.json',
      (() => {
        const m = { ...minimal(), schema: { sql: 'SELECT 1' } };
        m.processes.relay.command = ['no-such-relay-binary', '--fast'];
        return m;
      })(),
      /^the SUT manifest .*no-such-command\.json: \/processes\/relay\/command\/0: cannot start no-such-relay-binary: no-such-relay-binary is not on PATH$/,
    ],
    [
      'no-such-path.json',
      (() => {
        const m = minimal();
        m.processes.consumer.command = ['./bin/consumer'];
        return m;
      })(),
      /\/processes\/consumer\/command\/0: cannot start \.\/bin\/consumer: .*\/bin\/consumer does not exist$/,
    ],
    [
      'not-executable.json',
      (() => {
        const m = minimal();
        m.processes.app.command = ['./no-exec.sh'];
        return m;
      })(),
      /\/processes\/app\/command\/0: cannot start \.\/no-exec\.sh: .*no-exec\.sh is not an executable file$/,
    ],
    [
      'typo-placeholder.json',
      (() => {
        const m = minimal();
        m.processes.app.env.DATABASE_URL = '${DATABSE_URL}';
        return m;
      })(),
      /^the SUT manifest .*: \/processes\/app\/env\/DATABASE_URL: unknown placeholder \$\{DATABSE_URL\}; known here: \$\{NODE\}, \$\{MANIFEST_DIR\}, \$\{CACHE_DIR\}, \$\{DATABASE_URL\}, .*\$\{STATE_DIR\}$/,
    ],
    [
      'lowercase-placeholder.json',
      (() => {
        const m = minimal();
        m.processes.relay.command = ['${node}', 'relay.js'];
        return m;
      })(),
      /\/processes\/relay\/command\/0: unknown placeholder \$\{node\}/,
    ],
    [
      'run-time-placeholder-in-cwd.json',
      (() => {
        const m = minimal();
        m.processes.relay.cwd = '${STATE_DIR}';
        return m;
      })(),
      /\/processes\/relay\/cwd: unknown placeholder \$\{STATE_DIR\}; known here: \$\{NODE\}, \$\{MANIFEST_DIR\}, \$\{CACHE_DIR\}$/,
    ],
    [
      'topic-in-per-run.json',
      { ...minimal(), schema: { sql: 'SELECT 1', perRun: ['SELECT 1 -- ${TOPIC}'] } },
      /\/schema\/perRun\/0: unknown placeholder \$\{TOPIC\}; known here: \$\{DATABASE\}$/,
    ],
    [
      'prepare-placeholder.json',
      { ...minimal(), prepare: { command: ['${NODE}', '${MANIFEST_DIR}/build.js', '${PORT}'] } },
      /\/prepare\/command\/2: unknown placeholder \$\{PORT\}/,
    ],
    [
      'note-in-env.json',
      (() => {
        const m = minimal();
        m.processes.app.env['// DATABASE_URL'] = 'a note';
        return m;
      })(),
      /\/processes\/app\/env: property name must be valid/,
    ],
    [
      'note-not-text.json',
      { ...minimal(), '// guarantees': { perAggregateOrder: true } },
      /\/~1~1 guarantees: must be string/,
    ],
  ])('%s is refused with a message that says where', (name, manifest, message) => {
    fs.writeFileSync(path.join(dir, 'no-exec.sh'), '#!/bin/sh\n', { mode: 0o644 });
    const file = manifest === undefined ? path.join(dir, name) : write(name, manifest);
    expect(() => loadManifest(file)).toThrow(message);
  });

  it('prepare runs first, then the schema command, whose stdout is the SQL; per-run SQL and the drain wait carry over', () => {
    const m = {
      ...minimal(),
      prepare: { command: ['sh', '-c', 'echo "CREATE TABLE prepared (x int);" > prepared.sql'] },
      schema: {
        command: ['cat', 'prepared.sql'],
        perRun: ["SELECT pg_create_logical_replication_slot('s_${DATABASE}', 'pgoutput')"],
      },
      drain: { quietMs: 8000 },
    };
    fs.rmSync(path.join(dir, 'prepared.sql'), { force: true });
    const def = loadManifest(write('generated.json', m));
    expect(def.schemaSql).toBe('CREATE TABLE prepared (x int);\n');
    expect(def.perRunSql).toEqual(["SELECT pg_create_logical_replication_slot('s_${DATABASE}', 'pgoutput')"]);
    expect(def.drainQuietMs).toBe(8000);
  });

  it.each(['polling', 'replication'])(
    'pg-transactional-outbox (%s) comes in through its manifest, with the schema its library generates',
    (mode) => {
      const def = loadManifest(
        path.join(PROJECT_ROOT, 'thirdparty', 'pg-transactional-outbox', `outbox-chaos.${mode}.json`),
      );
      expect(def.name).toBe(`pg-transactional-outbox-${mode}`);
      expect(def.schemaSql).toMatch(/CREATE TABLE ledger/);
      expect(def.schemaSql).toMatch(/CREATE TABLE public\.outbox/);
      expect(def.schemaSql).toMatch(
        mode === 'polling' ? /FUNCTION public\.next_outbox_messages/ : /CREATE PUBLICATION ptxo_outbox_pub/,
      );
      expect(def.perRunSql?.length ?? 0).toBe(mode === 'replication' ? 2 : 0);
      expect(def.crashPoints).toEqual({ app: ['app.before-commit', 'app.after-commit'] });
    },
  );

  it('a bench section: its arrays become typed bind parameters in order of first use, its relay tuning carries over', () => {
    const m = {
      ...minimal(),
      schema: { sql: 'SELECT 1' },
      bench: {
        preload: { sql: 'INSERT INTO o (p, id, x) SELECT * FROM unnest(${PAYLOADS}, ${EVENT_IDS}, ${PAYLOADS})' },
        relay: { env: { POLL_MS: '10' }, batchSizeEnv: 'BATCH', maxReplicas: 1 },
      },
    };
    expect(loadManifest(write('bench.json', m)).bench).toEqual({
      preloadSql: 'INSERT INTO o (p, id, x) SELECT * FROM unnest($1::text[], $2::text[], $1::text[])',
      preloadParams: ['PAYLOADS', 'EVENT_IDS'],
      relayEnv: { POLL_MS: '10' },
      batchSizeEnv: 'BATCH',
      maxReplicas: 1,
    });
    expect(loadManifest(REFERENCE_MANIFEST).bench?.preloadParams).toEqual([
      'EVENT_IDS',
      'AGGREGATE_IDS',
      'SEQS',
      'PAYLOADS',
    ]);
    expect(loadManifest(MINIMAL).bench).toBeUndefined();
  });

  it.each([
    [
      { preload: { sql: 'INSERT INTO o SELECT unnest(${PAYLOADS})' } },
      /\/bench\/preload\/sql: must use \$\{EVENT_IDS\}/,
    ],
    [
      { preload: { sql: 'INSERT INTO o SELECT unnest(${EVENT_IDS}, ${SEQ})' } },
      /\/bench\/preload\/sql: unknown placeholder \$\{SEQ\}; known here: \$\{EVENT_IDS\}, \$\{AGGREGATE_IDS\}/,
    ],
    [{ relay: { maxReplicas: 2 } }, /\/bench: missing field "preload"/],
    [
      { preload: { sql: 'INSERT INTO o SELECT unnest(${EVENT_IDS})' }, relay: { batchSize: 5 } },
      /\/bench\/relay: unknown field "batchSize"/,
    ],
    [
      { preload: { sql: 'INSERT INTO o SELECT unnest(${EVENT_IDS})' }, relay: { env: { URL: '${DATABASE_URL}' } } },
      /\/bench\/relay\/env\/URL: unknown placeholder \$\{DATABASE_URL\}/,
    ],
  ])('a bad bench section is refused with where and what: %j', (bench, message) => {
    expect(() => loadManifest(write('bad-bench.json', { ...minimal(), schema: { sql: 'SELECT 1' }, bench }))).toThrow(
      message,
    );
  });

  it('every problem is listed, not just the first', () => {
    const m = minimal();
    delete m.observe;
    m.guarantees = { perAggregateOrder: 'yes' };
    let message = '';
    try {
      loadManifest(write('many.json', m));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/\(top level\): missing field "observe"/);
    expect(message).toMatch(/\/guarantees\/perAggregateOrder: must be boolean/);
  });

  it('"//" keys are notes, accepted in any object and dropped before the manifest is read', () => {
    const m = { ...minimal(), schema: { sql: 'SELECT 1' } };
    m['//'] = 'top-level note';
    m['// eventId'] = 'a note beside a field';
    m.processes['// relay'] = 'a note among the roles';
    m.processes.relay['// readyLog'] = 'plain text';
    m.write.http['// path'] = 'POST';
    m.observe['// effects'] = 'in apply order';
    m.eventId['// header'] = 'set by the relay';
    const def = loadManifest(write('notes.json', m));
    expect(def.processes.relay.readyLog).toBe('"started":true');
    expect(def.eventId).toEqual({ header: 'event-id' });
    expect(def.processes.relay.env).toEqual(loadManifest(MINIMAL).processes.relay.env);
  });

  it('a per-process placeholder may be used in a command; the program is checked after prepare has built it', () => {
    const m = {
      ...minimal(),
      schema: { sql: 'SELECT 1' },
      prepare: {
        command: [
          'sh',
          '-c',
          'mkdir -p built && printf "#!/bin/sh\\nexec sleep 1\\n" > built/relay && chmod +x built/relay',
        ],
      },
    };
    m.processes.relay.command = ['./built/relay', '--id', '${REPLICA}', '--state', '${STATE_DIR}'];
    fs.rmSync(path.join(dir, 'built'), { recursive: true, force: true });
    const def = loadManifest(write('built.json', m));
    expect(def.processes.relay.command).toEqual(['./built/relay', '--id', '${REPLICA}', '--state', '${STATE_DIR}']);
  });

  it('prepare runs in the manifest folder with the harness PATH, minus the declared bug and crash variables', () => {
    const m = {
      ...minimal(),
      schema: { sql: 'SELECT 1' },
      prepare: {
        command: [
          'sh',
          '-c',
          'printf "%s|%s|%s|%s" "$PWD" "$PATH" "${MY_BUG-unset}" "${KEEP_ME-unset}" > prepare-env.txt',
        ],
      },
      bugs: { env: 'MY_BUG', variants: ['broken'] },
    };
    const saved = { MY_BUG: process.env.MY_BUG, KEEP_ME: process.env.KEEP_ME };
    process.env.MY_BUG = 'broken';
    process.env.KEEP_ME = 'kept';
    try {
      loadManifest(write('prepare-env.json', m));
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    expect(fs.readFileSync(path.join(dir, 'prepare-env.txt'), 'utf8')).toBe(
      `${fs.realpathSync(dir)}|${process.env.PATH}|unset|kept`,
    );
  });
});
