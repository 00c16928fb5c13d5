import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { startStack, type StackOptions } from '../infra/index.ts';
import { executeSchedule } from '../run/execute.ts';
import { profileNamed } from '../run/profiles.ts';
import { verdictWord } from '../checker/index.ts';
import { faultArbs, shapeOf } from '../run/scenario.ts';
import { loadSut } from '../run/suite.ts';
import { scheduleArb } from '../workload/generators.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

export interface FalseAlarmReport {
  readonly sut: string;
  readonly profile: string;
  readonly seed: number;
  readonly runs: number;
  readonly valid: number;
  readonly invalid: number;
  readonly unknown: number;
  readonly notValid: readonly { readonly scenario: string; readonly valid: string; readonly runDir: string; readonly why: string }[];
}

/**
 * Runs the correct SUT on generated schedules of every scenario in turn, without shrinking, and
 * counts the results that were not valid. Against the reference, every one is a false alarm.
 */
export async function falseAlarms(options: { sut: string; runs: number; profile: string; reportDir: string; seed?: number; log?: (l: string) => void } & Pick<StackOptions, 'provider' | 'basePort' | 'images'>): Promise<FalseAlarmReport> {
  const def = loadSut(options.sut);
  const profile = profileNamed(options.profile);
  const seed = options.seed ?? (Date.now() & 0x7fffffff);
  const dir = path.join(options.reportDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${options.sut}-false-alarms`);
  fs.mkdirSync(dir, { recursive: true });
  const stack = await startStack({ provider: options.provider, basePort: options.basePort, images: options.images, log: options.log });
  const counts = { valid: 0, invalid: 0, unknown: 0 };
  const notValid: FalseAlarmReport['notValid'][number][] = [];
  try {
    await stack.prepareTemplate('sut_template', def.schemaSql);
    const perScenario = Math.ceil(options.runs / SCENARIOS.length);
    const schedules = SCENARIOS.map((scenario) => {
      const shape = shapeOf(scenario, profile, def);
      return { scenario, samples: fc.sample(scheduleArb(shape, faultArbs(scenario, def, shape)), { seed: seed + scenario.name.length, numRuns: perScenario }) };
    });
    for (let i = 0; i < options.runs; i++) {
      const { scenario, samples } = schedules[i % SCENARIOS.length]!;
      const schedule = samples[Math.floor(i / SCENARIOS.length)]!;
      const runDir = path.join(dir, `run-${String(i + 1).padStart(3, '0')}-${scenario.name}`);
      const result = await executeSchedule(
        { stack, def, template: 'sut_template', drainTimeoutMs: profile.drainTimeoutMs, quietMs: 3_000 },
        schedule,
        runDir,
      );
      if (result.valid === true) counts.valid++;
      else {
        if (result.valid === false) counts.invalid++;
        else counts.unknown++;
        const why = result.valid === false ? (result.verdict?.anomalies.map((a) => `${a.kind}: ${a.detail}`).join('; ') ?? '') : (result.unknownBecause ?? '');
        notValid.push({ scenario: scenario.name, valid: verdictWord(result.valid), runDir, why });
      }
      options.log?.(`false-alarms ${i + 1}/${options.runs} ${scenario.name}: ${verdictWord(result.valid)}`);
    }
  } finally {
    await stack.stop();
  }
  const report: FalseAlarmReport = { sut: options.sut, profile: profile.name, seed, runs: options.runs, ...counts, notValid };
  fs.writeFileSync(path.join(dir, 'false-alarms.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
