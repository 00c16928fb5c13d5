import type { EventTimes } from '../history/event-times.ts';
import type { HistoryEvent } from '../history/history.ts';
import { LINK_NAMES } from '../infra/links.ts';

/**
 * The report's view of one run, in seconds since the run began: lanes (services, links, SUT
 * processes, writes), the spans on them (fault windows, downtime, pauses), point marks, and
 * the phase lines. Pure, so it is tested without a browser.
 */
export interface Lane {
  readonly id: string;
  readonly label: string;
  readonly group: 'service' | 'link' | 'process' | 'writes';
}

export interface Span {
  readonly lane: string;
  readonly from: number;
  readonly to: number;
  /** The fault's name for fault windows; 'down' or 'paused' for what happened to a process. */
  readonly kind: string;
  readonly label: string;
  readonly fault: boolean;
}

export interface Mark {
  readonly lane: string;
  readonly at: number;
  readonly kind: string;
  readonly label: string;
}

export interface Timeline {
  readonly t0: number;
  readonly duration: number;
  readonly lanes: readonly Lane[];
  readonly spans: readonly Span[];
  readonly marks: readonly Mark[];
  readonly phases: readonly { at: number; label: string }[];
}

const SERVICES = ['kafka', 'postgres'];

export function buildTimeline(history: readonly HistoryEvent[]): Timeline {
  const t0 = history[0]?.wall ?? 0;
  const end = history.at(-1)?.wall ?? t0;
  const s = (wall: number) => (wall - t0) / 1000;
  const spans: Span[] = [];
  const marks: Mark[] = [];
  const phases: { at: number; label: string }[] = [];
  const processes = new Set<string>();
  const faultStarts = new Map<string, { wall: number; fault: string; target: string }>();
  const down = new Map<string, number>();
  const paused = new Map<string, number>();

  for (const e of history) {
    switch (e.type) {
      case 'fault-start':
        faultStarts.set(e.faultId, { wall: e.wall, fault: e.fault, target: e.target });
        break;
      case 'fault-end': {
        const start = faultStarts.get(e.faultId);
        faultStarts.delete(e.faultId);
        const from = s(start?.wall ?? e.wall);
        const label = e.detail ? `${e.target}: ${e.detail}` : e.target;
        for (const lane of e.affects?.length ? e.affects : ['nemesis']) {
          if (lane.startsWith('process:')) processes.add(lane.slice('process:'.length));
          spans.push({ lane, from, to: s(e.wall), kind: e.fault, label, fault: true });
        }
        break;
      }
      case 'process': {
        processes.add(e.process);
        const lane = `process:${e.process}`;
        if (e.what === 'killed' || e.what === 'exited' || e.what === 'stopped') {
          if (!down.has(e.process)) down.set(e.process, e.wall);
          marks.push({
            lane,
            at: s(e.wall),
            kind: e.what,
            label: `${e.process} ${e.what}${e.detail ? ` (${e.detail})` : ''}`,
          });
        } else if (e.what === 'started') {
          const since = down.get(e.process);
          down.delete(e.process);
          if (since !== undefined)
            spans.push({ lane, from: s(since), to: s(e.wall), kind: 'down', label: `${e.process} down`, fault: false });
          marks.push({ lane, at: s(e.wall), kind: 'started', label: `${e.process} started (pid ${e.pid})` });
        } else if (e.what === 'paused') {
          paused.set(e.process, e.wall);
        } else if (e.what === 'resumed') {
          const since = paused.get(e.process);
          paused.delete(e.process);
          if (since !== undefined)
            spans.push({
              lane,
              from: s(since),
              to: s(e.wall),
              kind: 'paused',
              label: `${e.process} paused`,
              fault: false,
            });
        }
        break;
      }
      case 'phase':
        phases.push({ at: s(e.wall), label: e.phase });
        break;
      case 'ok':
      case 'fail':
      case 'info':
        marks.push({
          lane: 'writes',
          at: s(e.wall),
          kind: e.type,
          label: `${e.opId} ${e.type}${e.error ? `: ${e.error}` : ''}`,
        });
        break;
      case 'invoke':
        break;
    }
  }
  // A fault with no recorded end was still on when the history stops.
  for (const [, f] of faultStarts)
    spans.push({
      lane: 'nemesis',
      from: s(f.wall),
      to: s(end),
      kind: f.fault,
      label: `${f.target} (no end recorded)`,
      fault: true,
    });
  for (const [p, since] of paused)
    spans.push({
      lane: `process:${p}`,
      from: s(since),
      to: s(end),
      kind: 'paused',
      label: `${p} paused`,
      fault: false,
    });

  const order = (name: string) => ['app', 'relay', 'consumer'].findIndex((r) => name.startsWith(r));
  // A service or link a fault hit that the fixed lanes do not name still gets a lane of its own,
  // so a new fault never draws into nothing.
  const hit = (group: 'service' | 'link', fixed: readonly string[]) => [
    ...fixed,
    ...new Set(
      spans
        .flatMap((x) => (x.lane.startsWith(`${group}:`) ? [x.lane.slice(group.length + 1)] : []))
        .filter((id) => !fixed.includes(id)),
    ),
  ];
  const lanes: Lane[] = [
    ...hit('service', SERVICES).map((id): Lane => ({ id: `service:${id}`, label: id, group: 'service' })),
    ...hit('link', LINK_NAMES).map((id): Lane => ({ id: `link:${id}`, label: id, group: 'link' })),
    ...[...processes]
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b, 'en', { numeric: true }))
      .map((p): Lane => ({ id: `process:${p}`, label: p, group: 'process' })),
    { id: 'writes', label: 'writes', group: 'writes' },
  ];
  if (spans.some((x) => x.lane === 'nemesis')) lanes.push({ id: 'nemesis', label: 'nemesis', group: 'service' });
  return { t0, duration: Math.max(s(end), 0.001), lanes, spans, marks, phases };
}

