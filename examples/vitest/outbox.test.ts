// outbox-chaos inside your own test suite (vitest; jest or node:test work the same way).
//
// Copy this file into your repository, point MANIFEST at your outbox-chaos.json (written by
// `npx outbox-chaos init`), and run it with `npx vitest run`. One stack (PostgreSQL, Kafka,
// Toxiproxy) is started for the file and shared by its scenarios; each runScenario call runs
// generated fault schedules against your processes and resolves with the verdict. Reports go to
// ./outbox-chaos-reports (pass reportDir to change that): upload them from CI when a test fails.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, runScenario, startStack, type Stack } from 'outbox-chaos';

// In your repository: const MANIFEST = './outbox-chaos.json';
// Here: the example SUT shipped with outbox-chaos (its processes are the reference's).
const MANIFEST = fileURLToPath(new URL('../minimal-sut/outbox-chaos.json', import.meta.url));

// A fixed seed keeps the verdict reproducible from one CI run to the next; drop it to explore
// new schedules on every run (the result and the report say which seed was used).
const SEED = 20261122;

describe('our outbox under faults', () => {
  // Loading validates the manifest (a mistake in it fails here, in one line) and runs its prepare
  // step once for every scenario below.
  const sut = loadManifest(MANIFEST);
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startStack({ provider: 'native' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('loses nothing, duplicates no effect and keeps per-account order when the relay is killed', async () => {
    const result = await runScenario({
      sut,
      scenario: 'relay-crash',
      stack,
      seed: SEED,
      // One generated run and no shrinking keep this quick; a nightly job can raise runs and
      // use profile 'deep'.
      runs: 1,
      shrinkRuns: 0,
    });
    // On a failure the message is the command that replays the shrunk counterexample.
    expect(result.valid, result.counterexample?.replay ?? result.unknownBecause.join('; ')).toBe(true);
    // A pass means something only if the faults met work: the runs committed events.
    expect(result.power.totalCommittedEvents).toBeGreaterThan(0);
    expect(result.executions).toHaveLength(1);
  }, 300_000);
});
