import fs from 'node:fs';
import path from 'node:path';
import type { Validity } from '../checker/index.ts';
import { HarnessError } from '../infra/errors.ts';
import { startStack, type StackOptions } from '../infra/index.ts';
import { executeSchedule } from '../run/execute.ts';
import { profileNamed } from '../run/profiles.ts';
import { verdictWord } from '../checker/index.ts';
import { loadSut } from '../run/suite.ts';
import { readScenarioResults } from '../report/results.ts';

/**
 * Replays the exact schedule a report recorded (its shrunk counterexample, or its last run), so
 * a replay does not depend on the generators staying the same.
 */
export async function replayReport(dir: string, options: { log: (l: string) => void; json?: boolean } & Pick<StackOptions, 'provider' | 'basePort' | 'images'>): Promise<Validity> {
  const results = readScenarioResults(dir);
  const schedule = results.counterexample?.schedule;
  if (!schedule) throw new HarnessError(`${dir} recorded no counterexample to replay (its verdict was not a failure)`);
  if (!('load' in schedule) || !Array.isArray((schedule as { faults?: unknown }).faults)) {
    throw new HarnessError(`${dir} holds a schedule of an older format (bursts of steps, no load); run its scenario again with its seed to get a replayable one`);
  }
  const def = loadSut(results.sutSource);
  const bug = results.bug ?? undefined;
  const profile = profileNamed(results.profile);
  const stack = await startStack({ provider: options.provider, basePort: options.basePort, images: options.images, log: options.log });
  try {
    await stack.prepareTemplate('sut_template', def.schemaSql);
    const runDir = path.join(dir, 'replays', new Date().toISOString().replace(/[:.]/g, '-'));
    const result = await executeSchedule(
      { stack, def, template: 'sut_template', bug, drainTimeoutMs: profile.drainTimeoutMs, quietMs: 3_000 },
      schedule,
      runDir,
    );
    if (options.json) process.stdout.write(`${JSON.stringify({ valid: result.valid, anomalies: result.verdict?.anomalies ?? [], runDir }, null, 2)}\n`);
    else {
      process.stdout.write(`replay of ${results.scenario} against ${results.sut}: ${verdictWord(result.valid)}\n`);
      for (const a of result.verdict?.anomalies ?? []) process.stdout.write(`  ${a.kind.padEnd(18)} ${a.detail}\n`);
      if (result.unknownBecause) process.stdout.write(`  unknown: ${result.unknownBecause}\n`);
      process.stdout.write(`  ${runDir}\n`);
    }
    return result.valid;
  } finally {
    await stack.stop();
  }
}
