import path from 'node:path';
import { HarnessError } from '../common/errors.ts';
import { readScenarioResults, type ScenarioResults } from '../report/results.ts';
import { executeSchedule, type RunResult } from './execute.ts';
import { profileNamed } from './profiles.ts';
import { folderStamp, loadSut, withRunSettings, type StackChoice } from './setup.ts';

export interface Replay {
  /** The report folder's results, which named the SUT, the variant and the profile. */
  readonly results: ScenarioResults;
  readonly result: RunResult;
}

/**
 * Replays the exact schedule a report recorded (its shrunk counterexample), so a replay does not
 * depend on the generators staying the same. The run goes in replays/<timestamp>/ of the folder.
 */
export async function replayReport(dir: string, choice: StackChoice): Promise<Replay> {
  const results = readScenarioResults(dir);
  const schedule = results.counterexample?.schedule;
  if (!schedule) throw new HarnessError(`${dir} recorded no counterexample to replay (its verdict was not a failure)`);
  if (!('load' in schedule) || !Array.isArray((schedule as { faults?: unknown }).faults)) {
    throw new HarnessError(
      `${dir} holds a schedule of an older format (bursts of steps, no load); run its scenario again with its seed to get a replayable one`,
    );
  }
  const def = loadSut(results.sutSource);
  const profile = profileNamed(results.profile);
  // The runs' broker count, unless the command asked for another.
  const kafkaBrokers = choice.kafkaBrokers ?? results.kafkaBrokers;
  const setup = { ...choice, kafkaBrokers, def, profile, bug: results.bug ?? undefined };
  const result = await withRunSettings(setup, (settings) =>
    executeSchedule(settings, schedule, path.join(dir, 'replays', folderStamp())),
  );
  return { results, result };
}
