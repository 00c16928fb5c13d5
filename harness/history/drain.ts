import { describeError } from '../common/errors.ts';
import { readWhileTopicSettles, withKafkaAdmin } from '../infra/kafka-client.ts';
import type { RunEnv } from '../infra/stack.ts';
import type { SutDefinition } from '../sut/definition.ts';
import { readFinalDbState } from './observe.ts';

/** How the end-of-run drain went: a drain that did not settle leaves absences undecidable. */
export interface DrainOutcome {
  /** Everything committed reached Kafka and every effect was applied. */
  readonly converged: boolean;
  /** Nothing changed for the quiet period: the final state is final, even if incomplete. */
  readonly settled: boolean;
  /** From the last heal until converged; null when it never converged. */
  readonly convergenceMs: number | null;
  /** Only when it neither converged nor settled: what the last look saw, so that an 'unknown' says why. */
  readonly lastSeen?: string;
}

export interface DrainOptions {
  /** When the last fault was healed (ms since epoch); convergence is measured from here. */
  readonly lastHealAt: number;
  /** Give up after this long; an unsettled drain makes absences undecidable. */
  readonly timeoutMs: number;
  /**
   * The state counts as final once nothing changed for this long. It must exceed the SUT's
   * longest retry backoff, or a pending retry would be mistaken for a loss.
   */
  readonly quietMs: number;
  readonly pollMs?: number;
  /** True while some SUT process is still starting up; quiet time does not count then. */
  readonly starting?: () => boolean;
}

/** How long a complete state must stay unchanged before it counts as converged. */
const CONFIRM_MS = 1_000;

interface Progress {
  readonly complete: boolean;
  readonly committed: number;
  /** Records in the topic, summed over its partitions' high watermarks. */
  readonly high: number;
  readonly effects: number;
  readonly deadLettered: number;
  /** Records the SUT's consumer group has not committed yet; work that is certainly still due. */
  readonly lag: number;
}

/** Any change in these counts is the SUT still moving. */
const fingerprint = (p: Progress) => `${p.committed}|${p.high}|${p.effects}|${p.deadLettered}|${p.lag}`;

/** Everything committed is applied, and nothing is moving any more. Read directly, never through a proxy. */
async function probe(run: RunEnv, def: SutDefinition): Promise<Progress> {
  const db = await readFinalDbState(run.pgUrl('direct'), def);
  let high = 0;
  let lag = 0;
  await withKafkaAdmin(run.kafkaBrokers('direct'), 'outbox-chaos-drain', async (admin) => {
    const ends = await readWhileTopicSettles(() => admin.fetchTopicOffsets(run.topic));
    const committed = def.consumerCommitsOffsets
      ? ((await readWhileTopicSettles(() => admin.fetchOffsets({ groupId: run.groupId, topics: [run.topic] })))[0]
          ?.partitions ?? [])
      : [];
    for (const end of ends) {
      high += Number(end.high);
      if (!def.consumerCommitsOffsets) continue;
      const at = Number(committed.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += Math.max(0, Number(end.high) - Math.max(at, Number(end.low)));
    }
  });
  const applied = new Set(db.effects.map((e) => e.eventId));
  const dead = new Set(db.deadLettered);
  const complete = db.committed.every((c) => applied.has(c.eventId) || dead.has(c.eventId));
  return {
    complete,
    committed: db.committed.length,
    high,
    effects: db.effects.length,
    deadLettered: dead.size,
    lag,
  };
}

/**
 * Waits for the SUT to deliver and apply everything after the faults are healed. Returns
 * converged when it did; settled when it stopped changing without converging and its consumer
 * group had nothing left to read (the final state is final, and whatever is missing is missing);
 * neither when it was still changing, or still behind, at the end.
 */
export async function drain(run: RunEnv, def: SutDefinition, options: DrainOptions): Promise<DrainOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 250;
  let last: string | undefined;
  let unchangedSince = Date.now();
  let completeSince: number | undefined;
  let lastLook: Progress | string = 'no look finished';
  while (Date.now() < deadline) {
    let progress: Progress | undefined;
    try {
      progress = await probe(run, def);
      lastLook = progress;
    } catch (err) {
      progress = undefined; // the observer could not look; that is not a change, nor evidence
      lastLook = `the observer could not look: ${describeError(err)}`;
    }
    if (options.starting?.()) {
      unchangedSince = Date.now(); // a booting relay has not had its chance to deliver yet
      completeSince = undefined;
      last = undefined;
    } else if (progress && fingerprint(progress) !== last) {
      last = fingerprint(progress);
      unchangedSince = Date.now();
      if (progress.complete && progress.lag === 0) completeSince ??= Date.now();
      else completeSince = undefined;
    } else if (progress && progress.lag === 0) {
      const quiet = Date.now() - unchangedSince;
      // Converged: everything applied, nothing left to consume, and still so a moment later, so
      // that a republished duplicate on its way is seen too. A consumer that is behind (rejoining
      // its group after a crash, say) is not finished either way.
      if (progress.complete && quiet >= CONFIRM_MS) {
        return {
          converged: true,
          settled: true,
          convergenceMs: Math.max(0, (completeSince ?? Date.now()) - options.lastHealAt),
        };
      }
      if (quiet >= options.quietMs) return { converged: false, settled: true, convergenceMs: null };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const lastSeen = typeof lastLook === 'string' ? lastLook : describeProgress(lastLook, Date.now() - unchangedSince);
  return { converged: false, settled: false, convergenceMs: null, lastSeen };
}

function describeProgress(p: Progress, unchangedMs: number): string {
  return (
    `${p.committed} committed, ${p.high} in Kafka, ${p.effects} effects, consumer lag ${p.lag}, ` +
    `${p.complete ? 'all' : 'not all'} applied, unchanged for ${unchangedMs} ms`
  );
}
