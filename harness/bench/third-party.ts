import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../common/paths.ts';
import { loadManifest } from '../sut/manifest.ts';
import { relayDrain, type BenchContext, type DrainFigure } from './drain.ts';
import { DrainStalled } from './measure.ts';
import { preloadLibraryOutbox } from './workload.ts';

const LIBRARY_MANIFEST = path.join(PROJECT_ROOT, 'thirdparty', 'pg-transactional-outbox', 'outbox-chaos.polling.json');

/**
 * The comparison relay lives in thirdparty/, which only a clone of the repository has: the npm
 * package leaves it (and its library) out, so there the bench runs without it.
 */
export function libraryAvailable(): boolean {
  return fs.existsSync(LIBRARY_MANIFEST);
}

export interface ThirdPartyFigure {
  readonly name: string;
  /** Null when it never delivered every event (see stalled). */
  readonly eventsPerSec: number | null;
  readonly runs: readonly DrainFigure[];
  /** It stopped short: how many events Kafka held when nothing more came for a minute. */
  readonly stalled?: { readonly delivered: number; readonly events: number };
}

/** pg-transactional-outbox's polling relay, one replica, on the same events, at the largest batch size. */
export async function libraryDrain(
  reference: BenchContext,
  o: { events: number; batchSize: number },
  log: (l: string) => void,
): Promise<ThirdPartyFigure> {
  const def = loadManifest(LIBRARY_MANIFEST);
  await reference.stack.prepareTemplate('bench_library_template', def.schemaSql);
  const ctx: BenchContext = { ...reference, def, template: 'bench_library_template', preload: preloadLibraryOutbox };
  const batchSize = o.batchSize;
  try {
    const figure = await relayDrain(ctx, { events: o.events, replicas: 1, batchSize });
    log(`${def.name} relay, batch ${batchSize}: ${figure.eventsPerSec} events/s (${(figure.ms / 1000).toFixed(1)} s)`);
    return { name: def.name, eventsPerSec: figure.eventsPerSec, runs: [figure] };
  } catch (err) {
    // A third party that never finishes is a finding to report, not a reason to lose the run.
    if (!(err instanceof DrainStalled)) throw err;
    log(`${def.name} relay, batch ${batchSize}: stalled: ${err.message}`);
    return { name: def.name, eventsPerSec: null, runs: [], stalled: { delivered: err.seen, events: err.count } };
  }
}

/** "N events/s", or how far a relay that stalled got. */
export function thirdPartyFigure(t: ThirdPartyFigure): string {
  return t.stalled
    ? `stalled: ${t.stalled.delivered} of ${t.stalled.events} events reached Kafka, then none for a minute`
    : `${t.eventsPerSec} events/s`;
}
