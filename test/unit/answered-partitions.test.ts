// The reference relay's guard against a KafkaJS send that resolves without writing all of it: the
// partitioner records each message's partition, and a send must be answered for every one of them.
import { Partitioners, type Message, type PartitionMetadata, type RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { AnsweredPartitions, UnansweredSendError } from '../../reference-impl/lib/answered-partitions.ts';

const partitionsOf = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: partitionId + 1,
    partitionErrorCode: 0,
    replicas: [],
    isr: [],
  }));
const partitionMetadata = partitionsOf(3);
const answer = (topicName: string, partition: number): RecordMetadata => ({ topicName, partition, errorCode: 0 });

describe('AnsweredPartitions', () => {
  it("records the default partitioner's pick for each message and finds the partitions with no answer", () => {
    const guard = new AnsweredPartitions();
    const pick = guard.createPartitioner();
    const messages: Message[] = Array.from({ length: 30 }, (_, i) => ({ key: `aggregate-${i}`, value: 'x' }));
    const picked = messages.map((message) => pick({ topic: 't', partitionMetadata, message }));
    // Keyed messages spread over the partitions, so the test has more than one to miss.
    expect(new Set(picked).size).toBe(3);

    const all = [0, 1, 2].map((p) => answer('t', p));
    expect(guard.unanswered('t', messages, all)).toEqual([]);
    expect(guard.unanswered('t', messages, all.slice(1))).toEqual([0]);
    expect(guard.unanswered('t', messages, [answer('t', 1)])).toEqual([0, 2]);
    // An answer for another topic's partition answers nothing here.
    expect(guard.unanswered('t', messages, [answer('u', 0), answer('t', 1), answer('t', 2)])).toEqual([0]);
  });

  it('the last pick counts, since KafkaJS partitions again on each retry', () => {
    const guard = new AnsweredPartitions();
    const pick = guard.createPartitioner();
    const message: Message = { key: 'k', value: 'x', partition: 2 };
    pick({ topic: 't', partitionMetadata, message });
    expect(guard.unanswered('t', [message], [answer('t', 2)])).toEqual([]);
    message.partition = 1;
    pick({ topic: 't', partitionMetadata, message });
    expect(guard.unanswered('t', [message], [answer('t', 2)])).toEqual([1]);
  });

  it("picks what KafkaJS's default picks for a key it has seen, for each topic and partition count", () => {
    const pick = new AnsweredPartitions().createPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    for (const round of [1, 2])
      for (const n of [3, 4, 7])
        for (const topic of ['t', 'u'])
          for (let i = 0; i < 50; i++) {
            const args = { topic, partitionMetadata: partitionsOf(n), message: { key: `aggregate-${i}`, value: 'x' } };
            expect(pick(args), `round ${round}, ${n} partitions, key ${i}`).toBe(reference(args));
          }
    // A message that names its partition gets it, whatever its key went to before.
    const named = { key: 'aggregate-1', value: 'x', partition: 2 };
    const unnamed = { key: 'aggregate-1', value: 'x' };
    expect(pick({ topic: 't', partitionMetadata, message: named })).toBe(2);
    expect(pick({ topic: 't', partitionMetadata, message: unnamed })).toBe(
      reference({ topic: 't', partitionMetadata, message: unnamed }),
    );
    // Unkeyed messages still go round the partitions.
    const unkeyed = Array.from({ length: 6 }, () => pick({ topic: 't', partitionMetadata, message: { value: 'x' } }));
    expect(new Set(unkeyed).size).toBe(3);
  });

  it('a message the partitioner never saw, and so was never sent, is unanswered too', () => {
    const guard = new AnsweredPartitions();
    expect(guard.unanswered('t', [{ key: 'k', value: 'x' }], [answer('t', 0)])).toEqual([-1]);
  });

  it('the error names the topic and the partitions', () => {
    expect(new UnansweredSendError('orders', [0, 2]).message).toMatch(/orders partition\(s\) 0, 2/);
  });
});
