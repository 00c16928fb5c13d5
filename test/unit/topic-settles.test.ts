import { describe, expect, it } from 'vitest';
import { isUnknownTopic, readWhileTopicSettles } from '../../harness/infra/kafka-client.ts';

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
