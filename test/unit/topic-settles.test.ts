import { describe, expect, it } from 'vitest';
import { awaitTopicReady, isUnknownTopic, readWhileTopicSettles } from '../../harness/infra/kafka-client.ts';

const unknownTopic = () =>
  Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });

describe('reads of a topic whose broker has not caught up', () => {
  it('recognise the answer, also wrapped by a retrier', () => {
    expect(isUnknownTopic(unknownTopic())).toBe(true);
    expect(isUnknownTopic(Object.assign(new Error('retries exceeded'), { originalError: unknownTopic() }))).toBe(true);
    expect(isUnknownTopic(Object.assign(new Error('x'), { type: 'NOT_COORDINATOR' }))).toBe(false);
    expect(isUnknownTopic(undefined)).toBe(false);
  });

  it('are read again until the broker answers', async () => {
    let calls = 0;
    const read = async () => {
      if (++calls < 3) throw unknownTopic();
      return 'offsets';
    };
    expect(await readWhileTopicSettles(read)).toBe('offsets');
    expect(calls).toBe(3);
  });

  it('let any other error out at once, and this one once the time is up', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('refused'), { type: 'CONNECTION_REFUSED' });
    await expect(
      readWhileTopicSettles(async () => {
        calls++;
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    await expect(
      readWhileTopicSettles(async () => {
        throw unknownTopic();
      }, 300),
    ).rejects.toThrow(/does not host/);
  });
});

type Partition = { partitionId: number; leader: number; isr: number[] };
/** An admin whose metadata reads answer, one after another, what `answers` says (the last one repeats). */
const adminAnswering = (answers: Array<Partition[] | Error>) => {
  let calls = 0;
  return {
    calls: () => calls,
    fetchTopicMetadata: async () => {
      const a = answers[Math.min(calls++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return {
        topics: [
          {
            name: 't',
            partitions: a.map((p) => ({ ...p, partitionErrorCode: 0, replicas: p.isr, offlineReplicas: [] })),
          },
        ],
      };
    },
  };
};
const led = (n: number, isr: number[]): Partition[] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: isr[0]!, isr }));

describe('a topic just created', () => {
  it('is waited for while its broker answers that it does not host it, then while it has no leader', async () => {
    const admin = adminAnswering([
      unknownTopic(),
      unknownTopic(),
      led(3, []).map((p) => ({ ...p, leader: -1 })),
      led(3, [1]),
    ]);
    await awaitTopicReady(admin, { topic: 't', partitions: 3, replicas: 1 }, { pollMs: 1 });
    expect(admin.calls()).toBe(4);
  });

  it('on a cluster, wants every partition fully in sync in three reads in a row', async () => {
    const admin = adminAnswering([
      led(2, [1, 2, 3]),
      led(2, [1, 2]),
      led(2, [1, 2, 3]),
      unknownTopic(),
      led(2, [1, 2, 3]),
    ]);
    await awaitTopicReady(admin, { topic: 't', partitions: 2, replicas: 3 }, { pollMs: 1 });
    expect(admin.calls()).toBe(7);
  });

  it('that never becomes ready is a clear error naming what the last read saw', async () => {
    const admin = adminAnswering([led(1, [1])]);
    await expect(
      awaitTopicReady(admin, { topic: 't', partitions: 2, replicas: 1 }, { ms: 50, pollMs: 5 }),
    ).rejects.toThrow(/topic t was not ready on every broker within 0.05 s: \[\{"p":0,"leader":1,"isr":\[1\]\}\]/);
    const never = adminAnswering([unknownTopic()]);
    await expect(
      awaitTopicReady(never, { topic: 't', partitions: 1, replicas: 1 }, { ms: 50, pollMs: 5 }),
    ).rejects.toThrow(/within 0.05 s: .*does not host/);
  });
});
