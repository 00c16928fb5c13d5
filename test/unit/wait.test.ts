import { describe, expect, it } from 'vitest';
import { waitUntilHealthy, type WatchedProcess } from '../../harness/common/wait.ts';

const BIND =
  'ERROR Fatal error during broker startup. Prepare to shutdown (kafka.server.BrokerServer) ' +
  'org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:40111: Address already in use.';

/** A process that has already exited, whose log ends in a long shutdown. */
function exited(firstError: string | undefined): WatchedProcess {
  return {
    running: false,
    exitInfo: { code: 1, signal: null },
    logTail: () => Array.from({ length: 30 }, (_, i) => `INFO shutting down part ${i}`).join('\n'),
    firstErrorLine: () => firstError,
  };
}

describe('a component that exits during start-up', () => {
  it('is reported with its log tail and, below it, the first error the tail no longer shows', async () => {
    const err = await waitUntilHealthy('kafka', async () => 'up', { timeoutMs: 1_000, process: exited(BIND) }).catch(
      (e: Error) => e,
    );
    const message = (err as Error).message;
    expect(message.split('\n')[0]).toBe('kafka exited during start-up (code 1). Last log lines:');
    expect(message).toContain('INFO shutting down part 29');
    // What the native stack's retry on a port clash looks for.
    expect(message.split('\n').at(-1)).toBe(`First error in its log, before these lines: ${BIND}`);
    expect(message).toMatch(/address already in use/i);
  });

  it('adds nothing when the log names no error', async () => {
    const err = await waitUntilHealthy('kafka', async () => 'up', {
      timeoutMs: 1_000,
      process: exited(undefined),
    }).catch((e: Error) => e);
    expect((err as Error).message).not.toContain('First error');
  });
});
