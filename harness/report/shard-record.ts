import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import { writeFileAtomically } from '../common/files.ts';

/**
 * shard-<k>-of-<n>.json: what one shard of a campaign was asked to run and what it wrote. The
 * scenario folders alone cannot say that a shard ran nothing, died half-way or belongs to another
 * campaign; this record lets `report merge` tell a complete campaign from one that is not.
 */
export interface ShardRecord {
  readonly format: typeof SHARD_FORMAT;
  readonly index: number;
  readonly total: number;
  readonly seed: number;
  /** The SUT's name, with +variant for a broken variant. */
  readonly sut: string;
  /** "reference", or the absolute path of its manifest. */
  readonly sutSource: string;
  readonly bug: string | null;
  readonly profile: string;
  readonly withoutCrashPoints: boolean;
  /** The campaign's scenarios, in plan order: the same in every shard. */
  readonly scenarios: readonly string[];
  /** Generated runs per scenario in the whole campaign. */
  readonly runsPerScenario: number;
  /** This shard's part of the plan; folder and valid are filled in as each scenario ends. */
  readonly slices: readonly ShardSliceRecord[];
  /** False until the last slice is written: a shard that died says so. */
  readonly finished: boolean;
  readonly startedAt: string;
}

export interface ShardSliceRecord {
  readonly scenario: string;
  /** 0-based index of the first generated run. */
  readonly from: number;
  readonly count: number;
  /** The scenario's report folder, relative to the shard record; null until written. */
  readonly folder: string | null;
  readonly valid: Validity | null;
}

const SHARD_FORMAT = 'outbox-chaos-shard/1';
const FILE_NAME = /^shard-(\d+)-of-(\d+)\.json$/;

export function shardRecordFile(reportDir: string, index: number, total: number): string {
  return path.join(reportDir, `shard-${index}-of-${total}.json`);
}

/** Writes (or rewrites, as a shard progresses) its record in the report folder. */
export function writeShardRecord(reportDir: string, record: Omit<ShardRecord, 'format'>): string {
  const file = shardRecordFile(reportDir, record.index, record.total);
  writeFileAtomically(file, `${JSON.stringify({ format: SHARD_FORMAT, ...record }, null, 2)}\n`);
  return file;
}

/** A shard record found on disk, with the folder it sits in (its slices' folders are relative to it). */
export interface FoundShard {
  readonly file: string;
  readonly dir: string;
  readonly record: ShardRecord;
}

/**
 * The shard records in a folder and in its immediate subfolders: a CI job that downloads every
 * shard's artifact gets one subfolder per artifact, so the folder it downloaded into is enough.
 * A record that cannot be read is bad input, named with its file.
 */
export function findShardRecords(dir: string): FoundShard[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HarnessError(
      `cannot read ${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (err as Error).message}`,
    );
  }
  const here = entries.filter((e) => e.isFile() && FILE_NAME.test(e.name)).map((e) => path.join(dir, e.name));
  const below = entries
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const sub = path.join(dir, e.name);
      return fs
        .readdirSync(sub)
        .filter((n) => FILE_NAME.test(n))
        .map((n) => path.join(sub, n));
    });
  return [...here, ...below].sort().map((file) => ({ file, dir: path.dirname(file), record: readShardRecord(file) }));
}

export function readShardRecord(file: string): ShardRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HarnessError(`cannot read the shard record ${file}: ${(err as Error).message}`);
  }
  const r = parsed as Partial<ShardRecord> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    r.format !== SHARD_FORMAT ||
    !Number.isInteger(r.index) ||
    !Number.isInteger(r.total) ||
    !Array.isArray(r.slices) ||
    !Array.isArray(r.scenarios)
  )
    throw new HarnessError(`${file} is not an outbox-chaos shard record (format ${SHARD_FORMAT})`);
  return r as ShardRecord;
}
