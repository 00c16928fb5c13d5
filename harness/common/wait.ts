import { HarnessError, describeError } from './errors.ts';

/** What the wait needs to know of a process it watches: whether it still runs, and its log. */
export interface WatchedProcess {
  readonly running: boolean;
  readonly exitInfo?: { readonly code: number | null; readonly signal: string | null };
  logTail(): string;
  /** The log's first line naming an error, which a long shutdown may have pushed out of the tail. */
  firstErrorLine?(): string | undefined;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Give up at once if this process exits while we wait. */
  readonly process?: WatchedProcess;
}

/**
 * Polls a real health probe until it succeeds. On timeout or an early exit, the error names the
 * component, the last probe error, and the tail of the component's log.
 */
export async function waitUntilHealthy<T>(
  component: string,
  probe: () => Promise<T>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    if (options.process && !options.process.running) {
      const exit = options.process.exitInfo;
      const tail = options.process.logTail();
      // Below the tail, so that the message's first line stays what it was.
      const first = options.process.firstErrorLine?.();
      const earlier = first && !tail.includes(first) ? `\nFirst error in its log, before these lines: ${first}` : '';
      throw new HarnessError(
        `${component} exited during start-up (${exit?.signal ?? `code ${exit?.code}`}). Last log lines:\n${tail}${earlier}`,
      );
    }
    try {
      return await probe();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const tail = options.process ? `\nLast log lines:\n${options.process.logTail()}` : '';
      throw new HarnessError(
        `${component} not healthy after ${options.timeoutMs} ms (last probe: ${describeError(lastError)})${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
