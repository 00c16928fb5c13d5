import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeError, HarnessError } from '../common/errors.ts';
import { trackDir, untrackDir } from '../infra/cleanup.ts';
import { startStack, type StackOptions } from '../infra/index.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { loadManifest } from '../sut/manifest.ts';
import { REFERENCE_MANIFEST } from '../sut/reference.ts';
import { relayDrain, type ApplyFigure, type DrainFigure, type SutBench } from './drain.ts';
import { renderBenchHtml } from './html.ts';
import { measureLimits, type Limits } from './limits.ts';
import { drainLine, steadyLine } from './lines.ts';
import { steadyState, writerCeiling, type SteadyFigure } from './steady.ts';
import type { BenchReport, SutReport } from './types.ts';
import { BENCH_AGGREGATES } from './workload.ts';

export type { BenchReport, SutReport } from './types.ts';

export interface BenchOptions extends Pick<StackOptions, 'provider' | 'basePort' | 'images' | 'kafkaBrokers'> {
  /** Manifest paths, or "reference" for the reference's own manifest. */
  readonly suts: readonly string[];
  /** The main backlog: events per drain in the replicas x batch size runs, and for the limits. */
  readonly events: number;
  /** Backlog sizes for the drain-rate curve (one replica, the largest batch size). */
  readonly backlogs: readonly number[];
  readonly replicas: readonly number[];
  readonly batchSizes: readonly number[];
  /** Steady-state writer rates, events per second; none skips the steady-state part. */
  readonly rates: readonly number[];
  readonly steadySeconds: number;
  /** Measure the PostgreSQL and Kafka limits. */
  readonly limits: boolean;
  /** Concurrencies the limits are measured at (the best counts). */
  readonly limitConcurrencies?: readonly number[];
  /** The most one drain may take; a relay still short of the backlog then is reported as such. */
  readonly drainTimeoutSeconds?: number;
  readonly log?: (line: string) => void;
}

const PARTITIONS = 4;
const WRITER_CEILING_MS = 3_000;

/** A --sut entry: "reference", or a manifest path; a SUT without a bench section cannot be measured. */
export function loadBenchSut(entry: string): { def: SutDefinition; manifest: string } {
  const manifest = entry === 'reference' ? REFERENCE_MANIFEST : path.resolve(entry);
  const def = loadManifest(manifest);
  if (!def.bench)
    throw new HarnessError(
      `${def.name} (${manifest}) has no "bench" section, so bench cannot preload its outbox: see docs/sut-contract.md`,
    );
  return { def, manifest };
}

