// `report merge` over synthetic shard folders, laid out as run --shard writes them: one verdict
// and exit code for the campaign, missing, unfinished, duplicate and mismatched shards caught.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Validity } from '../../harness/checker/index.ts';
import { mergeShardReports } from '../../harness/report/merge.ts';
import type { ScenarioResults } from '../../harness/report/results.ts';
import { writeShardRecord } from '../../harness/report/shard-record.ts';
import { planSlices } from '../../harness/run/shard.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const root = tempDir('outbox-merge-');
afterAll(() => removeTempDir(root));
let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${n++}`);

const SCENARIOS = ['relay-crash', 'consumer-crash'];
const RUNS = 3;

interface ShardSpec {
  index: number;
  total: number;
  /** The verdict of each of its scenarios, by name; a scenario left out is still unwritten. */
  verdicts?: Record<string, Validity>;
  seed?: number;
  finished?: boolean;
  sutSource?: string;
  /** Leave this shard's first slice out of its record, as a plan sliced by another version might. */
  gap?: boolean;
}

function results(scenario: string, valid: Validity, shard: ShardSpec, from: number, count: number): ScenarioResults {
  return {
    valid,
    sut: 'reference',
    sutSource: shard.sutSource ?? 'reference',
    bug: null,
    scenario,
    profile: 'quick',
    seed: shard.seed ?? 42,
    startedAt: '2026-11-22T08:00:00.000Z',
    executions: count,
    anomalies:
      valid === false ? [{ kind: 'lost', eventIds: ['e1'], detail: '1 committed event never reached Kafka' }] : [],
    stats: {},
    unknownRuns: valid === 'unknown' ? [{ run: 'run-001', because: 'the drain did not settle' }] : [],
    shownRun: 'run-001',
    replay: 'npx outbox-chaos replay somewhere',
    runs: Array.from({ length: count }, (_, i) => ({
      run: `run-00${i + 1}`,
      phase: 'generated' as const,
      valid: i === 0 ? valid : true,
      steps: 2,
      durationMs: 1_000,
      anomalies: i === 0 && valid === false ? 1 : 0,
    })),
    shard: { index: shard.index, total: shard.total, from, count },
    counterexample: null,
  };
}

/** A shard's report folder as run --shard leaves it: a folder per scenario and the shard record. */
function shardFolder(dir: string, spec: ShardSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  const slices = planSlices(SCENARIOS, RUNS, spec)
    .slice(spec.gap ? 1 : 0)
    .map((s) => {
      const valid = spec.verdicts?.[s.scenario] ?? true;
      const folder = `2026-11-22T08-00-00-000Z-reference-${s.scenario}-shard-${spec.index}-of-${spec.total}`;
      fs.mkdirSync(path.join(dir, folder));
      fs.writeFileSync(
        path.join(dir, folder, 'results.json'),
        JSON.stringify(results(s.scenario, valid, spec, s.from, s.count)),
      );
      return { ...s, folder, valid };
    });
  writeShardRecord(dir, {
    index: spec.index,
    total: spec.total,
    seed: spec.seed ?? 42,
    sut: 'reference',
    sutSource: spec.sutSource ?? 'reference',
    bug: null,
    profile: 'quick',
    withoutCrashPoints: false,
    scenarios: SCENARIOS,
    runsPerScenario: RUNS,
    slices,
    finished: spec.finished ?? true,
    startedAt: '2026-11-22T08:00:00.000Z',
  });
  return dir;
}

describe('report merge', () => {
  it('all shards valid: one index over every folder, one junit.xml, exit 0', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 2 });
    const b = shardFolder(fresh('b'), { index: 2, total: 2 });
    const out = fresh('out');
    const m = mergeShardReports({ dirs: [a, b], out });
    expect(m).toMatchObject({ valid: true, exitCode: 0, total: 2, shards: [1, 2], errors: [], incomplete: [] });
    // 2 scenarios × 3 runs over 2 shards: each shard holds both scenarios.
    expect(m.reports).toHaveLength(4);
    for (const r of m.reports) expect(fs.existsSync(path.join(out, r.folder, 'results.json'))).toBe(true);
    const index = fs.readFileSync(m.index, 'utf8');
    expect(index).toContain('4 run(s): 4 valid, 0 invalid, 0 unknown.');
    expect(index).toContain('<th>shard</th>');
    expect(index).toContain('2 of 2 shard(s) merged');
    const junit = fs.readFileSync(m.junit, 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(4);
    expect(junit).toMatch(/<testsuites name="outbox-chaos" tests="\d+" failures="0" errors="0"/);
    expect(junit).toContain('reference.relay-crash.shard-2-of-2');
    expect(JSON.parse(fs.readFileSync(m.summary, 'utf8'))).toMatchObject({ valid: true, exitCode: 0, seed: 42 });
  });

  it('a valid shard and an invalid one: INVALID, exit 1, the failure in the junit file', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 2 });
    const b = shardFolder(fresh('b'), { index: 2, total: 2, verdicts: { 'consumer-crash': false } });
    const m = mergeShardReports({ dirs: [a, b], out: fresh('out') });
    expect(m.valid).toBe(false);
    expect(m.exitCode).toBe(1);
    expect(m.reports.filter((r) => r.valid === false)).toEqual([
      expect.objectContaining({ scenario: 'consumer-crash', shard: 2 }),
    ]);
    expect(fs.readFileSync(m.junit, 'utf8')).toMatch(/failures="2"/);
  });

  it('a missing shard: unknown, exit 2, named in the index and as a junit error', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 3 });
    const c = shardFolder(fresh('c'), { index: 3, total: 3 });
    const m = mergeShardReports({ dirs: [a, c], out: fresh('out') });
    expect(m.valid).toBe('unknown');
    expect(m.exitCode).toBe(2);
    expect(m.incomplete).toEqual([expect.stringMatching(/^missing shard\(s\) 2\/3/)]);
    expect(fs.readFileSync(m.index, 'utf8')).toMatch(/<ul id="problems" class="problems"><li>missing shard\(s\) 2\/3/);
    expect(fs.readFileSync(m.junit, 'utf8')).toMatch(/<error type="merge" message="missing shard\(s\) 2\/3/);
  });

  it('an anomaly still stands when a shard is missing: exit 1, as run gives for invalid beside unknown', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 3, verdicts: { 'relay-crash': false } });
    const m = mergeShardReports({ dirs: [a], out: fresh('out') });
    expect(m).toMatchObject({ valid: false, exitCode: 1 });
    expect(m.incomplete).toEqual([expect.stringMatching(/missing shard\(s\) 2\/3, 3\/3/)]);
  });

  it('every shard present and none overlapping, but a run of the plan in none: incomplete, exit 2', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 2, gap: true });
    const b = shardFolder(fresh('b'), { index: 2, total: 2 });
    const m = mergeShardReports({ dirs: [a, b], out: fresh('out') });
    expect(m.exitCode).toBe(2);
    expect(m.incomplete.join('\n')).toMatch(/the shards cover \d+ of the plan's 6 runs/);
  });

  it('a shard that did not finish leaves runs unjudged: exit 2', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 2 });
    const b = shardFolder(fresh('b'), { index: 2, total: 2, finished: false });
    const m = mergeShardReports({ dirs: [a, b], out: fresh('out') });
    expect(m).toMatchObject({ valid: 'unknown', exitCode: 2 });
    expect(m.incomplete).toEqual([expect.stringMatching(/shard 2\/2 .* did not finish/)]);
  });

  it('the same shard twice, another seed or another SUT: errors, exit 2, whatever the verdicts', () => {
    const a = shardFolder(fresh('a'), { index: 1, total: 2 });
    const b = shardFolder(fresh('b'), { index: 2, total: 2 });
    const again = shardFolder(fresh('again'), { index: 2, total: 2 });
    const dup = mergeShardReports({ dirs: [a, b, again], out: fresh('out') });
    expect(dup.exitCode).toBe(2);
    expect(dup.errors.join('\n')).toMatch(/shard 2\/2 appears 2 times/);

    const seed = shardFolder(fresh('seed'), { index: 2, total: 2, seed: 7 });
    const bySeed = mergeShardReports({ dirs: [a, seed], out: fresh('out') });
    expect(bySeed.exitCode).toBe(2);
    expect(bySeed.errors).toEqual([expect.stringMatching(/shard 2\/2 .* has seed 7, but shard 1\/2 .* has seed 42/)]);

    const other = shardFolder(fresh('sut'), { index: 2, total: 2, sutSource: '/elsewhere/outbox-chaos.json' });
    const bySut = mergeShardReports({ dirs: [a, other], out: fresh('out') });
    expect(bySut.exitCode).toBe(2);
    expect(bySut.errors.join('\n')).toMatch(/has SUT "\/elsewhere\/outbox-chaos.json", but .* has SUT "reference"/);

    const three = shardFolder(fresh('three'), { index: 3, total: 3 });
    expect(mergeShardReports({ dirs: [a, three], out: fresh('out') }).errors.join('\n')).toMatch(/shard count 3/);
  });

  it('finds shards one level down, as a CI job downloads every artifact into one folder', () => {
    const parent = fresh('artifacts');
    shardFolder(path.join(parent, 'outbox-chaos-shard-1'), { index: 1, total: 2 });
    shardFolder(path.join(parent, 'outbox-chaos-shard-2'), { index: 2, total: 2 });
    expect(mergeShardReports({ dirs: [parent], out: fresh('out') })).toMatchObject({ exitCode: 0, shards: [1, 2] });
  });

  it('says plainly when there is nothing to merge, or the output folder is in use', () => {
    const empty = fresh('empty');
    fs.mkdirSync(empty);
    expect(() => mergeShardReports({ dirs: [empty], out: fresh('out') })).toThrow(
      /no shard record \(shard-k-of-n.json\)/,
    );
    expect(() => mergeShardReports({ dirs: [path.join(root, 'nope')], out: fresh('out') })).toThrow(
      /cannot read .*nope: no such folder/,
    );
    const a = shardFolder(fresh('a'), { index: 1, total: 1 });
    expect(() => mergeShardReports({ dirs: [a], out: a })).toThrow(/is not empty: merge into a new folder/);
  });
});
