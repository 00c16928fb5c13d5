import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import kafkajs, { KafkaJSNonRetriableError } from 'kafkajs';
import { compress as lz4Compress } from 'lz4js';
import { compress as snappyCompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import '../../harness/infra/kafka-client.ts';
import {
  UndecodableBatchError,
  findUndecodableBatch,
  undecodableBatchLine,
  type UndecodableBatchError as BatchError,
} from '../../harness/infra/kafka-codecs.ts';
import { unlz4, unsnappy, unzstd } from '../../harness/infra/kafka-decompress.ts';

// kafkajs's own record batch decoder: the code its fetch path runs on every batch, so these tests
// exercise the codec lookup exactly as a consumer does, without a broker.
const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder');
const decodeRecordBatch: (
  d: unknown,
) => Promise<{ records: KafkaRecord[] }> = require('kafkajs/src/protocol/recordBatch/v0/decoder');

interface KafkaRecord {
  offset: string;
  key: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
}

interface Fixture {
  baseOffset: number;
  records: number;
  base64: string;
}

/** Batches written by kafka-clients 3.9.1 (see kafka-batches.jsh), per codec. */
const FIXTURES: Record<string, Record<string, Fixture>> = JSON.parse(
  fs.readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/kafka-batches.json'), 'utf8'),
);

const batchBytes = (f: Fixture) => Buffer.from(f.base64, 'base64');
const decode = (batch: Buffer) => decodeRecordBatch(new Decoder(batch));
// The compressed records start after the 61-byte batch header; the codec id is in byte 22.
const COMPRESSED_AT = 61;

async function decodeError(batch: Buffer): Promise<BatchError> {
  const err = await decode(batch).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UndecodableBatchError);
  return err as BatchError;
}

