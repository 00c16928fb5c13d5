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
import { applyRate, drainLine, steadyLine } from './lines.ts';
import { bestDrain, countShortfalls } from './outcome.ts';
import { measureRepeatedly, slowerFirst } from './repeat.ts';
import { steadyState, writerCeiling, type SteadyFigure } from './steady.ts';
import type { BenchReport, Repeats, SutReport } from './types.ts';
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
  /** How long the writers run at each rate before the window starts; 2 s by default. */
  readonly steadyWarmUpSeconds?: number;
  /** Measure the PostgreSQL and Kafka limits. */
  readonly limits: boolean;
  /** Concurrencies the limits are measured at (the best counts). */
  readonly limitConcurrencies?: readonly number[];
  /** The most one drain may take; a relay still short of the backlog then is reported as such. */
  readonly drainTimeoutSeconds?: number;
  /** How long Kafka may gain nothing before a drain (or the consumer) counts as stalled; 60 by default. */
  readonly stallSeconds?: number;
  /** Events each drain relays, unmeasured, before its backlog commits; 5,000 by default. */
  readonly warmUpEvents?: number;
  /** How many times each drain, steady run and limit is measured (the median is reported); 3 by default. */
  readonly repeat?: number;
  readonly log?: (line: string) => void;
}

const PARTITIONS = 4;
const WRITER_CEILING_MS = 3_000;
/** Defaults of the warm-ups, shared with the CLI's flags. */
export const DEFAULT_WARM_UP_EVENTS = 5_000;
export const DEFAULT_STEADY_WARM_UP_SECONDS = 2;
export const DEFAULT_REPEAT = 3;

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
  const warmUpEvents = options.warmUpEvents ?? DEFAULT_WARM_UP_EVENTS;
  const repeat = options.repeat ?? DEFAULT_REPEAT;
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new HarnessError(`repeat takes a whole number >= 1, not ${repeat}`);
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
    const drafts: SutDraft[] = [];
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
        stallMs: (options.stallSeconds ?? 60) * 1000,
        warmUpEvents,
      };
      const draft: SutDraft = {
        name: def.name,
        manifest: path.relative(process.cwd(), manifest) || manifest,
        curve: [],
        drains: [],
        apply: null,
        writerCeiling: null,
        steady: [],
      };
      drafts.push(draft);
      try {
        await benchSut(ctx, draft, { ...options, repeat }, log);
      } catch (err) {
        // One SUT that cannot be measured (it crashes, it never starts) is a finding for the
        // table, not a reason to lose every other SUT's figures, nor its own figures so far.
        draft.error = describeError(err);
        log(`${def.name}: not measured: ${draft.error}`);
      }
    }
    let limits: Limits | null = null;
    if (options.limits) {
      const fastest = bestDrain(drafts.flatMap((r) => r.drains));
      const batchSize = fastest?.batchSize ?? Math.max(...options.batchSizes);
      limits = await measureLimits(
        stack,
        {
          events: options.events,
          batchSize,
          concurrencies: options.limitConcurrencies ?? [1, 2, 4, 8],
          partitions: PARTITIONS,
          repeat,
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
      warmUpEvents,
      repeat,
      partitions: PARTITIONS,
      aggregates: BENCH_AGGREGATES,
      limits,
      suts: drafts.map((d) => finishSut(d, options.steadySeconds, limits)),
    };
  } finally {
    await stack.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
    untrackDir(logDir);
  }
}

/** What benchSut has measured of one SUT so far: every figure is pushed as soon as it is taken. */
interface SutDraft {
  readonly name: string;
  readonly manifest: string;
  error?: string;
  readonly curve: (DrainFigure & Repeats)[];
  readonly drains: (DrainFigure & Repeats)[];
  apply: ApplyFigure | null;
  writerCeiling: number | null;
  readonly steady: (SteadyFigure & Repeats)[];
}

/** The best drain's rate over a limit's, to three places; null without either. */
const fractionOf = (best: DrainFigure | null, limit: number | undefined): number | null =>
  limit && best?.eventsPerSec ? Math.round((best.eventsPerSec / limit) * 1000) / 1000 : null;

