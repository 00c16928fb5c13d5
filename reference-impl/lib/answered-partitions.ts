import { Partitioners, type ICustomPartitioner, type Message, type RecordMetadata } from 'kafkajs';

/**
 * KafkaJS 2.2.4 can resolve a send as a success when part of it was never written. A send that
 * spans several leaders is retried only towards brokers that have not answered yet, keyed by the
 * broker. When a failed partition's leadership moves to a broker that already answered for
 * another partition, the retry has nothing left to send there, and the promise resolves with
 * results for the partitions that were written. Marking those rows published would lose the rest.
 *
 * So the producer's partitioner notes the partition it picks for each message (KafkaJS picks again
 * on every retry, so the last pick is the one that counts), and after a send every message's
 * partition must appear among the results. A missing one fails the send, which the relay handles
 * like any other failure: the claim rolls back and the rows are published again.
 */
export class AnsweredPartitions {
  /** Keyed by the message object the caller passed, which KafkaJS hands to the partitioner as is. */
  private readonly picked = new WeakMap<Message, number>();

  /**
   * A partitioner for the producer's options: KafkaJS's default, recording what it picks.
   *
   * A keyed message's partition depends only on its key and the topic's partition count, so it is
   * remembered per key: KafkaJS's default hashes the key in JavaScript and copies the partition
   * list for every message, 3 to 4 µs a message on the benchmark machine against 1 remembered (the
   * relay spends about 40 µs an event in a drain). Unkeyed messages, or ones that name their
   * partition, go to the default each time (round robin has state).
   */
  readonly createPartitioner: ICustomPartitioner = () => {
    const pick = Partitioners.DefaultPartitioner();
    const byKey = new KeyedPicks();
    return (args) => {
      const { topic, partitionMetadata, message } = args;
      const key = message.partition == null && typeof message.key === 'string' ? message.key : undefined;
      let partition = key === undefined ? undefined : byKey.get(topic, partitionMetadata.length, key);
      if (partition === undefined) {
        partition = pick(args);
        if (key !== undefined) byKey.set(topic, partitionMetadata.length, key, partition);
      }
      this.picked.set(message, partition);
      return partition;
    };
  };

  /** The partitions of `topic` that `messages` went to and that `results` does not answer for. */
  unanswered(topic: string, messages: readonly Message[], results: readonly RecordMetadata[]): number[] {
    const answered = new Set(results.filter((r) => r.topicName === topic).map((r) => r.partition));
    const missing = new Set<number>();
    for (const m of messages) {
      // A message the partitioner never saw was never grouped for sending at all.
      const partition = m.partition ?? this.picked.get(m);
      if (partition === undefined) missing.add(-1);
      else if (!answered.has(partition)) missing.add(partition);
    }
    return [...missing].sort((a, b) => a - b);
  }
}

/** Partitions picked for string keys, per topic and partition count; bounded, since keys are aggregates and may be many. */
class KeyedPicks {
  private static readonly MAX_KEYS = 100_000;
  private readonly picks = new Map<string, Map<string, number>>();

  get(topic: string, partitions: number, key: string): number | undefined {
    return this.picks.get(`${partitions}/${topic}`)?.get(key);
  }

  set(topic: string, partitions: number, key: string, partition: number): void {
    const at = `${partitions}/${topic}`;
    let picks = this.picks.get(at);
    if (!picks) this.picks.set(at, (picks = new Map()));
    // Forgetting them all is cheap: each is hashed again once.
    if (picks.size >= KeyedPicks.MAX_KEYS) picks.clear();
    picks.set(key, partition);
  }
}

/** A send that KafkaJS reported as successful although some partitions it went to never answered. */
export class UnansweredSendError extends Error {
  constructor(topic: string, partitions: readonly number[]) {
    super(
      `the send resolved without an answer for ${topic} partition(s) ${partitions.join(', ')} (KafkaJS partial retry); treated as failed`,
    );
    this.name = 'UnansweredSendError';
  }
}