describe('record batches from the Java client, read through kafkajs', () => {
  for (const [codec, sizes] of Object.entries(FIXTURES)) {
    for (const [size, fixture] of Object.entries(sizes)) {
      it(`${codec}, ${size} batch: every record, key, value and header`, async () => {
        const batch = batchBytes(fixture);
        expect(batch[22]! & 0x07).toBe({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[codec]);
        const { records } = await decode(batch);
        expect(records).toHaveLength(fixture.records);
        records.forEach((r, i) => {
          expect(r.offset).toBe(String(fixture.baseOffset + i));
          expect(r.key.toString()).toBe(`key-${i}`);
          expect(JSON.parse(r.value.toString())).toEqual({ seq: i, note: 'an outbox event payload' });
          expect(Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()]))).toEqual({
            'event-id': `ev-${i}`,
          });
        });
      });
    }
  }

  it('the Java client frames snappy as snappy-java streams and LZ4 as LZ4 frames', () => {
    const start = (codec: string) => batchBytes(FIXTURES[codec]!.small!).subarray(COMPRESSED_AT);
    expect(start('snappy').subarray(0, 8).toString('latin1')).toBe('\x82SNAPPY\0');
    expect(start('lz4').readUInt32LE(0)).toBe(0x184d2204);
    expect(start('zstd').readUInt32LE(0)).toBe(0xfd2fb528);
    expect(start('gzip').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});

describe('an undecodable batch is an error naming the codec and the batch', () => {
  it.each([
    // Each breaks what that codec's framing starts with.
    ['gzip', COMPRESSED_AT, /cannot decode a gzip-compressed batch: incorrect header check/],
    ['snappy', COMPRESSED_AT + 16, /cannot decode a snappy-compressed batch: snappy-java chunk at byte 16 claims/],
    ['lz4', COMPRESSED_AT, /cannot decode a lz4-compressed batch: not an LZ4 frame/],
    ['zstd', COMPRESSED_AT, /cannot decode a zstd-compressed batch: /],
  ])('%s', async (codec, at, message) => {
    const batch = batchBytes(FIXTURES[codec]!.small!);
    batch.writeUInt32BE(0x7f7f7f7f, at);
    const err = await decodeError(batch);
    expect(err.message).toMatch(message);
    expect(err.codec).toBe(codec);
    expect(err.offsets).toEqual({ first: 100, last: 104 });
    expect(err.retriable).toBe(false);
  });

  it('a codec id Kafka does not define is refused, not read as uncompressed', async () => {
    const batch = batchBytes(FIXTURES.zstd!.small!);
    batch.writeInt16BE((batch.readInt16BE(21) & ~0x07) | 5, 21);
    const err = await decodeError(batch);
    expect(err.message).toBe('cannot decode a batch with compression codec id 5: Kafka defines no such codec');
    expect(err.offsets).toEqual({ first: 100, last: 104 });
  });

  it('offsets are left out when the bytes are not inside a batch', async () => {
    const { CompressionCodecs } = await import('kafkajs');
    const codec = (CompressionCodecs as Record<number, () => { decompress(b: Buffer): Promise<Buffer> }>)[4]!();
    const err = await codec.decompress(Buffer.from('not zstd at all')).then(
      () => undefined,
      (e: unknown) => e as BatchError,
    );
    expect(err).toBeInstanceOf(UndecodableBatchError);
    expect(err!.offsets).toBeUndefined();
  });

  it('is found through the wrapping kafkajs adds before it crashes a consumer', () => {
    const inner = new UndecodableBatchError('lz4', 'boom', { first: 7, last: 9 });
    // What kafkajs's retrier builds (its typings omit the options argument).
    const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
    const crash = new Wrapper(inner, { cause: inner });
    expect(findUndecodableBatch(crash)).toBe(inner);
    expect(findUndecodableBatch(new Error('other'))).toBeUndefined();
  });

  it('names the one partition the batch can be on, or each it might be on', () => {
    const err = new UndecodableBatchError('zstd', 'bad', { first: 120, last: 129 });
    // Partition 1 was already read past offset 129; only partition 0 can hold this batch.
    expect(
      undecodableBatchLine(
        'orders',
        err,
        new Map([
          [0, 120],
          [1, 300],
        ]),
      ),
    ).toBe('topic orders partition 0 offsets 120-129: cannot decode a zstd-compressed batch: bad');
    expect(
      undecodableBatchLine(
        'orders',
        err,
        new Map([
          [2, 0],
          [0, 0],
        ]),
      ),
    ).toBe('topic orders partition 0 or 2 offsets 120-129: cannot decode a zstd-compressed batch: bad');
    expect(undecodableBatchLine('orders', new UndecodableBatchError('snappy', 'bad'), new Map([[3, 42]]))).toBe(
      'topic orders partition 3 from offset 42: cannot decode a snappy-compressed batch: bad',
    );
  });
});

describe('framings other clients write', () => {
  const text = Buffer.from('outbox '.repeat(12_000));

  it('snappy as one bare block (librdkafka, Go clients)', () => {
    expect(unsnappy(Buffer.from(snappyCompress(new Uint8Array(text))))).toEqual(text);
  });

  it('snappy-java streams written back to back', () => {
    const stream = (part: Buffer) => {
      const block = Buffer.from(snappyCompress(new Uint8Array(part)));
      const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
      const length = Buffer.alloc(4);
      length.writeInt32BE(block.length);
      return Buffer.concat([header, length, block]);
    };
    const a = text.subarray(0, 1000);
    const b = text.subarray(1000, 5000);
    expect(unsnappy(Buffer.concat([stream(a), stream(b)]))).toEqual(text.subarray(0, 5000));
  });

  it('LZ4 frames with stored blocks, a content size and checksums', () => {
    const payload = Buffer.from('stored, not compressed');
    const frame = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40 | 0x20 | 0x10 | 0x08 | 0x04, 0x40]),
      Buffer.alloc(8), // content size (not checked)
      Buffer.from([0x00]), // header checksum (not checked)
      Buffer.from([payload.length, 0, 0, 0x80]), // stored block
      payload,
      Buffer.alloc(4), // block checksum
      Buffer.alloc(4), // end mark
      Buffer.alloc(4), // content checksum
    ]);
    expect(unlz4(frame)).toEqual(payload);
  });

  it('LZ4 frames spanning several blocks, one frame after another', () => {
    const frame = Buffer.from(lz4Compress(new Uint8Array(text)));
    expect(unlz4(Buffer.concat([frame, frame]))).toEqual(Buffer.concat([text, text]));
  });

  it('a truncated LZ4 frame is an error, not a short read', () => {
    const frame = Buffer.from(lz4Compress(new Uint8Array(text)));
    expect(() => unlz4(frame.subarray(0, frame.length - 10))).toThrow(/LZ4 frame is truncated/);
  });

  it('zstd frames of unknown content size, as streaming producers write them', () => {
    const zstd = batchBytes(FIXTURES.zstd!.large!).subarray(COMPRESSED_AT);
    // Frame header descriptor 0x00: no content size, so the decoder must grow its output.
    expect(zstd[4]).toBe(0x00);
    expect(unzstd(zstd).length).toBeGreaterThan(64 * 1024);
  });
});

describe('the codec registry the harness shares with the rest of the process', () => {
  it("leaves kafkajs's own gzip compression working for producers beside the harness", async () => {
    const gzip = (
      kafkajs.CompressionCodecs as unknown as Record<
        number,
        () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }
      >
    )[kafkajs.CompressionTypes.GZIP]!();
    const compressed = await gzip.compress({ buffer: Buffer.from('a user producer') });
    expect((await gzip.decompress(compressed)).toString()).toBe('a user producer');
  });
});
