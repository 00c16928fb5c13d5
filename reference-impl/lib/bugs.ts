/**
 * Deliberately broken variants, so the harness can prove it catches each known way an outbox goes
 * wrong; one env var selects one: OUTBOX_BUG=<variant>.
 * Each changes the reference at the single place that carries the bug; grep for bugIs('...').
 */
export const BUGS = [
  'dual-write',
  'publish-before-commit',
  'mark-before-ack',
  'id-cursor',
  'drop-after-retries',
  'unordered-parallel',
  'non-idempotent-consumer',
  'offset-before-effect',
  'weak-acks',
  'leader-acks',
] as const;
export type Bug = (typeof BUGS)[number];

function active(): Bug | undefined {
  const raw = process.env.OUTBOX_BUG;
  if (!raw) return undefined;
  if (!(BUGS as readonly string[]).includes(raw))
    throw new Error(`OUTBOX_BUG: unknown variant "${raw}"; variants: ${BUGS.join(', ')}`);
  return raw as Bug;
}

const bug = active();

export function bugIs(variant: Bug): boolean {
  return bug === variant;
}
