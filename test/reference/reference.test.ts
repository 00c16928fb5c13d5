import { describe, expect, it } from 'vitest';
import { withPgClient } from '../../harness/infra/pg-client.ts';
import { readWholeTopic } from '../../harness/history/observe.ts';
import { applyNewEffects } from '../../reference-impl/lib/effects.ts';
import { MEMBERSHIP_LOCK_CLASS } from '../../reference-impl/lib/membership.ts';
import { eventually } from '../helpers.ts';
import { kinds, useReferenceStack, waitFor } from './support.ts';

const ctx = useReferenceStack();
const withRun = ctx.withRun;

describe('reference outbox against the real stack', () => {
  it('happy path: N writes give exactly N events in Kafka and N effects', async () => {
    await withRun({}, async (r) => {
      const results = await r.deposits(30, ['a', 'b', 'c']);
      await r.write({ type: 'transfer', from: 'a', to: 'b', amount: 3 });
      expect(results.every((o) => o.type === 'ok')).toBe(true);
      const { verdict, messages, db } = await r.finish();
      expect(db.committed).toHaveLength(32); // 30 deposits + a transfer's debit and credit
      expect(messages).toHaveLength(32);
      expect(db.effects).toHaveLength(32);
      expect(verdict.valid).toBe(true);
      expect(verdict.stats.duplicateDeliveries).toBe(0);
      expect(verdict.stats.publishP50Ms).not.toBeNull();
    });
  });

  it('three relay replicas under load keep per-aggregate order, and all of them publish', async () => {
    await withRun(
      {
        replicas: { relay: 3 },
        env: { relay: { BATCH_SIZE: '5', POLL_INTERVAL_MS: '20', METRICS_INTERVAL_MS: '200' } },
      },
      async (r) => {
        await r.deposits(400, ['a', 'b', 'c', 'd'], 16);
        const { verdict } = await r.finish();
        expect(verdict.anomalies).toEqual([]);
        expect(verdict.valid).toBe(true);
        for (const name of r.cluster.names('relay')) {
          const published = Math.max(0, ...[...r.log(name).matchAll(/"published":(\d+)/g)].map((m) => Number(m[1])));
          expect(published, `${name} published nothing`).toBeGreaterThan(0);
        }
      },
    );
  });

  it('relay replicas each hold a membership slot, and the survivor sees a killed one leave', async () => {
    await withRun({ replicas: { relay: 2 }, env: { relay: { METRICS_INTERVAL_MS: '200' } } }, async (r) => {
      const slots = () =>
        withPgClient(r.run.pgUrl('direct'), async (c) => {
          const { rows } = await c.query<{ slot: number }>(
            `SELECT objid::int AS slot FROM pg_locks
              WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int::oid
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              ORDER BY 1`,
            [MEMBERSHIP_LOCK_CLASS],
          );
          return rows.map((x) => x.slot);
        });
      // What a replica last said of its place, from its metrics line.
      const place = (name: string) => {
        const lines = [...r.log(name).matchAll(/"replicas":(\d+),"rank":(\d+)/g)];
        const last = lines[lines.length - 1];
        return last ? { replicas: Number(last[1]), rank: Number(last[2]) } : undefined;
      };
      const [a, b] = r.cluster.names('relay') as [string, string];
      expect(await eventually(async () => (await slots()).join() === '0,1', 10_000)).toBe(true);
      expect(
        await eventually(
          () => place(a)?.replicas === 2 && place(b)?.replicas === 2 && place(a)!.rank !== place(b)!.rank,
          10_000,
        ),
      ).toBe(true);
      await r.cluster.kill(b);
      expect(await eventually(async () => (await slots()).length === 1, 10_000)).toBe(true);
      expect(await eventually(() => place(a)?.replicas === 1 && place(a)?.rank === 0, 10_000)).toBe(true);
    });
  });

  it('a relay killed after publish and before mark republishes, and the consumer applies each effect once', async () => {
    await withRun({ crashAt: { relay: 'relay.after-publish-before-mark@1' } }, async (r) => {
      await r.deposits(10, ['a', 'b']);
      await r.restartAfterCrash('relay-1');
      const { verdict } = await r.finish();
      expect(verdict.valid).toBe(true);
      expect(verdict.stats.duplicateDeliveries).toBeGreaterThan(0);
      expect(verdict.stats.effectsDuplicated).toBe(0);
    });
  });

  it('a Kafka outage longer than the retry window ends in delivery after heal, not a drop', async () => {
    const env = { MAX_ATTEMPTS: '3', BACKOFF_BASE_MS: '50', BACKOFF_MAX_MS: '300', POLL_INTERVAL_MS: '50' };
    await withRun({ env: { relay: env } }, async (r) => {
      await ctx.stack.link('relay-kafka').disable();
      let healedAt = 0;
      try {
        await r.deposits(10, ['a', 'b']);
        // Far more attempts than MAX_ATTEMPTS are made while the link is down.
        await waitFor(
          async () =>
            (await withPgClient(r.run.pgUrl('direct'), (c) => c.query('SELECT min(attempts) AS n FROM outbox'))).rows[0]
              .n > 3,
          60_000,
          'more failed attempts on every row than MAX_ATTEMPTS',
        );
      } finally {
        await ctx.stack.link('relay-kafka').enable();
        healedAt = Date.now();
      }
      const { verdict, db } = await r.finish({ lastHealAt: healedAt });
      expect(db.deadLettered).toEqual([]);
      expect(verdict.valid).toBe(true);
      expect(verdict.stats.convergenceMs).not.toBeNull();
    });
  });

  it('a poison message (larger than the broker accepts) goes to the dead-letter topic; the rest is delivered', async () => {
    const env = { MAX_ATTEMPTS: '2', BACKOFF_BASE_MS: '20', BACKOFF_MAX_MS: '100', POLL_INTERVAL_MS: '50' };
    await withRun({ env: { relay: env } }, async (r) => {
      await r.write({ type: 'deposit', account: 'p', amount: 1 });
      const poison = await r.write({ type: 'deposit', account: 'p', amount: 2, memo: 'x'.repeat(1_200_000) });
      await r.write({ type: 'deposit', account: 'p', amount: 3 });
      await r.deposits(10, ['q', 'r']);
      expect(poison.type).toBe('ok');
      const poisonId = poison.type === 'ok' ? poison.events[0]!.eventId : '';
      const { verdict, db, messages } = await r.finish();
      expect(db.deadLettered).toEqual([poisonId]);
      expect(messages.map((m) => m.headers['event-id'])).not.toContain(poisonId);
      // Isolating the poison re-sends rows that part of the failed batch already delivered:
      // duplicates are allowed, but every other event must be there.
      expect(new Set(messages.map((m) => m.headers['event-id'])).size).toBe(12);
      expect(verdict.valid).toBe(true);
      const dlq = await readWholeTopic(r.run.kafkaBrokers('direct'), `${r.run.topic}.dlq`, 20_000);
      expect(dlq.map((m) => m.headers['event-id'])).toEqual([poisonId]);
      expect(JSON.parse(dlq[0]!.value!).error).toMatch(/^MESSAGE_TOO_LARGE: /);
    });
  });

  it('writes that the client rolls back never reach Kafka', async () => {
    await withRun({}, async (r) => {
      const rolled = await r.write({ type: 'deposit', account: 'a', amount: 5, abort: true });
      await r.deposits(5, ['a']);
      expect(rolled.type).toBe('fail');
      const { verdict, db } = await r.finish();
      expect(db.committed).toHaveLength(5);
      expect(kinds(verdict)).toEqual([]);
      expect(verdict.valid).toBe(true);
    });
  });

  it('LISTEN/NOTIFY wakes the relay: with polling every 60 s, events still go out at once', async () => {
    await withRun({ env: { relay: { POLL_INTERVAL_MS: '60000' } } }, async (r) => {
      // Let the relay's first (empty) poll pass, so only a notification can wake it.
      await new Promise((res) => setTimeout(res, 1_000));
      await r.deposits(5, ['a']);
      const { verdict } = await r.finish({ timeoutMs: 20_000 });
      expect(verdict.valid).toBe(true);
      expect(verdict.stats.publishMaxMs).toBeLessThan(5_000);
    });
  });

  it('published rows are removed after the retention period; the business rows stay', async () => {
    await withRun({ env: { relay: { RETENTION_MS: '300' } } }, async (r) => {
      await r.deposits(10, ['a', 'b']);
      const outboxRows = () =>
        withPgClient(r.run.pgUrl('direct'), (c) => c.query('SELECT count(*)::int AS n FROM outbox')).then(
          (x) => x.rows[0].n as number,
        );
      await waitFor(async () => (await outboxRows()) === 0, 15_000, 'retention to remove published rows');
      const { verdict, db } = await r.finish();
      expect(db.committed).toHaveLength(10);
      expect(verdict.valid).toBe(true);
    });
  });

  it('SIGTERM shuts the relay and the consumer down gracefully', async () => {
    await withRun({}, async (r) => {
      await r.deposits(5, ['a']);
      await r.finish();
      for (const name of ['relay-1', 'consumer-1']) {
        await r.cluster.stop(name);
        expect(r.cluster.isRunning(name)).toBe(false);
        expect(r.log(name)).toMatch(/"stopped":true/);
      }
    });
  });

  it('a crashed relay counts as starting until its new incarnation prints its own ready line', async () => {
    await withRun({ restartCrashedAfterMs: 300 }, async (r) => {
      expect(r.cluster.starting()).toBe(false);
      await r.cluster.crash('relay-1');
      expect(r.cluster.starting()).toBe(true);
      // The old incarnation's ready line is still in the log; only a second one may end the wait.
      expect(await eventually(() => !r.cluster.starting(), 30_000, 20)).toBe(true);
      expect(r.log('relay-1').match(/"started":true/g)).toHaveLength(2);
      await r.deposits(3, ['a']);
      expect((await r.finish()).verdict.valid).toBe(true);
    });
  });
  it('a consumer chunk applies, in order and once, exactly the events its inbox insert found new', async () => {
    await withRun({}, async (r) => {
      const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
      const event = (n: number, account: string, seq: number, amount: number, spelling = id(n)) => ({
        eventId: spelling,
        aggregateId: account,
        aggregateSeq: seq,
        payload: { amount, account, seq },
      });
      await withPgClient(r.run.pgUrl('direct'), async (c) => {
        const origin = (offsets: string[]) => ({ topic: 't', partition: 2, offsets });
        // The third is the first again, spelled in capitals: one id, applied at its first place only.
        const first = [
          event(1, 'x', 1, 5),
          event(2, 'y', 1, 7),
          event(1, 'x', 1, 5, id(1).toUpperCase()),
          event(3, 'x', 2, -2),
        ];
        expect(await applyNewEffects(c, first, origin(['10', '11', '12', '13']))).toBe(3);
        // A replay of part of it, with one new event: only that one is applied.
        expect(await applyNewEffects(c, [event(3, 'x', 2, -2), event(4, 'y', 2, 1)], origin(['13', '14']))).toBe(1);
        const effects = await c.query(
          'SELECT event_id::text, account_id, seq::int, amount::int FROM effects ORDER BY apply_id',
        );
        expect(effects.rows.map((e) => [e.event_id, e.account_id, e.seq, e.amount])).toEqual([
          [id(1), 'x', 1, 5],
          [id(2), 'y', 1, 7],
          [id(3), 'x', 2, -2],
          [id(4), 'y', 2, 1],
        ]);
        const projections = await c.query(
          'SELECT account_id, balance::int, last_seq::int, applied FROM projections ORDER BY 1',
        );
        expect(projections.rows).toEqual([
          { account_id: 'x', balance: 3, last_seq: 2, applied: 2 },
          { account_id: 'y', balance: 8, last_seq: 2, applied: 2 },
        ]);
        const inbox = await c.query('SELECT event_id::text, partition, "offset"::int FROM inbox ORDER BY "offset"');
        expect(inbox.rows.map((i) => [i.event_id, i.partition, i.offset])).toEqual([
          [id(1), 2, 10],
          [id(2), 2, 11],
          [id(3), 2, 13],
          [id(4), 2, 14],
        ]);
      });
    });
  });
});
