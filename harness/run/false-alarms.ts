import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { verdictWord } from '../checker/index.ts';
import { scheduleArb } from '../workload/generators.ts';
import { executeSchedule } from './execute.ts';
import { profileNamed } from './profiles.ts';
import { faultArbs, inAll, shapeOf, type Scenario } from './scenario.ts';
import { folderStamp, loadSut, stackBrokers, withRunSettings, type StackChoice } from './setup.ts';

export interface FalseAlarmOptions extends StackChoice {
  /** The scenarios to cycle through (scenarios/index.ts for the CLI). */
  readonly catalogue: readonly Scenario[];
  readonly sut: string;
  /** How many scenario runs in total. */
  readonly runs: number;
  readonly profile: string;
  readonly reportDir: string;
  readonly seed?: number;
}

export interface FalseAlarmReport {
  readonly sut: string;
  readonly profile: string;
  readonly seed: number;
  readonly runs: number;
  readonly valid: number;
  readonly invalid: number;
  readonly unknown: number;
  readonly notValid: readonly {
    readonly scenario: string;
    readonly valid: string;
    readonly runDir: string;
    readonly why: string;
  }[];
}

/**
 * Runs the correct SUT on generated schedules of every scenario in turn, without shrinking, and
 * counts the results that were not valid. Against the reference, every one is a false alarm.
 */
export async function falseAlarms(options: FalseAlarmOptions): Promise<FalseAlarmReport> {
  const def = loadSut(options.sut);
  const profile = profileNamed(options.profile);
  // Scenarios that need a cluster are left out on a single broker.
  const brokers = stackBrokers(options);
  const catalogue = options.catalogue.filter((s) => inAll(s, brokers));
  const seed = options.seed ?? Date.now() & 0x7fffffff;
  const dir = path.join(options.reportDir, `${folderStamp()}-${options.sut}-false-alarms`);
  fs.mkdirSync(dir, { recursive: true });
  const counts = { valid: 0, invalid: 0, unknown: 0 };
  const notValid: FalseAlarmReport['notValid'][number][] = [];
  await withRunSettings({ ...options, def, profile }, async (settings) => {
    const perScenario = Math.ceil(options.runs / catalogue.length);
    const schedules = catalogue.map((scenario) => {
      const shape = shapeOf(scenario, profile, def);
      return {
        scenario,
        samples: fc.sample(scheduleArb(shape, faultArbs(scenario, def, shape, { brokers })), {
          seed: seed + scenario.name.length,
          numRuns: perScenario,
        }),
      };
    });
    for (let i = 0; i < options.runs; i++) {
      const { scenario, samples } = schedules[i % catalogue.length]!;
      const schedule = samples[Math.floor(i / catalogue.length)]!;
      const runDir = path.join(dir, `run-${String(i + 1).padStart(3, '0')}-${scenario.name}`);
      const result = await executeSchedule(settings, schedule, runDir);
      if (result.valid === true) counts.valid++;
      else {
        if (result.valid === false) counts.invalid++;
        else counts.unknown++;
        const why =
          result.valid === false
            ? (result.verdict?.anomalies.map((a) => `${a.kind}: ${a.detail}`).join('; ') ?? '')
            : (result.unknownBecause ?? '');
        notValid.push({ scenario: scenario.name, valid: verdictWord(result.valid), runDir, why });
      }
      options.log?.(`false-alarms ${i + 1}/${options.runs} ${scenario.name}: ${verdictWord(result.valid)}`);
    }
  });
  const report: FalseAlarmReport = {
    sut: options.sut,
    profile: profile.name,
    seed,
    runs: options.runs,
    ...counts,
    notValid,
  };
  fs.writeFileSync(path.join(dir, 'false-alarms.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
