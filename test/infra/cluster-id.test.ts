import { expect, it } from 'vitest';
import { clusterId } from '../../harness/infra/cluster-layout.ts';

it('a Kafka cluster id is 22 base64url characters and never starts with "-", which kafka-storage would read as an option', () => {
  // 1 in 64 random ids starts with "-"; 5,000 draws would meet one about 78 times.
  const ids = Array.from({ length: 5_000 }, clusterId);
  expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});
