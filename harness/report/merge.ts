import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../common/errors.ts';
import { writeFileAtomically } from '../common/files.ts';
import { renderIndex, type IndexEntry } from './index-page.ts';
import { junitDocument, junitProblems, junitSuite } from './junit.ts';
import { readScenarioResults, type ScenarioResults } from './results.ts';
import { findShardRecords, type FoundShard, type ShardRecord } from './shard-record.ts';

/**
 * `report merge`: the shards of one campaign (run --shard k/n on n CI runners) as one report
 * folder: every scenario folder copied in, one index.html, one junit.xml, merge.json, and one
 * verdict.
 *
 * The verdict follows the run's exit codes. An anomaly any shard found stands whatever else is
 * wrong (1). A shard that is missing or did not finish leaves runs unjudged, which is unknown (2)
 * unless an anomaly was found. Shards that do not belong together (another seed, SUT, profile or
 * plan, or the same shard twice) are an error (2): their union is not the campaign asked for.
 */

export interface MergeOptions {
  /** Folders holding shard records (shard-k-of-n.json), directly or one level down. */
  readonly dirs: readonly string[];
  /** A new (or empty) folder for the merged report. */
  readonly out: string;
}

export interface MergedReport {
  readonly folder: string;
  readonly scenario: string;
  readonly shard: number;
  readonly valid: Validity;
}

export interface MergeOutcome {
  readonly valid: Validity;
  /** 0 valid, 1 anomalies, 2 unknown or error: as `run`'s. */
  readonly exitCode: 0 | 1 | 2;
  readonly total: number;
  /** The shard indices merged, ascending. */
  readonly shards: readonly number[];
  /** Missing or unfinished shards: runs nobody judged. */
  readonly incomplete: readonly string[];
  /** Shards that do not belong together, unreadable reports. */
  readonly errors: readonly string[];
  readonly reports: readonly MergedReport[];
  readonly index: string;
  readonly junit: string;
  readonly summary: string;
}

/** The fields every shard of one campaign must share, with how each is printed. */
const CAMPAIGN_FIELDS: readonly [keyof ShardRecord, string][] = [
  ['total', 'shard count'],
  ['seed', 'seed'],
  ['sutSource', 'SUT'],
  ['sut', 'SUT name'],
  ['bug', 'bug variant'],
  ['profile', 'profile'],
  ['withoutCrashPoints', 'crash points withheld'],
  ['scenarios', 'scenarios'],
  ['runsPerScenario', 'runs per scenario'],
];

const label = (s: FoundShard) => `shard ${s.record.index}/${s.record.total} (${s.file})`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** false if any is; else unknown if any is; else true (none at all is unknown: nothing was judged). */
function worst(valids: readonly Validity[]): Validity {
  if (valids.some((v) => v === false)) return false;
  if (valids.length === 0 || valids.some((v) => v === 'unknown')) return 'unknown';
  return true;
}

/** What in the found shards keeps them from being one campaign. */
function campaignErrors(found: readonly FoundShard[]): string[] {
  const errors: string[] = [];
  const first = found[0]!;
  for (const s of found.slice(1)) {
    for (const [field, name] of CAMPAIGN_FIELDS) {
      if (!same(s.record[field], first.record[field]))
        errors.push(
          `${label(s)} has ${name} ${JSON.stringify(s.record[field])}, but ${label(first)} has ${name} ${JSON.stringify(first.record[field])}`,
        );
    }
  }
  const byIndex = new Map<number, FoundShard[]>();
  for (const s of found) byIndex.set(s.record.index, [...(byIndex.get(s.record.index) ?? []), s]);
  for (const [index, list] of byIndex) {
    if (list.length > 1)
      errors.push(
        `shard ${index}/${first.record.total} appears ${list.length} times: ${list.map((s) => s.file).join(', ')}`,
      );
  }
  for (const s of found) {
    if (s.record.index < 1 || s.record.index > s.record.total) errors.push(`${label(s)}: no such shard`);
  }
  return errors;
}

/** Runs of the plan that two shards both ran (a plan sliced differently: another version). */
function overlapErrors(found: readonly FoundShard[]): string[] {
  const owner = new Map<string, FoundShard>();
  const errors: string[] = [];
  for (const s of found) {
    for (const slice of s.record.slices) {
      for (let i = slice.from; i < slice.from + slice.count; i++) {
        const key = `${slice.scenario} run ${i + 1}`;
        const other = owner.get(key);
        if (other && other.record.index !== s.record.index) {
          errors.push(`${key} is in both ${label(other)} and ${label(s)}`);
        } else owner.set(key, s);
      }
    }
  }
  return errors.slice(0, 10);
}

