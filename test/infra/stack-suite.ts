import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startStack, type RunEnv, type Stack, type StackOptions } from '../../harness/infra/index.ts';
import { harnessKafka } from '../../harness/infra/kafka-client.ts';
import { withPgClient } from '../../harness/infra/pg-client.ts';
import { processTree } from '../../harness/infra/processes.ts';
import { advertisedBrokers, consumeUntil, produceOne, roundTripEveryLink } from '../../harness/infra/roundtrip.ts';
import { alivePids, eventually, timed } from '../helpers.ts';

/**
 * The stack's contract, for any provider: Kafka and PostgreSQL behind Toxiproxy, link control,
 * per-run databases, and crash and restart of each server with its data.
 */
export function stackSuite(options: StackOptions = {}): void {
  let stack: Stack;
  let run: RunEnv;

  beforeAll(async () => {
    stack = await startStack(options);
    run = await stack.newRun({ partitions: 3 });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('Kafka behind Toxiproxy', () => {
    it('a client bootstrapped through relay-kafka learns only the proxy address, and round-trips through it', async () => {
      const proxy = run.kafkaBrokers('relay-kafka')[0]!;
      const direct = run.kafkaBrokers('direct')[0]!;
      expect(proxy).not.toBe(direct);

      const kafka = harnessKafka([proxy], 'metadata-check');
      // The metadata the client received names the proxy port, so every later connection
      // (to the partition leader, the coordinator) also goes through the proxy.
      expect(await advertisedBrokers(kafka)).toEqual([proxy]);
      expect(await advertisedBrokers(harnessKafka([direct], 'metadata-direct'))).toEqual([direct]);

      await produceOne(kafka, run.topic, 'k', 'through-relay-kafka');
      const seen = await consumeUntil(
        kafka,
        run.topic,
        `${run.groupId}-meta`,
        (v) => v === 'through-relay-kafka',
        30_000,
      );
      expect(seen).toContain('through-relay-kafka');
    });

    it('every link carries a round trip', async () => {
      const results = await roundTripEveryLink(stack, await stack.newRun({ partitions: 1 }));
      expect(results.map((r) => r.link).sort()).toEqual([
        'app-kafka',
        'app-pg',
        'consumer-kafka',
        'consumer-pg',
        'relay-kafka',
        'relay-pg',
      ]);
    });

    it('disabling relay-kafka makes a produce fail, other routes keep working, and enabling recovers', async () => {
      const kafka = harnessKafka(run.kafkaBrokers('relay-kafka'), 'partition-check', {
        retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
        requestTimeout: 2_000,
        connectionTimeout: 1_000,
      });
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic: run.topic, acks: -1, messages: [{ value: 'before' }] });

      await stack.link('relay-kafka').disable();
      try {
        await expect(producer.send({ topic: run.topic, acks: -1, messages: [{ value: 'during' }] })).rejects.toThrow();
        // Only that link is cut: the observer's direct route and another link still work.
        await produceOne(harnessKafka(run.kafkaBrokers('direct'), 'direct'), run.topic, 'k', 'direct-during');
        await produceOne(harnessKafka(run.kafkaBrokers('app-kafka'), 'app'), run.topic, 'k', 'app-during');
      } finally {
        await stack.link('relay-kafka').enable();
      }
      await producer.send({ topic: run.topic, acks: -1, messages: [{ value: 'after' }] });
      await producer.disconnect();
    });
  });

  describe('PostgreSQL behind Toxiproxy', () => {
    it('disabling app-pg breaks its connections and refuses new ones; relay-pg is unaffected; enabling recovers', async () => {
      const open = new pg.Client({ connectionString: run.pgUrl('app-pg'), connectionTimeoutMillis: 2_000 });
      open.on('error', () => {});
      await open.connect();
      await open.query('SELECT 1');

      await stack.link('app-pg').disable();
      try {
        await expect(open.query('SELECT 1')).rejects.toThrow();
        await expect(withPgClient(run.pgUrl('app-pg'), (c) => c.query('SELECT 1'), 2_000)).rejects.toThrow();
        const other = await withPgClient(run.pgUrl('relay-pg'), (c) => c.query('SELECT 1 AS one'));
        expect(other.rows[0].one).toBe(1);
      } finally {
        await stack.link('app-pg').enable();
        await open.end().catch(() => {});
      }
      const after = await withPgClient(run.pgUrl('app-pg'), (c) => c.query('SELECT 2 AS two'));
      expect(after.rows[0].two).toBe(2);
    });

    it('a latency toxic measurably delays a round trip, and healing removes it', async () => {
      const client = new pg.Client({ connectionString: run.pgUrl('relay-pg') });
      await client.connect();
      const median = async () => {
        const times: number[] = [];
        for (let i = 0; i < 5; i++) times.push((await timed(() => client.query('SELECT 1'))).ms);
        return times.sort((a, b) => a - b)[2]!;
      };
      try {
        const before = await median();
        await stack
          .link('relay-pg')
          .addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 200, jitter: 0 } });
        const slowed = await median();
        await stack.healAll();
        const healed = await median();
        expect(slowed - before).toBeGreaterThanOrEqual(190);
        expect(healed).toBeLessThan(100);
      } finally {
        await stack.healAll();
        await client.end();
      }
    });
  });

  describe('link control', () => {
    it("reports a link's state as the proxy server sees it, and heal() restores it", async () => {
      const link = stack.link('consumer-kafka');
      expect(await link.state()).toEqual({ enabled: true, toxics: [] });
      await link.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 10, jitter: 0 } });
      await link.addToxic({ type: 'bandwidth', stream: 'downstream', toxicity: 0.5, attributes: { rate: 100 } });
      await link.disable();
      const broken = await link.state();
      expect(broken.enabled).toBe(false);
      expect(broken.toxics.map((t) => `${t.type}/${t.stream}`).sort()).toEqual([
        'bandwidth/downstream',
        'latency/upstream',
      ]);
      await link.heal();
      expect(await link.state()).toEqual({ enabled: true, toxics: [] });
    });
  });

  describe('per-run databases', () => {
    it('per-run SQL runs on the fresh database (a logical slot for a CDC relay), and drop() removes the slot, even one in use, with the database', async () => {
      const cdcRun = await stack.newRun({
        partitions: 1,
        perRunSql: ["SELECT pg_create_logical_replication_slot('t_${DATABASE}', 'pgoutput')"],
      });
      const slots = () =>
        withPgClient(stack.pgUrl('postgres', 'direct'), async (c) =>
          (
            await c.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE database = $1', [
              cdcRun.database,
            ])
          ).rows.map((r) => r.slot_name),
        );
      expect(await slots()).toEqual([`t_${cdcRun.database}`]);
      // A walsender holding the slot, as a relay killed a moment ago may still have.
      const holder = new pg.Client({
        connectionString: cdcRun.pgUrl('direct'),
        replication: 'database',
      } as pg.ClientConfig);
      holder.on('error', () => {});
      await holder.connect();
      // The query never completes (the connection turns into a replication stream), so it is not awaited.
      holder
        .query(`START_REPLICATION SLOT t_${cdcRun.database} LOGICAL 0/0 (proto_version '1', publication_names 'none')`)
        .catch(() => {});
      const active = () =>
        withPgClient(
          stack.pgUrl('postgres', 'direct'),
          async (c) =>
            (await c.query('SELECT 1 FROM pg_replication_slots WHERE database = $1 AND active', [cdcRun.database]))
              .rowCount === 1,
        );
      expect(await eventually(active, 10_000, 100)).toBe(true);
      await cdcRun.drop();
      expect(await slots()).toEqual([]);
      const left = await withPgClient(stack.pgUrl('postgres', 'direct'), (c) =>
        c.query('SELECT 1 FROM pg_database WHERE datname = $1', [cdcRun.database]),
      );
      expect(left.rowCount).toBe(0);
      await holder.end().catch(() => {});
    });

    it('failing per-run SQL is reported with the statement, and leaves no database behind', async () => {
      const runDatabases = () =>
        withPgClient(
          stack.pgUrl('postgres', 'direct'),
          async (c) => (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'run\\_%'")).rowCount,
        );
      const before = await runDatabases();
      await expect(
        stack.newRun({ partitions: 1, perRunSql: ["SELECT no_such_function('${DATABASE}')"] }),
      ).rejects.toThrow(
        /per-run SQL failed on run_\w+: .*no_such_function.*\n {2}SELECT no_such_function\('run_\w+'\)/s,
      );
      expect(await runDatabases()).toBe(before);
    });
  });

  describe('crash and restart', () => {
    it('PostgreSQL kill -9 + restart: committed rows survive, rows of an open transaction do not', async () => {
      await withPgClient(run.pgUrl('direct'), (c) =>
        c.query('CREATE TABLE crash_rows (id int PRIMARY KEY, what text)'),
      );
      await withPgClient(run.pgUrl('direct'), (c) =>
        c.query(`INSERT INTO crash_rows SELECT g, 'committed' FROM generate_series(1, 100) g`),
      );
      const open = new pg.Client({ connectionString: run.pgUrl('direct') });
      open.on('error', () => {});
      await open.connect();
      await open.query('BEGIN');
      await open.query(`INSERT INTO crash_rows SELECT g, 'uncommitted' FROM generate_series(101, 200) g`);

      const before = processTree(stack.postgres.pid!);
      expect(before.length).toBeGreaterThan(1); // the postmaster and its backends
      await stack.postgres.crash();
      expect(alivePids(before)).toEqual([]);
      expect(stack.postgres.pid).toBeUndefined();

      await stack.postgres.restart();
      expect(before).not.toContain(stack.postgres.pid);
      const rows = await withPgClient(run.pgUrl('direct'), (c) =>
        c.query<{ what: string; n: string }>('SELECT what, count(*) AS n FROM crash_rows GROUP BY what'),
      );
      expect(rows.rows).toEqual([{ what: 'committed', n: '100' }]);
      await open.end().catch(() => {});
    });

    it('Kafka kill -9 + restart: messages acked with acks=-1 survive, and the proxies reach the new process', async () => {
      const topicRun = await stack.newRun({ partitions: 3 });
      const producer = harnessKafka(topicRun.kafkaBrokers('direct'), 'acked').producer({ idempotent: true });
      await producer.connect();
      const values = Array.from({ length: 300 }, (_, i) => `acked-${i}`);
      for (let i = 0; i < values.length; i += 50) {
        await producer.send({
          topic: topicRun.topic,
          acks: -1,
          messages: values.slice(i, i + 50).map((value, j) => ({ key: `agg-${(i + j) % 7}`, value })),
        });
      }
      await producer.disconnect();

      const oldPid = stack.kafka.pid!;
      await stack.kafka.crash();
      expect(alivePids([oldPid])).toEqual([]);
      await stack.kafka.restart();
      expect(stack.kafka.pid).not.toBe(oldPid);

      const kafka = harnessKafka(topicRun.kafkaBrokers('consumer-kafka'), 'after-restart');
      const seen = new Set<string>();
      await consumeUntil(
        kafka,
        topicRun.topic,
        `${topicRun.groupId}-after`,
        (v) => (seen.add(v), seen.size === values.length),
        60_000,
      );
      expect([...seen].sort()).toEqual([...values].sort());
    });
  });
}
