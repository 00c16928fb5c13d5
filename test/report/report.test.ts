// The report's pure parts: the timeline and series built from a history, JUnit XML, the index,
// and the page's escaping. The browser test (test/cli.test.ts) renders real reports.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventTimes } from '../../harness/history/event-times.ts';
import type { HistoryEvent } from '../../harness/history/history.ts';
import { FAULTS } from '../../harness/nemesis/index.ts';
import { renderReport } from '../../harness/report/html.ts';
import { junitXml } from '../../harness/report/junit.ts';
import { readScenarioResults, type ScenarioResults } from '../../harness/report/results.ts';
import { buildTimeline, latencyPoints, throughputSeries } from '../../harness/report/timeline.ts';
import { rebuildIndex, readHistory } from '../../harness/report/write.ts';
import { removeTempDir, tempDir } from '../helpers.ts';

const T0 = 1_700_000_000_000;
let index = 0;
const at = (ms: number, e: Record<string, unknown>) =>
  ({ index: index++, wall: T0 + ms, mono: ms, ...e }) as HistoryEvent;

const HISTORY: HistoryEvent[] = [
  at(0, { type: 'phase', process: 'harness', phase: 'start' }),
  at(10, { type: 'process', process: 'relay-1', what: 'started', pid: 1 }),
  at(10, { type: 'process', process: 'consumer-1', what: 'started', pid: 2 }),
  at(500, {
    type: 'fault-start',
    process: 'nemesis',
    faultId: 'f0',
    step: 0,
    fault: 'partition',
    target: 'partition relay-kafka',
  }),
  at(600, { type: 'invoke', process: 'writer-1', opId: 'o1', step: 1, op: {} }),
  at(650, {
    type: 'ok',
    process: 'writer-1',
    opId: 'o1',
    step: 1,
    events: [{ eventId: 'e1', aggregateId: 'a', seq: 1 }],
  }),
  at(700, {
    type: 'fault-start',
    process: 'nemesis',
    faultId: 'f2',
    step: 2,
    fault: 'kill',
    target: 'kill -9 relay#0',
  }),
  at(710, { type: 'process', process: 'relay-1', what: 'killed', pid: 1 }),
  at(1_500, {
    type: 'fault-end',
    process: 'nemesis',
    faultId: 'f0',
    step: 0,
    fault: 'partition',
    target: 'partition relay-kafka',
    affects: ['link:relay-kafka'],
  }),
  at(1_700, { type: 'process', process: 'relay-1', what: 'started', pid: 3 }),
  at(1_710, {
    type: 'fault-end',
    process: 'nemesis',
    faultId: 'f2',
    step: 2,
    fault: 'kill',
    target: 'kill -9 relay#0',
    affects: ['process:relay-1'],
  }),
  at(1_800, {
    type: 'fault-start',
    process: 'nemesis',
    faultId: 'f3',
    step: 3,
    fault: 'pg-restart',
    target: 'kill -9 PostgreSQL',
  }),
  at(2_000, { type: 'phase', process: 'harness', phase: 'healed' }),
];

describe('timeline', () => {
  const t = buildTimeline(HISTORY);

  it('puts each fault window on the lane it hit, in seconds since the run began', () => {
    expect(t.t0).toBe(T0);
    expect(t.duration).toBeCloseTo(2);
    const faults = t.spans.filter((s) => s.fault);
    expect(faults).toContainEqual(
      expect.objectContaining({ lane: 'link:relay-kafka', from: 0.5, to: 1.5, kind: 'partition' }),
    );
    expect(faults).toContainEqual(
      expect.objectContaining({ lane: 'process:relay-1', from: 0.7, to: 1.71, kind: 'kill' }),
    );
  });

  it('a fault with no recorded end runs to the end of the history, on the nemesis lane', () => {
    expect(t.spans).toContainEqual(
      expect.objectContaining({ lane: 'nemesis', from: 1.8, to: 2, kind: 'pg-restart', fault: true }),
    );
    expect(t.lanes.map((l) => l.id)).toContain('nemesis');
  });

  it('shows a process down from its kill until it started again, and the writes and phases', () => {
    expect(t.spans).toContainEqual(
      expect.objectContaining({ lane: 'process:relay-1', from: 0.71, to: 1.7, kind: 'down', fault: false }),
    );
    expect(t.marks).toContainEqual(expect.objectContaining({ lane: 'writes', at: 0.65, kind: 'ok' }));
    expect(t.phases.map((p) => p.label)).toEqual(['start', 'healed']);
    const ids = t.lanes.map((l) => l.id);
    // Every link and service has a lane, fault or not, and processes are ordered by role.
    expect(ids.slice(0, 8)).toEqual([
      'service:kafka',
      'service:postgres',
      'link:app-pg',
      'link:relay-pg',
      'link:consumer-pg',
      'link:relay-kafka',
      'link:consumer-kafka',
      'link:app-kafka',
    ]);
    expect(ids.indexOf('process:relay-1')).toBeLessThan(ids.indexOf('process:consumer-1'));
  });
});

