// What a new user does: pack the package, install the tarball into a project of their own outside
// this repository, and run one scenario against the example SUT shipped inside it, with no
// TypeScript toolchain. Then: the reports are in the user's project, nothing was written under its
// node_modules, and the public entry point loads and type-checks.
//
// The steps share one project and run in order, as the user would take them: init, doctor, a run
// split into two shards, and the merge of the shards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_DIR, PACKAGE_ROOT } from '../../harness/common/paths.ts';
import { removeTempDir, tempDir } from '../helpers.ts';
import { TEST_SEED } from '../seed.ts';

const SCENARIO = 'broker-restart';

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a user's shell: without the npm_* variables of the `npm test` that may be
 * running this file (npm would read them as its own config), with CI set (no progress bars), and
 * with the cache that global set-up already provisioned, so Kafka is not fetched again.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, CI: 'true', OUTBOX_CHAOS_CACHE: CACHE_DIR };
}

function sh(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file and folder under dir with its size and modification time, one line each. */
function listing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const s = fs.lstatSync(p);
      lines.push(`${path.relative(dir, p)} ${s.size} ${s.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return lines.sort();
}

// A project of the user's own, in a temporary folder outside the repository.
const project = tempDir('outbox-chaos-user-');
const nodeModules = path.join(project, 'node_modules');
const installed = path.join(nodeModules, 'outbox-chaos');
/** The run uses this path exactly as a user would type it. */
const EXAMPLE_SUT = 'node_modules/outbox-chaos/dist/examples/minimal-sut/outbox-chaos.json';
let before: string[] = [];

/** `npx outbox-chaos ...` in the project; --no: never fetch a package of that name from the registry. */
const outboxChaos = (...args: string[]) => sh('npx', ['--no', '--', 'outbox-chaos', ...args], project);

afterAll(() => removeTempDir(project));

describe('the npm package, installed and run as a new user would', () => {
  beforeAll(async () => {
    expect(path.relative(PACKAGE_ROOT, project).startsWith('..')).toBe(true);
    // prepack builds dist/ first, so this is the tarball a publish would upload.
    const pack = await sh('npm', ['pack', '--pack-destination', project], PACKAGE_ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = fs.readdirSync(project).find((f) => /^outbox-chaos-.*\.tgz$/.test(f));
    expect(tarball, pack.stdout).toBeDefined();
    fs.writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'a-users-project', private: true, type: 'module' }, null, 2)}\n`,
    );
    // --prefer-offline: the packages are in npm's cache from the repository's own install.
    const install = await sh(
      'npm',
      ['i', '-D', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`],
      project,
    );
    expect(install.code, install.stderr).toBe(0);
    before = listing(nodeModules);
  }, 240_000);

  it('installs compiled JavaScript with its assets, and no TypeScript toolchain', () => {
    expect(fs.existsSync(path.join(installed, 'dist', 'harness', 'cli', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist', 'harness', 'sut', 'manifest.schema.json'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist', 'reference-impl', 'schema.sql'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'docs', 'sut-contract.md'))).toBe(true);
    // Nothing to run through a loader: no TypeScript sources, and neither tsx nor typescript installed.
    expect(fs.existsSync(path.join(installed, 'harness'))).toBe(false);
    expect(fs.existsSync(path.join(nodeModules, 'tsx'))).toBe(false);
    expect(fs.existsSync(path.join(nodeModules, 'typescript'))).toBe(false);
    for (const manifest of [EXAMPLE_SUT, 'node_modules/outbox-chaos/dist/reference-impl/outbox-chaos.json'])
      expect(fs.readFileSync(path.join(project, manifest), 'utf8')).not.toMatch(/tsx|\.ts"/);
  });

  it('its public entry point loads in Node and type-checks in a TypeScript project', async () => {
    const script = `const m = await import('outbox-chaos'); const d = m.loadManifest(${JSON.stringify(EXAMPLE_SUT)}); console.log(d.name, typeof m.check);`;
    const loaded = await sh(process.execPath, ['--input-type=module', '-e', script], project);
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout.trim()).toBe('minimal function');

    fs.writeFileSync(
      path.join(project, 'uses-api.ts'),
      "import { check, loadManifest, type SutDefinition } from 'outbox-chaos';\n" +
        `const def: SutDefinition = loadManifest(${JSON.stringify(EXAMPLE_SUT)});\n` +
        'export const checker: typeof check = check;\nexport const name: string = def.name;\n',
    );
    const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', types: [] };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['uses-api.ts'] }));
    // The repository's own compiler stands in for the user's; the user's project has none installed.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const typed = await sh(process.execPath, [tsc, '-p', project], project);
    expect(typed.code, typed.stdout).toBe(0);
  });

  it('init writes a starter manifest and workflow, refuses to overwrite them, and the starter says what to fill in', async () => {
    const init = await outboxChaos('init', '--lang', 'node');
    expect(init.code, init.stderr).toBe(0);
    const manifest = path.join(project, 'outbox-chaos.json');
    const workflow = path.join(project, '.github', 'workflows', 'outbox-chaos.yml');
    expect(fs.existsSync(manifest)).toBe(true);
    expect(fs.readFileSync(workflow, 'utf8')).toContain('outbox-chaos run --sut outbox-chaos.json');
    const written = fs.readFileSync(manifest, 'utf8');

    const again = await outboxChaos('init', '--lang', 'node');
    expect(again.code).toBe(2);
    expect(fs.readFileSync(manifest, 'utf8')).toBe(written);

    const unfilled = await outboxChaos('run', '--sut', 'outbox-chaos.json', '--runs', '1');
    expect(unfilled.code).toBe(2);
    expect(unfilled.stderr).toMatch(/fill in/);
    expect(unfilled.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('doctor finds everything a native run needs on this machine', async () => {
    const doctor = await outboxChaos('doctor', '--json');
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(JSON.parse(doctor.stdout).ready).toBe(true);
  }, 60_000);

  // The plan's one run falls to shard 2 of 2; shard 1 gets none of its own but must still be merged.
  const shardRun = (shard: string) =>
    outboxChaos(
      'run',
      '--sut',
      EXAMPLE_SUT,
      '--scenario',
      SCENARIO,
      '--runs',
      '1',
      '--shrink-runs',
      '0',
      '--seed',
      String(TEST_SEED),
      '--provider',
      'native',
      '--shard',
      shard,
    );

  it(`runs ${SCENARIO} against the shipped example SUT: valid, reports in ./outbox-chaos-reports`, async () => {
    const run = await shardRun('2/2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${SCENARIO}\\s+valid\\s+1\\s`, 'm'));
    expect(run.stdout).toMatch(/overall: valid/);

    const reports = path.join(project, 'outbox-chaos-reports');
    const runDirs = fs.readdirSync(reports).filter((f) => f.includes(`-minimal-${SCENARIO}`));
    expect(runDirs).toHaveLength(1);
    const dir = path.join(reports, runDirs[0]!);
    expect(run.stdout).toContain(dir);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    expect(results.valid).toBe(true);
    for (const file of ['report.html', 'junit.xml', 'history.jsonl'])
      expect(fs.existsSync(path.join(dir, file)), file).toBe(true);
    expect(fs.readFileSync(path.join(reports, 'index.html'), 'utf8')).toContain(`${runDirs[0]}/report.html`);
  }, 300_000);

  it('report merge joins the two shards, one of them empty, into one index, one JUnit file and one verdict', async () => {
    const empty = await shardRun('1/2');
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/no runs? in this shard/);
    const merged = await outboxChaos('report', 'merge', 'outbox-chaos-reports', '--out', 'merged', '--json');
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout).exitCode).toBe(0);
    for (const file of ['index.html', 'junit.xml'])
      expect(fs.existsSync(path.join(project, 'merged', file)), file).toBe(true);
  }, 120_000);

  it('wrote nothing under node_modules', () => {
    expect(listing(nodeModules)).toEqual(before);
  });
});