/** Merges shard report folders into `out`; see the module comment for the verdict. */
export function mergeShardReports(options: MergeOptions): MergeOutcome {
  if (options.dirs.length === 0) throw new HarnessError('report merge needs at least one shard report folder');
  const found = options.dirs.flatMap((d) => findShardRecords(path.resolve(d)));
  if (found.length === 0)
    throw new HarnessError(
      `no shard record (shard-k-of-n.json) in ${options.dirs.join(', ')}: merge takes the report folders of "run --shard k/n"`,
    );
  const out = path.resolve(options.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0)
    throw new HarnessError(`--out ${out} is not empty: merge into a new folder`);

  const errors = [...campaignErrors(found), ...overlapErrors(found)];
  const first = found[0]!.record;
  const total = first.total;
  const present = new Set(found.map((s) => s.record.index));
  const incomplete: string[] = [];
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((k) => !present.has(k));
  if (missing.length)
    incomplete.push(`missing shard(s) ${missing.map((k) => `${k}/${total}`).join(', ')}: their runs were not judged`);
  else {
    // Every shard is here and none overlap; the plan must still be covered, run for run (shards
    // sliced by another version could leave a gap that no check above sees).
    const planned = first.scenarios.length * first.runsPerScenario;
    const covered = found.reduce((n, s) => n + s.record.slices.reduce((m, slice) => m + slice.count, 0), 0);
    if (covered < planned) incomplete.push(`the shards cover ${covered} of the plan's ${planned} runs`);
  }
  for (const s of found) {
    if (!s.record.finished) {
      const written = s.record.slices.filter((x) => x.folder !== null).length;
      incomplete.push(`${label(s)} did not finish: ${written} of ${s.record.slices.length} scenario(s) written`);
    }
  }

  fs.mkdirSync(out, { recursive: true });
  const entries: IndexEntry[] = [];
  const reports: MergedReport[] = [];
  const results: ScenarioResults[] = [];
  for (const s of found) {
    for (const slice of s.record.slices) {
      if (slice.folder === null) continue;
      const from = path.join(s.dir, slice.folder);
      let r: ScenarioResults;
      try {
        r = readScenarioResults(from);
      } catch (err) {
        errors.push(`${label(s)}: ${(err as Error).message}`);
        continue;
      }
      // Folder names carry their shard, so two shards never write the same one; should a
      // name still repeat (a folder renamed by hand), the later copy is set beside it.
      let folder = path.basename(slice.folder);
      if (fs.existsSync(path.join(out, folder))) folder = `${folder}-from-shard-${s.record.index}`;
      fs.cpSync(from, path.join(out, folder), { recursive: true });
      entries.push({ folder, results: r, hasReport: fs.existsSync(path.join(out, folder, 'report.html')) });
      reports.push({ folder, scenario: r.scenario, shard: s.record.index, valid: r.valid });
      results.push(r);
    }
  }

  const valid = worst([...results.map((r) => r.valid), ...(incomplete.length ? ['unknown' as const] : [])]);
  const exitCode = errors.length ? 2 : valid === true ? 0 : valid === false ? 1 : 2;
  const problems = [...errors, ...incomplete];
  const title = `outbox-chaos: ${first.sut}, seed ${first.seed}, ${present.size} of ${total} shard(s) merged`;

  const index = path.join(out, 'index.html');
  writeFileAtomically(index, renderIndex(entries, [], { title, problems }));
  const junit = path.join(out, 'junit.xml');
  const suites = results.map(junitSuite);
  if (problems.length) suites.push(junitProblems('outbox-chaos.merge', problems));
  writeFileAtomically(junit, junitDocument(suites));
  const summary = path.join(out, 'merge.json');
  writeFileAtomically(
    summary,
    `${JSON.stringify(
      {
        valid,
        exitCode,
        sut: first.sut,
        sutSource: first.sutSource,
        bug: first.bug,
        seed: first.seed,
        profile: first.profile,
        total,
        shards: found.map((s) => ({ index: s.record.index, finished: s.record.finished, record: s.file })),
        errors,
        incomplete,
        reports,
      },
      null,
      2,
    )}\n`,
  );
  return {
    valid,
    exitCode,
    total,
    shards: [...present].sort((a, b) => a - b),
    incomplete,
    errors,
    reports,
    index,
    junit,
    summary,
  };
}