export interface Series {
  /** Bucket starts, seconds since the run began. */
  readonly x: number[];
  readonly committed: number[];
  readonly published: number[];
  readonly applied: number[];
  readonly bucketSeconds: number;
}

/** Events per second committed, first published and first applied, in equal time buckets. */
export function throughputSeries(events: readonly EventTimes[], t0: number, duration: number): Series {
  const bucketSeconds = Math.max(0.25, Math.ceil((duration / 120) * 4) / 4);
  const n = Math.max(1, Math.ceil(duration / bucketSeconds));
  const x = Array.from({ length: n }, (_, i) => i * bucketSeconds);
  const counts = () => new Array<number>(n).fill(0);
  const committed = counts();
  const published = counts();
  const applied = counts();
  const add = (arr: number[], wall: number | null) => {
    if (wall === null) return;
    const i = Math.floor((wall - t0) / 1000 / bucketSeconds);
    if (i >= 0 && i < n) arr[i]! += 1 / bucketSeconds;
  };
  for (const e of events) {
    add(committed, e.committedAt);
    add(published, e.publishedAt);
    add(applied, e.appliedAt);
  }
  return { x, committed, published, applied, bucketSeconds };
}

export interface LatencyPoints {
  /** Commit time, seconds since the run began, ascending. */
  readonly x: number[];
  readonly publishMs: (number | null)[];
  readonly effectMs: (number | null)[];
}

/** Per committed event: commit -> first publish and commit -> first effect, by commit time. */
export function latencyPoints(events: readonly EventTimes[], t0: number): LatencyPoints {
  const rows = events
    .filter((e): e is EventTimes & { committedAt: number } => e.committedAt !== null)
    .map((e) => ({
      x: (e.committedAt - t0) / 1000,
      p: e.publishedAt === null ? null : Math.max(0, e.publishedAt - e.committedAt),
      a: e.appliedAt === null ? null : Math.max(0, e.appliedAt - e.committedAt),
    }))
    .sort((a, b) => a.x - b.x);
  return { x: rows.map((r) => r.x), publishMs: rows.map((r) => r.p), effectMs: rows.map((r) => r.a) };
}