describe('timeline lanes and fault colours', () => {
  it('a service or link no fixed lane names still gets a lane when a fault hits it', () => {
    const t = buildTimeline([
      at(0, {
        type: 'fault-start',
        process: 'nemesis',
        faultId: 'f0',
        step: 0,
        fault: 'service-pause',
        target: 'freeze toxiproxy',
      }),
      at(100, {
        type: 'fault-end',
        process: 'nemesis',
        faultId: 'f0',
        step: 0,
        fault: 'service-pause',
        target: 'freeze toxiproxy',
        affects: ['service:toxiproxy'],
      }),
    ]);
    expect(t.lanes.map((l) => l.id).slice(0, 3)).toEqual(['service:kafka', 'service:postgres', 'service:toxiproxy']);
  });

  it('each fault is drawn in the colour its own file declares, and listed in the legend with its lane', () => {
    const html = renderReport({ results: results(), history: HISTORY, events: [] });
    expect(html).toMatch(new RegExp(`data-fault="partition"[^>]*fill="${FAULTS.partition!.colour}"`));
    expect(html).toMatch(new RegExp(`data-fault="kill"[^>]*fill="${FAULTS.kill!.colour}"`));
    expect(html).toMatch(
      /<ul id="fault-legend"[^>]*><li data-fault="partition">.*partition <span class="muted">\(link lanes\)<\/span>/,
    );
  });
});

describe('throughput and latency series', () => {
  const events = eventTimes({
    committed: [
      { eventId: 'e1', opId: 'o1', aggregateId: 'a', seq: 1, payload: {} },
      { eventId: 'e2', opId: 'o2', aggregateId: 'a', seq: 2, payload: {} },
    ],
    messages: [
      { partition: 0, offset: 0, key: 'a', value: '', headers: { 'event-id': 'e1' }, timestamp: T0 + 900 },
      { partition: 0, offset: 1, key: 'a', value: '', headers: { 'event-id': 'e1' }, timestamp: T0 + 1_900 },
      { partition: 0, offset: 2, key: 'x', value: '', headers: { 'event-id': 'ghost' }, timestamp: T0 + 1_000 },
    ],
    effects: [{ eventId: 'e1', aggregateId: 'a', seq: 1, appliedAt: T0 + 1_000 }],
    eventId: { header: 'event-id' },
    commitTimes: new Map([
      ['e1', T0 + 650],
      ['e2', T0 + 700],
    ]),
  });

  it('keeps per event the first publish and effect, their counts, and phantoms with no commit', () => {
    expect(events.find((e) => e.eventId === 'e1')).toEqual({
      eventId: 'e1',
      aggregateId: 'a',
      committedAt: T0 + 650,
      publishedAt: T0 + 900,
      deliveries: 2,
      appliedAt: T0 + 1_000,
      effects: 1,
    });
    expect(events.find((e) => e.eventId === 'e2')).toMatchObject({ publishedAt: null, deliveries: 0, appliedAt: null });
    expect(events.find((e) => e.eventId === 'ghost')).toMatchObject({ committedAt: null, deliveries: 1 });
  });

  it('counts events per second in equal buckets', () => {
    const s = throughputSeries(events, T0, 2);
    expect(s.bucketSeconds).toBe(0.25);
    expect(s.x).toHaveLength(8);
    const total = (arr: number[]) => arr.reduce((a, b) => a + b, 0) * s.bucketSeconds;
    expect(total(s.committed)).toBeCloseTo(2);
    expect(total(s.published)).toBeCloseTo(2); // e1 first publish + the phantom
    expect(total(s.applied)).toBeCloseTo(1);
    expect(s.committed[2]).toBeCloseTo(8); // both commits at 0.65 and 0.7 s
  });

  it('plots commit -> publish and commit -> effect by commit time, null where it never happened', () => {
    expect(latencyPoints(events, T0)).toEqual({ x: [0.65, 0.7], publishMs: [250, null], effectMs: [350, null] });
  });
});

