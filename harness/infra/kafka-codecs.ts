// kafkajs is CommonJS, and Node's named-export detection misses these two, so they come off the
// default export (a named import works under vitest's interop but fails under plain Node).
import kafkajs from 'kafkajs';
import { HarnessError } from '../common/errors.ts';
import { gunzip, unlz4, unsnappy, unzstd, type KafkaCodecName } from './kafka-decompress.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * A record batch the harness cannot decompress. kafkajs reads `retriable`: false stops it from
 * refetching the same bytes forever, so the consumer crashes at once and the reader can report
 * this instead of waiting out its deadline.
 */
export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  readonly retriable = false;
  constructor(
    /** The codec's name, or its id when Kafka defines no codec with that id. */
    readonly codec: KafkaCodecName | number,
    readonly reason: string,
    /** Where the batch sits in its partition, when it could be read from the batch header. */
    readonly offsets?: { readonly first: number; readonly last: number },
  ) {
    super(
      `cannot decode a ${typeof codec === 'number' ? `batch with compression codec id ${codec}` : `${codec}-compressed batch`}: ${reason.split('\n')[0]}`,
    );
  }
}

function formatOffsets(o: { readonly first: number; readonly last: number }): string {
  return o.first === o.last ? `offset ${o.first}` : `offsets ${o.first}-${o.last}`;
}

/**
 * The one line a reader reports: which topic, partition and offsets, then what is wrong. A fetch
 * covers several partitions and kafkajs does not say which one a batch came from, so the
 * partition is inferred from where the reader stood: the batch must end at or after the next
 * offset it wanted there. `readingFrom` maps each partition still being read to that offset.
 */
export function undecodableBatchLine(
  topic: string,
  err: UndecodableBatchError,
  readingFrom: ReadonlyMap<number, number>,
): string {
  const { offsets } = err;
  const candidates = [...readingFrom]
    .filter(([, next]) => offsets === undefined || next <= offsets.last)
    .sort(([a], [b]) => a - b);
  const where = offsets
    ? `partition ${candidates.map(([p]) => p).join(' or ') || '?'} ${formatOffsets(offsets)}`
    : candidates.map(([p, next]) => `partition ${p} from offset ${next}`).join(' or ') || 'partition ?';
  return `topic ${topic} ${where}: ${err.message}`;
}

/** The first UndecodableBatchError in an error's cause chain (kafkajs wraps what a codec throws). */
export function findUndecodableBatch(err: unknown): UndecodableBatchError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++)
    if (e instanceof UndecodableBatchError) return e;
  return undefined;
}

const DECOMPRESS: Record<KafkaCodecName, (compressed: Buffer) => Buffer | Promise<Buffer>> = {
  gzip: gunzip,
  snappy: unsnappy,
  lz4: unlz4,
  zstd: unzstd,
};

/** The codec ids of a batch's attributes (their low three bits), as Kafka assigns them. */
export const CODEC_IDS: Record<KafkaCodecName, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** A kafkajs codec: a factory of an object that compresses and decompresses. */
type CodecFactory = () => {
  compress(encoder: unknown): Promise<Buffer>;
  decompress(compressed: Buffer): Promise<Buffer>;
};

/**
 * A kafkajs codec whose decompression is the harness's own, with errors that name the codec.
 * kafkajs keeps one registry per process, shared with whatever else in it produces (a user's
 * test suite importing outbox-chaos, say), so compression is left to the codec registered before,
 * kafkajs's own gzip among them; with none there, a producer asking for it fails loudly.
 */
export function readingCodec(
  codec: KafkaCodecName | number,
  id: number,
  decompress: (compressed: Buffer) => Buffer | Promise<Buffer>,
  previous?: CodecFactory,
): CodecFactory {
  return () => {
    return {
      // Called only when compressing: kafkajs's stand-ins for codecs it lacks throw when called.
      async compress(encoder: unknown) {
        if (previous) return previous().compress(encoder);
        throw new HarnessError(`no ${codec} compressor is registered with kafkajs; the harness only reads ${codec}`);
      },
      async decompress(compressed: Buffer) {
        try {
          return await decompress(compressed);
        } catch (err) {
          throw new UndecodableBatchError(
            codec,
            err instanceof Error ? err.message : String(err),
            batchOffsets(compressed, id),
          );
        }
      },
    };
  };
}

// Attribute values 5 to 7 name no codec; kafkajs would otherwise take such a batch as
// uncompressed and decode garbage from it.
const UNKNOWN_IDS = [5, 6, 7];

let registered = false;

/**
 * Teaches kafkajs (a process-wide registry) to read every codec Kafka supports. Idempotent;
 * kafka-client.ts calls it before any harness client exists.
 */
export function registerKafkaCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, CodecFactory | undefined>;
  for (const [name, decompress] of Object.entries(DECOMPRESS) as [KafkaCodecName, (b: Buffer) => Buffer][])
    codecs[CODEC_IDS[name]] = readingCodec(name, CODEC_IDS[name], decompress, codecs[CODEC_IDS[name]]);
  for (const id of UNKNOWN_IDS)
    codecs[id] ??= readingCodec(id, id, () => {
      throw new Error('Kafka defines no such codec');
    });
}

// What precedes the compressed records in a version-2 record batch: base offset (8), length (4),
// leader epoch (4), magic (1), CRC (4), attributes (2), last offset delta (4), two timestamps
// (16), producer id (8), producer epoch (2), base sequence (4), record count (4).
const BATCH_HEADER_BYTES = 61;

/**
 * The offsets of the batch whose compressed records these are, or undefined. kafkajs hands a
 * codec only the compressed bytes, but they are a view into the fetch response, so the batch
 * header sits just before them in the same memory. It is believed only if its magic, codec and
 * length all agree with these bytes, so a change in how kafkajs slices buffers loses the offsets
 * rather than reporting wrong ones.
 */
export function batchOffsets(compressed: Buffer, codecId: number): { first: number; last: number } | undefined {
  if (compressed.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const header = Buffer.from(compressed.buffer, compressed.byteOffset - BATCH_HEADER_BYTES, BATCH_HEADER_BYTES);
  const length = header.readInt32BE(8);
  const magic = header.readInt8(16);
  const attributes = header.readInt16BE(21);
  if (magic !== 2 || (attributes & 0x07) !== codecId || length !== BATCH_HEADER_BYTES - 12 + compressed.length)
    return undefined;
  const first = Number(header.readBigInt64BE(0));
  return { first, last: first + header.readInt32BE(23) };
}
