// Each broken variant of the reference (reference-impl/lib/bugs.ts), under the fault that exposes
// it, shows its consequence in the data. These prove the variants are real; the harness core must
// later find them without being told which one runs.
import { describe, expect, it } from 'vitest';
import { withPgClient } from '../../harness/infra/pg-client.ts';
import { kinds, useReferenceStack, waitFor, type ReferenceRun } from './support.ts';

const ctx = useReferenceStack();
const withRun = ctx.withRun;

const opIdsOf = (r: ReferenceRun, eventIds: readonly string[], committed: { eventId: string; opId: string }[]) =>
  eventIds.map((id) => committed.find((c) => c.eventId === id)?.opId);

describe('broken variants show their consequence in the data', () => {
  it('dual-write: the app dies between COMMIT and publish, and the event is lost', async () => {
    await withRun({ bug: 'dual-write', crashAt: { app: 'app.after-commit@3' } }, async (r) => {
      for (let i = 0; i < 3; i++) await r.write({ type: 'deposit', account: 'a', amount: 1 });
      expect(r.outcomes.map((o) => o.result.type)).toEqual(['ok', 'ok', 'info']);
      const { verdict, db } = await r.finish();
      expect(db.committed).toHaveLength(3); // the third write did commit
      expect(kinds(verdict)).toEqual(['effect-missing', 'lost']);
      const lost = verdict.anomalies.find((a) => a.kind === 'lost')!;
      expect(opIdsOf(r, lost.eventIds, db.committed)).toEqual([r.outcomes[2]!.op.op_id]);
    });
  });

  it('publish-before-commit: a write rolled back after publishing leaves phantom events', async () => {
    await withRun({ bug: 'publish-before-commit' }, async (r) => {
      for (let i = 0; i < 3; i++) await r.write({ type: 'deposit', account: 'a', amount: 1, abort: true });
      await r.deposits(3, ['b']);
      const { verdict, db, messages } = await r.finish();
      expect(db.committed).toHaveLength(3);
      expect(messages).toHaveLength(6);
      expect(kinds(verdict)).toEqual(['phantom']);
      expect(verdict.anomalies.flatMap((a) => a.eventIds)).toHaveLength(6); // 3 in Kafka + their 3 effects
    });
  });

  it('mark-before-ack: the relay dies after marking and before publishing, and the batch is lost', async () => {
    await withRun({ bug: 'mark-before-ack', crashAt: { relay: 'relay.after-mark-before-publish@1' } }, async (r) => {
      await r.deposits(10, ['a', 'b']);
      await r.restartAfterCrash('relay-1');
      const { verdict } = await r.finish();
      expect(kinds(verdict)).toEqual(['effect-missing', 'lost']);
      expect(verdict.stats.lost).toBeGreaterThan(0);
    });
  });

  it('id-cursor: a row that commits after a higher id was published is skipped forever', async () => {
    const schedule = async (r: ReferenceRun) => {
      const slow = r.write({ type: 'deposit', account: 'slow', amount: 1, hold_ms: 1_500 });
      await new Promise((res) => setTimeout(res, 300)); // the slow transaction holds the lower id
      await r.write({ type: 'deposit', account: 'fast', amount: 1 });
      await slow;
      return r.finish();
    };
    const env = { relay: { POLL_INTERVAL_MS: '20' } };
    const broken = await withRun({ bug: 'id-cursor', env }, schedule);
    expect(kinds(broken.verdict)).toEqual(['effect-missing', 'lost']);
    const lost = broken.verdict.anomalies.find((a) => a.kind === 'lost')!;
    expect(lost.aggregateId).toBe('slow');
    // The same schedule against the reference loses nothing.
    const reference = await withRun({ env }, schedule);
    expect(reference.verdict.valid).toBe(true);
  });

  it('drop-after-retries: a Kafka outage longer than the retry window silently drops rows', async () => {
    const env = { MAX_ATTEMPTS: '3', BACKOFF_BASE_MS: '50', BACKOFF_MAX_MS: '300', POLL_INTERVAL_MS: '50' };
    await withRun({ bug: 'drop-after-retries', env: { relay: env } }, async (r) => {
      await ctx.stack.link('relay-kafka').disable();
      try {
        await r.deposits(10, ['a', 'b']);
        // While Kafka is still unreachable, every row ends up flagged as published.
        await waitFor(
          async () =>
            (
              await withPgClient(r.run.pgUrl('direct'), (c) =>
                c.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'),
              )
            ).rows[0].n === 0,
          30_000,
          'the relay to give up on every row',
        );
      } finally {
        await ctx.stack.link('relay-kafka').enable();
      }
      const { verdict, db } = await r.finish();
      expect(db.deadLettered).toEqual([]); // nothing went to the dead-letter path: it was dropped
      expect(kinds(verdict)).toEqual(['effect-missing', 'lost']);
      expect(verdict.stats.lost).toBe(10);
    });
  });

  it('unordered-parallel: relays that split one aggregate publish it out of order', async () => {
    const env = { BATCH_SIZE: '3', POLL_INTERVAL_MS: '10' };
    await withRun({ bug: 'unordered-parallel', replicas: { relay: 3 }, env: { relay: env } }, async (r) => {
      await r.deposits(150, ['hot'], 8);
      const { verdict } = await r.finish();
      expect(kinds(verdict)).toContain('order');
      expect(verdict.anomalies.find((a) => a.kind === 'order')!.aggregateId).toBe('hot');
    });
  });

  it('non-idempotent-consumer: a redelivered event is applied twice', async () => {
    await withRun(
      { bug: 'non-idempotent-consumer', crashAt: { relay: 'relay.after-publish-before-mark@1' } },
      async (r) => {
        await r.deposits(10, ['a', 'b']);
        await r.restartAfterCrash('relay-1');
        const { verdict } = await r.finish();
        expect(kinds(verdict)).toEqual(['effect-duplicated']);
        expect(verdict.stats.effectsDuplicated).toBeGreaterThan(0);
      },
    );
  });

  it('offset-before-effect: the consumer dies after committing the offset, and the effect is lost', async () => {
    await withRun(
      // One message per chunk, so that the third pass is the third message and loses exactly one.
      {
        bug: 'offset-before-effect',
        crashAt: { consumer: 'consumer.after-offset-before-effect@3' },
        env: { consumer: { CHUNK_SIZE: '1' } },
      },
      async (r) => {
        await r.deposits(10, ['a', 'b']);
        await r.restartAfterCrash('consumer-1');
        const { verdict } = await r.finish();
        expect(kinds(verdict)).toEqual(['effect-missing']);
        expect(verdict.stats.effectsMissing).toBe(1);
      },
    );
  });

  it('weak-acks: a connection cut mid-request loses what the producer never waited for', async () => {
    const schedule = async (r: ReferenceRun) => {
      // Each connection through relay-kafka carries at most 2 KB upstream before it is cut.
      const toxic = await ctx.stack
        .link('relay-kafka')
        .addToxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 2_048 } });
      try {
        await r.deposits(40, ['a', 'b', 'c']);
        await new Promise((res) => setTimeout(res, 3_000));
      } finally {
        await ctx.stack.link('relay-kafka').removeToxic(toxic);
      }
      return r.finish();
    };
    const broken = await withRun({ bug: 'weak-acks' }, schedule);
    expect(kinds(broken.verdict)).toContain('lost');
    const reference = await withRun({}, schedule);
    expect(reference.verdict.valid).toBe(true);
  });
});
