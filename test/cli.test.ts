import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../harness/infra/paths.ts';
import { removeTempDir, tempDir } from './helpers.ts';
import { TEST_SEED } from './seed.ts';

const reportDir = tempDir('outbox-cli-');
afterAll(() => removeTempDir(reportDir));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'outbox-chaos.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('outbox-chaos CLI', () => {
  it.each([
    [['run', '--scenario', 'nope'], /unknown scenario "nope"/],
    [['run', '--bug', 'nope'], /unknown bug variant "nope"/],
    [['run', '--sut', 'elsewhere'], /unknown SUT "elsewhere"/],
    [['run', '--profile', 'huge'], /argument 'huge' is invalid/],
    [['run', '--runs', '0'], /--runs must be a whole number/],
    [['run', '--frobnicate'], /unknown option '--frobnicate'/],
    [['replay', '/nonexistent/report'], /cannot read \/nonexistent\/report\/results.json/],
    [['run', '--path', '1:2', '--scenario', 'mixed'], /--path needs the --seed/],
  ])('bad input %j is one clear line and exit 2, before any stack starts', async (args, message) => {
    const started = Date.now();
    const { code, stderr, stdout } = await cli(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message as RegExp);
    expect(stderr.trim().split('\n').filter((l) => !/^\(Did you mean/.test(l))).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a broken variant: exit 1, a counterexample with its replay command, and a report; the replay fails the same way', async () => {
    // The fixed test seed: this test is about the failure path, not about how often a variant is caught.
    const run = await cli(['run', '--bug', 'publish-before-commit', '--scenario', 'relay-crash', '--profile', 'ci', '--runs', '6', '--seed', String(TEST_SEED), '--report-dir', reportDir, '--json']);
    expect(run.code, run.stderr).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.valid).toBe(false);
    const scenario = out.scenarios[0];
    expect(scenario.anomalies.map((a: { kind: string }) => a.kind)).toContain('phantom');
    expect(scenario.replay).toMatch(/^npx outbox-chaos replay --sut reference --bug publish-before-commit --scenario relay-crash --profile ci --seed -?\d+ --path \S+$/);
    expect(scenario.shrunkSteps).toBeLessThanOrEqual(5);
    const results = JSON.parse(fs.readFileSync(path.join(scenario.report, 'results.json'), 'utf8'));
    expect(results.valid).toBe(false);
    expect(results.counterexample.schedule.steps.length).toBe(scenario.shrunkSteps);
    expect(fs.readFileSync(path.join(scenario.report, 'history.jsonl'), 'utf8')).toMatch(/"type":"invoke"/);

    const replay = await cli(['replay', scenario.report]);
    expect(replay.code, replay.stderr).toBe(1);
    expect(replay.stdout).toMatch(/INVALID/);
    expect(replay.stdout).toMatch(/phantom/);
  }, 300_000);
});
