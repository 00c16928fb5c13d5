/**
 * An error the user can act on. The CLI prints its message alone (no stack) and exits 2,
 * the Jepsen code for "harness error / could not decide".
 */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One line for the user, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof HarnessError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