function results(over: Partial<ScenarioResults> = {}): ScenarioResults {
  return {
    valid: false,
    sut: 'reference+mark-before-ack',
    sutSource: 'reference',
    bug: 'mark-before-ack',
    scenario: 'relay-crash',
    profile: 'ci',
    seed: 42,
    startedAt: '2026-11-22T08:00:00.000Z',
    executions: 3,
    anomalies: [
      { kind: 'lost', eventIds: ['e-<1>', 'e2'], detail: '2 committed event(s) never reached Kafka & "were" lost' },
    ],
    stats: { lost: 2, publishP50Ms: 12.5 },
    unknownRuns: [{ run: 'run-002', because: 'the drain did not settle' }],
    shownRun: 'run-003',
    replay: 'npx outbox-chaos replay --seed 42 --path 1:0',
    runs: [
      { run: 'run-001', phase: 'generated', valid: false, steps: 4, durationMs: 5_000, anomalies: 1 },
      {
        run: 'run-002',
        phase: 'shrink',
        valid: 'unknown',
        steps: 2,
        durationMs: 4_000,
        anomalies: 0,
        unknownBecause: 'the drain did not settle',
      },
      { run: 'run-003', phase: 'shrink', valid: false, steps: 1, durationMs: 3_000, anomalies: 1 },
    ],
    counterexample: {
      steps: 2,
      path: '1:0',
      replay: 'npx outbox-chaos replay --seed 42 --path 1:0',
      runsToCatch: 1,
      shrinkRuns: 2,
      run: 'run-003',
      schedule: {
        concurrency: { writers: 1, relays: 1, consumers: 1, partitions: 1 },
        load: {
          rate: 50,
          aggregates: 8,
          skew: 0,
          durationMs: 3_000,
          shapes: { multi: false, transfer: false, rollback: false, crash: false, long: true },
          seed: 7,
        },
        faults: [{ fault: 'partition', params: { link: 'relay-kafka' }, atMs: 1_000, windowMs: 900 }],
      },
    },
    ...over,
  };
}

describe('JUnit XML', () => {
  it('one case per execution and one for the verdict; violations are failures, unknowns errors', () => {
    const xml = junitXml(results());
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<testsuite name="reference\+mark-before-ack.relay-crash" tests="4" failures="3" errors="1"/);
    expect(xml).toContain('<error type="unknown" message="the drain did not settle"/>');
    expect(xml).toContain(
      '<failure type="lost" message="lost">lost: 2 committed event(s) never reached Kafka &amp; &quot;were&quot; lost [e-&lt;1&gt;, e2]',
    );
    expect(xml).toContain('<property name="seed" value="42"/>');
  });

  it('a valid scenario has no failure and no error', () => {
    const xml = junitXml(
      results({
        valid: true,
        anomalies: [],
        unknownRuns: [],
        counterexample: null,
        runs: [{ run: 'run-001', phase: 'generated', valid: true, steps: 3, durationMs: 1_000, anomalies: 0 }],
      }),
    );
    expect(xml).not.toMatch(/<failure|<error/);
    expect(xml).toMatch(/tests="2" failures="0" errors="0"/);
  });
});

