// Formatting a KRaft log directory without kafka-storage: what the file says, and that a directory
// that already has a meta.properties (a broker restarted on its data) is left alone. That Kafka
// starts from such a directory, and restarts on it, is what the stack tests check on real brokers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterId } from '../../harness/infra/cluster-layout.ts';
import { formatKraftLogDir, metaProperties } from '../../harness/infra/kraft-storage.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const root = tempDir('outbox-kraft-storage-');
afterAll(() => removeTempDir(root));

const parse = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('=') as [string, string]),
  );

describe('formatKraftLogDir', () => {
  it('writes version 1, the cluster id and the node id into a new directory, and nothing else', () => {
    const dir = path.join(root, 'fresh', 'data');
    const id = clusterId();
    expect(formatKraftLogDir(dir, { clusterId: id, nodeId: 3 })).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['meta.properties']);
    expect(parse(fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8'))).toEqual({
      version: '1',
      'cluster.id': id,
      'node.id': '3',
    });
  });

  it('leaves a formatted directory as it is, the directory id Kafka added included', () => {
    const dir = path.join(root, 'formatted');
    fs.mkdirSync(dir, { recursive: true });
    const existing = `#written by Kafka\nnode.id=1\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAQ\nversion=1\ncluster.id=${clusterId()}\n`;
    fs.writeFileSync(path.join(dir, 'meta.properties'), existing);
    expect(formatKraftLogDir(dir, { clusterId: clusterId(), nodeId: 2 })).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'meta.properties'), 'utf8')).toBe(existing);
  });

  it('refuses an id Kafka would not accept', () => {
    expect(() => metaProperties({ clusterId: 'not an id', nodeId: 1 })).toThrow(/cluster id/);
    expect(() => metaProperties({ clusterId: clusterId(), nodeId: -1 })).toThrow(/node id/);
  });
});
