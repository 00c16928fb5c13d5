// The reference relay's guard against a KafkaJS send that resolves without writing all of it: the
// partitioner records each message's partition, and a send must be answered for every one of them.
import type { Message, PartitionMetadata, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { AnsweredPartitions, UnansweredSendError } from '../../reference-impl/lib/answered-partitions.ts';

const partitionMetadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({
  partitionId,
  leader: partitionId + 1,
  partitionErrorCode: 0,
  replicas: [],
  isr: [],
}));
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

  it('a message the partitioner never saw, and so was never sent, is unanswered too', () => {
    const guard = new AnsweredPartitions();
    expect(guard.unanswered('t', [{ key: 'k', value: 'x' }], [answer('t', 0)])).toEqual([-1]);
  });

  it('the error names the topic and the partitions', () => {
    expect(new UnansweredSendError('orders', [0, 2]).message).toMatch(/orders partition\(s\) 0, 2/);
  });
});
