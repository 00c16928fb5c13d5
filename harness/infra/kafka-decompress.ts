import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { decompressBlock as lz4DecompressBlock } from 'lz4js';
import { uncompress as snappyUncompress } from 'snappyjs';

/**
 * Undoing each compression codec Kafka supports, on the bytes a record batch carries after its
 * header. Each function takes Kafka's framing for its codec as producers really write it, and
 * throws a plain Error whose message is the reason; naming the codec and the batch is the caller's
 * job (kafka-codecs.ts).
 */
export type KafkaCodecName = 'gzip' | 'snappy' | 'lz4' | 'zstd';

const unzip = promisify(zlib.unzip);

export async function gunzip(compressed: Buffer): Promise<Buffer> {
  return unzip(compressed);
}

// The Java client wraps snappy in snappy-java's stream format: a magic header, then chunks each
// prefixed with its length. librdkafka and Go clients may write one bare snappy block instead,
// which snappy-java also reads; both occur on real topics.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 8; // magic, version, lowest compatible version
// A guard against a corrupt length field asking for gigabytes; far above any broker's batch limit.
const MAX_SNAPPY_BLOCK = 256 * 1024 * 1024;

export function unsnappy(compressed: Buffer): Buffer {
  if (!startsWithXerialMagic(compressed, 0)) return snappyBlock(compressed);
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < compressed.length) {
    // snappy-java reads streams written back to back as one, each with its own header.
    if (startsWithXerialMagic(compressed, at)) {
      if (compressed.length < at + XERIAL_HEADER_BYTES) throw new Error('snappy-java stream header is truncated');
      at += XERIAL_HEADER_BYTES;
      continue;
    }
    if (compressed.length < at + 4) throw new Error(`snappy-java chunk length is truncated at byte ${at}`);
    const length = compressed.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > compressed.length)
      throw new Error(`snappy-java chunk at byte ${at - 4} claims ${length} bytes, ${compressed.length - at} remain`);
    chunks.push(snappyBlock(compressed.subarray(at, at + length)));
    at += length;
  }
  return Buffer.concat(chunks);
}

function startsWithXerialMagic(b: Buffer, at: number): boolean {
  return b.length >= at + XERIAL_MAGIC.length && b.subarray(at, at + XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function snappyBlock(block: Buffer): Buffer {
  const out = snappyUncompress(new Uint8Array(block.buffer, block.byteOffset, block.length), MAX_SNAPPY_BLOCK);
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}

// LZ4 in Kafka is the LZ4 frame format (magic, descriptor, sized blocks, end mark). The frame is
// walked here with every length checked against the bytes present, and only each block's
// payload is handed to the block decoder. Checksums are not verified: the Java client writes none
// but the descriptor's, which its oldest message format computed wrongly.
const LZ4_MAGIC = 0x184d2204;
const LZ4_MAX_BLOCK: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

export function unlz4(compressed: Buffer): Buffer {
  const frames: Buffer[] = [];
  let at = 0;
  do {
    const frame = lz4Frame(compressed, at);
    frames.push(frame.content);
    at = frame.end;
  } while (at < compressed.length);
  return Buffer.concat(frames);
}

function lz4Frame(src: Buffer, start: number): { content: Buffer; end: number } {
  const need = (at: number, bytes: number, what: string) => {
    if (at + bytes > src.length) throw new Error(`LZ4 frame is truncated in its ${what} (byte ${at})`);
  };
  need(start, 7, 'header');
  const magic = src.readUInt32LE(start);
  if (magic !== LZ4_MAGIC) throw new Error(`not an LZ4 frame (magic 0x${magic.toString(16)})`);
  const flags = src[start + 4]!;
  if (flags >> 6 !== 1) throw new Error(`LZ4 frame version ${flags >> 6} is not 1`);
  if (flags & 0x01) throw new Error('LZ4 frame needs a dictionary, which Kafka never uses');
  const blockChecksums = (flags & 0x10) !== 0;
  const contentSize = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const maxBlock = LZ4_MAX_BLOCK[(src[start + 5]! >> 4) & 0x07];
  if (maxBlock === undefined)
    throw new Error(`LZ4 frame has an invalid block size code ${(src[start + 5]! >> 4) & 0x07}`);
  let at = start + 6 + (contentSize ? 8 : 0) + 1; // descriptor, optional content size, header checksum
  need(start, at - start, 'header');

  // First pass: find the blocks and size the output, so a corrupt length fails before any work.
  const blocks: { at: number; length: number; stored: boolean }[] = [];
  for (;;) {
    need(at, 4, 'block length');
    const word = src.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const length = word & 0x7fffffff;
    if (length > maxBlock) throw new Error(`LZ4 block of ${length} bytes exceeds the frame's ${maxBlock}-byte limit`);
    need(at, length + (blockChecksums ? 4 : 0), 'block data');
    blocks.push({ at, length, stored });
    at += length + (blockChecksums ? 4 : 0);
  }
  if (contentChecksum) {
    need(at, 4, 'content checksum');
    at += 4;
  }

  const out = Buffer.alloc(blocks.reduce((n, b) => n + (b.stored ? b.length : maxBlock), 0));
  let written = 0;
  for (const b of blocks) {
    if (b.stored) {
      src.copy(out, written, b.at, b.at + b.length);
      written += b.length;
      continue;
    }
    const end = lz4DecompressBlock(src, out, b.at, b.length, written);
    // The block decoder does no bounds checks of its own: a block that decodes past its limit or
    // not at all is corrupt, whatever bytes it left behind.
    if (!Number.isInteger(end) || end <= written || end - written > maxBlock)
      throw new Error(`LZ4 block at byte ${b.at} is corrupt`);
    written = end;
  }
  return { content: out.subarray(0, written), end: at };
}

export function unzstd(compressed: Buffer): Buffer {
  const out = zstdDecompress(compressed);
  return Buffer.from(out.buffer, out.byteOffset, out.length);
}