/**
 * Every SUT named, on one stack, with the same events and the same figures, each reached only
 * through its manifest; then the limits the fastest relay is held against.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  // Every manifest is read (and its prepare step run) before a stack starts: a bad one fails fast.
  const suts = options.suts.map(loadBenchSut);
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
    const reports: Omit<SutReport, 'fractionOfLimit'>[] = [];
    for (const [i, { def, manifest }] of suts.entries()) {
      const template = `bench_template_${i}`;
      await stack.prepareTemplate(template, def.schemaSql);
      const ctx: SutBench = {
        stack,
        def,
        bench: def.bench!,
        template,
        partitions: PARTITIONS,
        logDir,
        timeoutMs: (options.drainTimeoutSeconds ?? 600) * 1000,
        stallMs: 60_000,
      };
      try {
        reports.push(await benchSut(ctx, manifest, options, log));
      } catch (err) {
        // One SUT that cannot be measured (it crashes, it never starts) is a finding for the
        // table, not a reason to lose every other SUT's figures.
        const error = describeError(err);
        log(`${def.name}: not measured: ${error}`);
        reports.push({
          name: def.name,
          error,
          manifest: path.relative(process.cwd(), manifest) || manifest,
          curve: [],
          drains: [],
          best: null,
          apply: null,
          writerCeiling: null,
          steady: { windowSeconds: options.steadySeconds, runs: [], sustainedMaxRate: null },
        });
      }
    }
    let limits: Limits | null = null;
    if (options.limits) {
      const fastest = reports
        .flatMap((r) => r.drains)
        .filter((d) => d.eventsPerSec !== null)
        .reduce<DrainFigure | undefined>((a, b) => (a && a.eventsPerSec! >= b.eventsPerSec! ? a : b), undefined);
      const batchSize = fastest?.batchSize ?? Math.max(...options.batchSizes);
      limits = await measureLimits(
        stack,
        {
          events: options.events,
          batchSize,
          concurrencies: options.limitConcurrencies ?? [1, 2, 4, 8],
          partitions: PARTITIONS,
        },
        log,
      );
    }
    return {
      date: new Date().toISOString(),
      machine: {
        host: os.hostname(),
        cpus: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      events: options.events,
      partitions: PARTITIONS,
      aggregates: BENCH_AGGREGATES,
      limits,
      suts: reports.map((r) => ({
        ...r,
        fractionOfLimit:
          limits && r.best?.eventsPerSec ? Math.round((r.best.eventsPerSec / limits.eventsPerSec) * 1000) / 1000 : null,
      })),
    };
  } finally {
    await stack.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
    untrackDir(logDir);
  }
}

async function benchSut(
  ctx: SutBench,
  manifest: string,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<Omit<SutReport, 'fractionOfLimit'>> {
  const name = ctx.def.name;
  const batchSizes = ctx.bench.batchSizeEnv ? [...options.batchSizes].sort((a, b) => a - b) : [null];
  const largest = batchSizes[batchSizes.length - 1]!;
  const curve: DrainFigure[] = [];
  for (const backlog of options.backlogs) {
    const { drain } = await relayDrain(ctx, { backlog, replicas: 1, batchSize: largest });
    log(`${name}  curve  ${drainLine(drain)}`);
    curve.push(drain);
  }
  const replicas = options.replicas.filter((r) => r <= (ctx.bench.maxReplicas ?? Infinity));
  if (replicas.length < options.replicas.length)
    log(`${name}: at most ${ctx.bench.maxReplicas} relay replica(s), as its manifest says`);
  const drains: DrainFigure[] = [];
  let apply: ApplyFigure | null = null;
  for (const batchSize of batchSizes) {
    for (const r of replicas) {
      // The consumer's apply rate is measured once, on the topic the first drain filled.
      const measureApply = apply === null && r === replicas[0] && batchSize === largest;
      const result = await relayDrain(ctx, {
        backlog: options.events,
        replicas: r,
        batchSize,
        applyRate: measureApply,
      });
      log(`${name}  drain  ${drainLine(result.drain)}`);
      drains.push(result.drain);
      if (result.apply) {
        apply = result.apply;
        log(
          `${name}  consumer applies ${apply.effectsPerSec === null ? `nothing more after ${apply.applied} of ${apply.events} (stalled)` : `${apply.effectsPerSec} effects/s`}`,
        );
      }
    }
  }
  const delivered = drains.filter((d) => d.eventsPerSec !== null);
  const best = delivered.length ? delivered.reduce((a, b) => (b.eventsPerSec! > a.eventsPerSec! ? b : a)) : null;
  const ceiling = await writerCeiling(ctx, WRITER_CEILING_MS);
  log(`${name}  writers' ceiling: ${ceiling} one-event transactions/s over 8 connections`);
  const steady: SteadyFigure[] = [];
  for (const rate of options.rates) {
    const figure = await steadyState(ctx, {
      rate,
      windowMs: options.steadySeconds * 1000,
      batchSize: best?.batchSize ?? largest,
    });
    log(`${name}  steady ${steadyLine(figure)}`);
    steady.push(figure);
  }
  const sustained = steady.filter((f) => f.sustained).map((f) => f.rate);
  return {
    name,
    manifest: path.relative(process.cwd(), manifest) || manifest,
    curve,
    drains,
    best,
    apply,
    writerCeiling: ceiling,
    steady: {
      windowSeconds: options.steadySeconds,
      runs: steady,
      sustainedMaxRate: sustained.length ? Math.max(...sustained) : null,
    },
  };
}

/** The JSON and, next to it, a self-contained HTML page of the same figures. */
export function writeBenchReport(report: BenchReport, jsonFile: string): string {
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const base = jsonFile.replace(/\.json$/, '');
  const html = `${base}.html`;
  fs.writeFileSync(html, renderBenchHtml(report));
  return html;
}
