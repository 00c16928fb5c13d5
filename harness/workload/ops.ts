import { aggregateName, EXTRA_SHAPES, type Load, type TxShape } from './schedule.ts';

/** One business write, as the load decided it; the writer turns it into a request. */
export interface PlannedWrite {
  readonly shape: TxShape;
  readonly aggregate: string;
  /** The account credited by a transfer. */
  readonly to?: string;
  /** Events in one transaction on one aggregate (multi). */
  readonly repeat?: number;
  /** How long the transaction stays open before COMMIT (long, crash). */
  readonly holdMs?: number;
  readonly amount: number;
}

/**
 * How often each shape is drawn when enabled, against single writes. Rare shapes are rare on
 * purpose: an app crash stops every write in flight, and a long transaction ties up a connection.
 */
const WEIGHTS: Readonly<Record<TxShape, number>> = {
  single: 8,
  multi: 3,
  transfer: 3,
  rollback: 1,
  long: 0.5,
  crash: 0.05,
};

/** How long a long transaction stays open, and when the app is killed under a crash write. */
export const LONG_HOLD_MS = { min: 300, max: 2_500 } as const;
export const CRASH_HOLD_MS = 1_500;
/** Long transactions spread over this many aggregates of their own. */
export const LONG_AGGREGATES = 4;
export const CRASH_AFTER_MS = 300;

/** A small fast PRNG: the same seed gives the same sequence on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Picks an aggregate index: u^(1+skew) crowds the draws towards index 0, so the first few
 * aggregates are hot and the tail is cold.
 */
function pickIndex(random: () => number, n: number, skew: number): number {
  return Math.min(n - 1, Math.floor(n * Math.pow(random(), 1 + skew)));
}

/** The k-th write of a load: a pure function of the load and k, so a replay draws the same writes. */
export function planWrite(load: Load, k: number): PlannedWrite {
  const random = mulberry32((load.seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0);
  const enabled: TxShape[] = ['single', ...EXTRA_SHAPES.filter((s) => load.shapes[s])];
  const total = enabled.reduce((sum, s) => sum + WEIGHTS[s], 0);
  let roll = random() * total;
  let shape: TxShape = 'single';
  for (const s of enabled) {
    roll -= WEIGHTS[s];
    if (roll < 0) {
      shape = s;
      break;
    }
  }
  return withShape(load, shape, random);
}

/** The same write drawn as another shape (a capped shape falls back to single). */
export function reshape(load: Load, write: PlannedWrite, shape: TxShape, k: number): PlannedWrite {
  if (write.shape === shape) return write;
  return withShape(load, shape, mulberry32((load.seed ^ Math.imul(k + 7, 0x85ebca6b)) >>> 0));
}

function withShape(load: Load, shape: TxShape, random: () => number): PlannedWrite {
  const n = Math.max(1, load.aggregates);
  const index = pickIndex(random, n, load.skew);
  const amount = 1 + Math.floor(random() * 9);
  const aggregate = aggregateName(index);
  switch (shape) {
    case 'transfer': {
      if (n < 2) return { shape: 'single', aggregate, amount };
      let other = pickIndex(random, n, load.skew);
      if (other === index) other = (index + 1 + Math.floor(random() * (n - 1))) % n;
      return { shape, aggregate, to: aggregateName(other), amount };
    }
    case 'multi':
      return { shape, aggregate, repeat: 2 + Math.floor(random() * 3), amount };
    case 'long':
      // On aggregates of their own, just past the key space: a long transaction holds its
      // aggregate's row lock, and on a shared one every writer that drew it would queue behind
      // it, which stalls the load and measures lock waits rather than the relay. What matters is
      // that it records its events early and commits after later transactions, and it still does.
      return {
        shape,
        aggregate: aggregateName(n + Math.floor(random() * LONG_AGGREGATES)),
        holdMs: LONG_HOLD_MS.min + Math.floor(random() * (LONG_HOLD_MS.max - LONG_HOLD_MS.min)),
        amount,
      };
    case 'crash':
      return { shape, aggregate, holdMs: CRASH_HOLD_MS, amount };
    default:
      return { shape, aggregate, amount };
  }
}
