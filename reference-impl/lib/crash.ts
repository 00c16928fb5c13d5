import fs from 'node:fs';

/**
 * Crash points: OUTBOX_CRASH_AT names code points where the process kills itself with SIGKILL,
 * as a power cut would, so no cleanup or shutdown hook runs.
 *
 *   OUTBOX_CRASH_AT=relay.after-publish-before-mark:0.1   crash with probability 0.1 at each pass
 *   OUTBOX_CRASH_AT=consumer.after-effect-before-offset@3  crash at the 3rd pass, deterministically
 *
 * Several entries are separated by commas.
 *
 * OUTBOX_CRASH_FILE names a file holding the same syntax, read at every pass, so a harness can arm
 * a point in a running process. Text after # is ignored; whenever the text changes, passes are
 * counted afresh (a harness re-arming the same point writes a new comment).
 */

export const CRASH_POINTS = [
  'app.before-commit',
  'app.after-commit',
  'relay.after-claim',
  'relay.after-publish-before-mark',
  'relay.after-mark',
  'relay.after-mark-before-publish',
  'consumer.before-effect',
  'consumer.after-effect-before-offset',
  'consumer.after-offset-before-effect',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

type Rule = { kind: 'probability'; p: number } | { kind: 'nth'; n: number };

function parse(spec: string | undefined): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  if (!spec) return rules;
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([a-z.-]+)(?::([0-9.]+)|@(\d+))$/.exec(entry);
    if (!m || !(CRASH_POINTS as readonly string[]).includes(m[1]!)) {
      throw new Error(
        `OUTBOX_CRASH_AT: "${entry}" is not <point>:<probability> or <point>@<n>; points: ${CRASH_POINTS.join(', ')}`,
      );
    }
    rules.set(m[1]!, m[2] !== undefined ? { kind: 'probability', p: Number(m[2]) } : { kind: 'nth', n: Number(m[3]) });
  }
  return rules;
}

const envRules = parse(process.env.OUTBOX_CRASH_AT);
const crashFile = process.env.OUTBOX_CRASH_FILE;
const passes = new Map<string, number>();
let fileText = '';
let fileRules = envRules;

function currentRules(): Map<string, Rule> {
  if (!crashFile) return envRules;
  let text = '';
  try {
    text = fs.readFileSync(crashFile, 'utf8');
  } catch {
    // No file: nothing armed.
  }
  if (text !== fileText) {
    fileText = text;
    const spec = text.split('#')[0]!.trim();
    try {
      fileRules = new Map([...envRules, ...parse(spec)]);
    } catch (err) {
      process.stderr.write(`OUTBOX_CRASH_FILE ${crashFile}: ${(err as Error).message}\n`);
      fileRules = envRules;
    }
    passes.clear();
  }
  return fileRules;
}

export function crashPoint(point: CrashPoint): void {
  const rule = currentRules().get(point);
  if (!rule) return;
  const pass = (passes.get(point) ?? 0) + 1;
  passes.set(point, pass);
  const fire = rule.kind === 'nth' ? pass === rule.n : Math.random() < rule.p;
  if (fire) {
    process.stderr.write(`crash point ${point} fired (pass ${pass})\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