/** The figures derived from a draft's own: the best drain, the rate sustained, the fraction of the limits, the shortfalls. */
function finishSut(d: SutDraft, windowSeconds: number, limits: Limits | null): SutReport {
  const best = bestDrain(d.drains);
  const sustained = d.steady.filter((f) => f.sustained).map((f) => f.rate);
  return {
    name: d.name,
    ...(d.error !== undefined ? { error: d.error } : {}),
    manifest: d.manifest,
    curve: d.curve,
    drains: d.drains,
    best,
    fractionOfLimit: fractionOf(best, limits?.eventsPerSec),
    fractionOfTogether: fractionOf(best, limits?.together.eventsPerSec),
    shortfalls: countShortfalls([...d.curve, ...d.drains], d.steady),
    apply: d.apply,
    writerCeiling: d.writerCeiling,
    steady: {
      windowSeconds,
      runs: d.steady,
      sustainedMaxRate: sustained.length ? Math.max(...sustained) : null,
    },
  };
}

async function benchSut(
  ctx: SutBench,
  draft: SutDraft,
  options: BenchOptions & { readonly repeat: number },
  log: (line: string) => void,
): Promise<void> {
  const name = ctx.def.name;
  const batchSizes = ctx.bench.batchSizeEnv ? [...options.batchSizes].sort((a, b) => a - b) : [null];
  const largest = batchSizes[batchSizes.length - 1]!;
  /** One drain shape, measured `repeat` times; the consumer's apply rate, when asked for, after the first run only. */
  const drain = async (o: Parameters<typeof relayDrain>[1], kind: string) => {
    const { kept, runs } = await measureRepeatedly(
      options.repeat,
      async (i) => {
        const result = await relayDrain(ctx, { ...o, applyRate: o.applyRate === true && i === 0 });
        if (options.repeat > 1) log(`${name}  ${kind} run ${i + 1} of ${options.repeat}: ${drainLine(result.drain)}`);
        return result;
      },
      { failed: (r) => r.drain.eventsPerSec === null, worseFirst: slowerFirst((r) => r.drain.eventsPerSec) },
    );
    const figure = { ...kept.drain, perRun: runs.map((r) => r.drain.eventsPerSec) };
    log(`${name}  ${kind}  ${drainLine(figure)}`);
    return { figure, apply: runs.find((r) => r.apply)?.apply };
  };
  for (const backlog of options.backlogs)
    draft.curve.push((await drain({ backlog, replicas: 1, batchSize: largest }, 'curve')).figure);
  const replicas = options.replicas.filter((r) => r <= (ctx.bench.maxReplicas ?? Infinity));
  if (replicas.length < options.replicas.length)
    log(`${name}: at most ${ctx.bench.maxReplicas} relay replica(s), as its manifest says`);
  for (const batchSize of batchSizes) {
    for (const r of replicas) {
      // The consumer's apply rate is measured once, on the topic the first drain filled.
      const measureApply = draft.apply === null && r === replicas[0] && batchSize === largest;
      const result = await drain({ backlog: options.events, replicas: r, batchSize, applyRate: measureApply }, 'drain');
      draft.drains.push(result.figure);
      if (result.apply) {
        draft.apply = result.apply;
        log(`${name}  consumer applies ${applyRate(result.apply)}`);
      }
    }
  }
  const best = bestDrain(draft.drains);
  draft.writerCeiling = await writerCeiling(ctx, WRITER_CEILING_MS);
  log(`${name}  writers' ceiling: ${draft.writerCeiling} one-event transactions/s over 8 connections`);
  for (const rate of options.rates) {
    const { kept, runs } = await measureRepeatedly(
      options.repeat,
      async (i) => {
        const f = await steadyState(ctx, {
          rate,
          windowMs: options.steadySeconds * 1000,
          warmUpMs: (options.steadyWarmUpSeconds ?? DEFAULT_STEADY_WARM_UP_SECONDS) * 1000,
          batchSize: best?.batchSize ?? largest,
        });
        if (options.repeat > 1) log(`${name}  steady run ${i + 1} of ${options.repeat}: ${steadyLine(f)}`);
        return f;
      },
      { failed: (f) => (f.lost ?? 0) > 0, worseFirst: steadyWorseFirst },
    );
    const figure = { ...kept, perRun: runs.map((f) => f.publishMs.p99) };
    log(`${name}  steady ${steadyLine(figure)}`);
    draft.steady.push(figure);
  }
}

/** A run the relay did not keep up with is worse than any it did; then the higher p99 commit->publish. */
function steadyWorseFirst(a: SteadyFigure, b: SteadyFigure): number {
  if (a.sustained !== b.sustained) return a.sustained ? 1 : -1;
  return slowerFirst((f: SteadyFigure) => (f.publishMs.p99 === null ? null : -f.publishMs.p99))(a, b);
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
