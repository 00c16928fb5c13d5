// The programmatic API's stack-free paths: bad options fail at once with one clear error and
// start nothing, the manifest loads as the CLI loads it, and check() is the checker alone.
// test/api/example.test.ts runs a scenario through it against a real stack.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check, HarnessError, loadManifest, runScenario, scenarios } from '../../harness/api.ts';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';
import { readShardRecord } from '../../harness/report/shard-record.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const MINIMAL = path.join(PROJECT_ROOT, 'examples', 'minimal-sut', 'outbox-chaos.json');
const reportDir = tempDir('outbox-api-unit-');
afterAll(() => removeTempDir(reportDir));

describe('loadManifest', () => {
  it('gives the validated definition and where it came from', () => {
    const sut = loadManifest(MINIMAL);
    expect(sut).toMatchObject({ name: 'minimal', source: MINIMAL, guarantees: { perAggregateOrder: true } });
    expect(sut.processes.relay.cwd).toBe(path.dirname(MINIMAL));
  });

  it('names what is wrong in one error', () => {
    expect(() => loadManifest('/nonexistent/outbox-chaos.json')).toThrow(
      /cannot read the SUT manifest \/nonexistent\/outbox-chaos.json: no such file/,
    );
    const bad = path.join(reportDir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ manifestVersion: 1, name: 'x' }));
    expect(() => loadManifest(bad)).toThrow(HarnessError);
    expect(() => loadManifest(bad)).toThrow(/does not match the contract[\s\S]*missing field "processes"/);
  });
});

describe('runScenario, before any stack starts', () => {
  const sut = loadManifest(MINIMAL);
  it.each([
    [{ scenario: 'nope' }, /unknown scenario "nope"/],
    [{ scenario: 'relay-crash', runs: 0 }, /runs must be a whole number >= 1/],
    [{ scenario: 'relay-crash', shrinkRuns: 1.5 }, /shrinkRuns must be a whole number >= 0/],
    [{ scenario: 'relay-crash', seed: 0.5 }, /seed must be an integer/],
    [{ scenario: 'relay-crash', shard: '3/2', seed: 1 }, /--shard must be k\/n/],
    [{ scenario: 'relay-crash', shard: '1/2' }, /--shard needs --seed/],
    [{ scenario: 'relay-crash', profile: 'huge' as 'quick' }, /unknown profile "huge"/],
    [{ scenario: 'relay-crash', bug: 'nope' }, /unknown bug variant "nope" for minimal/],
  ])('%j is a HarnessError', async (options, message) => {
    const started = Date.now();
    await expect(runScenario({ sut, reportDir, ...options })).rejects.toThrow(message);
    await expect(runScenario({ sut, reportDir, ...options })).rejects.toBeInstanceOf(HarnessError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a shard with no run of the scenario says so, and still records the shard for the merge', async () => {
    await expect(
      runScenario({ sut, reportDir, scenario: 'mixed', runs: 2, seed: 5, shard: { index: 1, total: 3 } }),
    ).rejects.toThrow(/shard 1\/3 holds no run of mixed/);
    expect(readShardRecord(path.join(reportDir, 'shard-1-of-3.json'))).toMatchObject({
      index: 1,
      total: 3,
      seed: 5,
      slices: [],
      finished: true,
      sutSource: MINIMAL,
    });
  });

  it('lists the scenarios it takes', () => {
    expect(scenarios().map((s) => s.name)).toEqual(expect.arrayContaining(['relay-crash', 'mixed']));
  });
});

describe('check', () => {
  const committed = [
    { eventId: 'e1', opId: 'o1', aggregateId: 'a', seq: 1, payload: { seq: 1 } },
    { eventId: 'e2', opId: 'o2', aggregateId: 'a', seq: 2, payload: { seq: 2 } },
  ];
  const message = (id: string, offset: number, seq: number) => ({
    partition: 0,
    offset,
    key: 'a',
    value: JSON.stringify({ seq }),
    headers: { 'event-id': id },
    timestamp: 1_000 + offset,
  });
  const effects = committed.map((c) => ({ eventId: c.eventId, aggregateId: c.aggregateId, seq: c.seq }));
  const base = { committed, effects, eventId: { header: 'event-id' }, perAggregateOrder: true };

  it('is valid for a clean history, with the state taken as final', () => {
    const verdict = check({ ...base, messages: [message('e1', 0, 1), message('e2', 1, 2)] });
    expect(verdict.valid).toBe(true);
    expect(verdict.anomalies).toEqual([]);
  });

  it('finds a lost event and an inversion', () => {
    expect(check({ ...base, messages: [message('e1', 0, 1)] }).anomalies.map((a) => a.kind)).toContain('lost');
    const swapped = check({ ...base, messages: [message('e2', 0, 2), message('e1', 1, 1)] });
    expect(swapped.valid).toBe(false);
    expect(swapped.anomalies.map((a) => a.kind)).toContain('order');
  });

  it('cannot judge absences when told the drain never settled', () => {
    const verdict = check({
      ...base,
      messages: [message('e1', 0, 1)],
      drain: { converged: false, settled: false, convergenceMs: null },
    });
    expect(verdict.valid).toBe('unknown');
  });
});
