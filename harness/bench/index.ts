import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackDir, untrackDir } from '../infra/cleanup.ts';
import { startStack, type StackOptions } from '../infra/index.ts';
import { referenceSut } from '../sut/reference.ts';
import {
  kafkaProducerBaseline,
  pgClaimMarkBaseline,
  relayDrain,
  type BenchContext,
  type DrainFigure,
} from './drain.ts';
import { renderBenchHtml } from './html.ts';
import { formatLatency, steadyState, type SteadyFigure } from './steady.ts';
import { libraryAvailable, libraryDrain } from './third-party.ts';
import type { BenchReport } from './types.ts';
import { preloadOutbox } from './workload.ts';

export type { BenchReport } from './types.ts';

export interface BenchOptions extends Pick<StackOptions, 'provider' | 'basePort' | 'images' | 'kafkaBrokers'> {
  readonly events: number;
  readonly replicas: readonly number[];
  readonly batchSizes: readonly number[];
  /** Steady-state writer rates, events per second; none skips the steady-state part. */
  readonly rates: readonly number[];
  readonly steadySeconds: number;
  /** Also drain the same workload with pg-transactional-outbox's relay (polling mode). */
  readonly thirdParty: boolean;
  readonly log?: (line: string) => void;
}

const PARTITIONS = 4;

/**
 * Drain throughput of the reference relay for every replicas x batch size, the two raw baselines
 * with the largest batch size, pg-transactional-outbox's relay on the same workload, and the
 * steady-state latency at each rate: all on one stack in one run.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const stack = await startStack({
    provider: options.provider,
    basePort: options.basePort,
    images: options.images,
    kafkaBrokers: options.kafkaBrokers,
    log,
  });
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-bench-'));
  trackDir(logDir);
  try {
    const def = referenceSut();
    await stack.prepareTemplate('bench_template', def.schemaSql);
    const ctx: BenchContext = {
      stack,
      def,
      template: 'bench_template',
      preload: preloadOutbox,
      partitions: PARTITIONS,
      logDir,
      timeoutMs: 600_000,
    };
    const runs: DrainFigure[] = [];
    for (const batchSize of options.batchSizes) {
      for (const replicas of options.replicas) {
        const figure = await relayDrain(ctx, { events: options.events, replicas, batchSize });
        log(
          `relay  replicas ${replicas}  batch ${String(batchSize).padStart(4)}: ${figure.eventsPerSec} events/s (${(figure.ms / 1000).toFixed(1)} s, ${figure.duplicates} duplicates)`,
        );
        runs.push(figure);
      }
    }
    const batchSize = Math.max(...options.batchSizes);
    const kafka = await kafkaProducerBaseline(ctx, { events: options.events, batchSize });
    log(`baseline kafkajs producer, batch ${batchSize}: ${kafka.eventsPerSec} events/s`);
    const pg = await pgClaimMarkBaseline(ctx, { events: options.events, batchSize });
    log(`baseline PG claim+mark, batch ${batchSize}: ${pg.eventsPerSec} events/s`);
    const withLibrary = options.thirdParty && libraryAvailable();
    if (options.thirdParty && !withLibrary)
      log('pg-transactional-outbox comparison skipped: it runs from a clone of the outbox-chaos repository');
    const thirdParty = withLibrary ? await libraryDrain(ctx, { events: options.events, batchSize }, log) : undefined;
    const steady: SteadyFigure[] = [];
    for (const rate of options.rates) {
      const figure = await steadyState(ctx, { rate, windowMs: options.steadySeconds * 1000 });
      log(
        `steady ${String(rate).padStart(5)}/s: achieved ${figure.achievedRate}/s, publish p50/p95/p99/max ${formatLatency(figure.publishMs)} ms, ` +
          `effect ${formatLatency(figure.effectMs)} ms, caught up ${figure.catchUpMs} ms after the writers stopped${figure.sustained ? '' : ' (not sustained)'}`,
      );
      steady.push(figure);
    }
    const sustained = steady.filter((f) => f.sustained).map((f) => f.rate);
    const best = runs.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
    return {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      events: options.events,
      partitions: PARTITIONS,
      relay: { eventsPerSec: best.eventsPerSec, best: { replicas: best.replicas, batchSize: best.batchSize }, runs },
      baseline: { kafkaProducerEventsPerSec: kafka.eventsPerSec, pgClaimMarkEventsPerSec: pg.eventsPerSec, batchSize },
      ratio: Math.round((best.eventsPerSec / Math.min(kafka.eventsPerSec, pg.eventsPerSec)) * 100) / 100,
      ...(thirdParty ? { thirdParty } : {}),
      steady: {
        windowSeconds: options.steadySeconds,
        runs: steady,
        sustainedMaxRate: sustained.length ? Math.max(...sustained) : null,
      },
    };
  } finally {
    await stack.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
    untrackDir(logDir);
  }
}

/** The JSON and, next to it, a self-contained HTML plot. */
export function writeBenchReport(report: BenchReport, jsonFile: string): string {
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const html = jsonFile.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(html, renderBenchHtml(report));
  return html;
}