describe('report page', () => {
  it('escapes what the SUT and the checker wrote, and inlines the chart library', () => {
    const html = renderReport({ results: results(), history: HISTORY, events: [] });
    expect(html).toContain('<code>e-&lt;1&gt;</code>');
    expect(html).not.toContain('e-<1>');
    expect(html).toMatch(/<tr class="anomaly" data-kind="lost">/);
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched
    expect(html).toContain('<li>fault   at 1 s: partition relay-kafka for 900 ms</li></ul>');
    // The load runs its 3 s, or until a tail after the last heal (1 s + 900 ms + 1 s), whichever is later.
    expect(html).toContain(
      '<li>load    50 writes/s by 1 writer(s) over 8 aggregates (uniform); shapes single, long; for 3 s</li>',
    );
  });

  it('shows the first 25 anomalies and sums up the rest by kind, and says how much the runs exercised', () => {
    const many = Array.from(
      { length: 40 },
      (_, i) =>
        ({ kind: i < 30 ? 'lost' : 'order', eventIds: [`e${i}`], aggregateId: `acct-${i}`, detail: 'x' }) as const,
    );
    const power = { committedEvents: 12, faults: [], crashPoints: [], faultFree: true, vacuous: null };
    const summary = {
      runs: 3,
      medianCommittedEvents: 12,
      minCommittedEvents: 0,
      totalCommittedEvents: 30,
      runsAllFaultsMetWork: 1,
      runsWithFaults: 2,
      faultFreeRuns: 1,
      vacuousRuns: 1,
      redrawnRuns: 0,
      crashPointsArmed: 2,
      crashPointsFired: 0,
    };
    const html = renderReport({
      results: results({
        anomalies: many,
        power: summary,
        runs: [{ run: 'run-003', phase: 'generated', valid: false, steps: 1, durationMs: 1, anomalies: 2, power }],
      }),
      history: HISTORY,
      events: [],
    });
    expect(html.match(/<tr class="anomaly"/g)).toHaveLength(25);
    expect(html).toContain('and 15 more (5 lost, 10 order): every one is in results.json');
    expect(html).toContain(
      'committed events per run: median 12, least 0, 30 in all; runs whose every fault met work in flight: 1 of 2',
    );
    expect(html).toContain('1 of 3 run(s) were vacuous: they exercised nothing and were judged unknown');
    expect(html).toContain('low power: a median of 12 committed events per run');
    expect(html).toContain('2 crash point(s) armed, none fired');
    expect(html).toContain('The run shown was fault-free: load only.');
  });
});

describe('report folders', () => {
  const dir = tempDir('outbox-report-');
  afterAll(() => removeTempDir(dir));

  it('the index lists every run folder with its verdict, and names the folders it could not read', () => {
    for (const [name, r] of [
      ['2026-a-ok', results({ valid: true, anomalies: [] })],
      ['2026-b-bad', results()],
    ] as const) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'results.json'), JSON.stringify(r));
    }
    fs.mkdirSync(path.join(dir, '2026-c-broken'));
    fs.writeFileSync(path.join(dir, '2026-c-broken', 'results.json'), '{ not json');
    fs.mkdirSync(path.join(dir, 'not-a-run'));
    const index = rebuildIndex(dir, { pages: true });
    expect(index.reports).toBe(2);
    expect(index.skipped).toEqual([expect.objectContaining({ folder: '2026-c-broken' })]);
    const html = fs.readFileSync(index.file, 'utf8');
    expect(html).toContain('2 run(s): 1 valid, 1 invalid, 0 unknown.');
    expect(html).toMatch(/<tr class="invalid" data-verdict="invalid"><td><a href="2026-b-bad\/report.html">/);
    expect(html).not.toContain('not-a-run');
    for (const name of ['2026-a-ok', '2026-b-bad']) {
      expect(fs.existsSync(path.join(dir, name, 'report.html'))).toBe(true);
      expect(fs.existsSync(path.join(dir, name, 'junit.xml'))).toBe(true);
    }
    // What the user made stays: the unreadable folder is untouched.
    expect(fs.readFileSync(path.join(dir, '2026-c-broken', 'results.json'), 'utf8')).toBe('{ not json');
  });

  it('a folder that is not a report is one clear error', () => {
    expect(() => readScenarioResults(dir)).toThrow(/cannot read .*results.json: no such file; is .* a report folder/);
    expect(() => rebuildIndex(path.join(dir, 'missing'))).toThrow(/cannot read the report folder .*: no such folder/);
  });

  it('a history cut short by a crash keeps every complete line', () => {
    const file = path.join(dir, 'history.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(HISTORY[0])}\n${JSON.stringify(HISTORY[1])}\n{"index":2,"wa`);
    expect(readHistory(file)).toHaveLength(2);
  });
});
