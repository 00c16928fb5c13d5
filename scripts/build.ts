// `npm run build` (and `prepack`): the package's dist/. tsc compiles harness/, scenarios/ and
// reference-impl/ to JavaScript with declarations; then every file the harness reads at run time
// is copied beside the code, in the same layout, so dist/ is a tree the harness runs from without
// TypeScript. SUT manifests are rewritten to start the compiled .js without tsx.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from '../harness/common/paths.ts';

const DIST = path.join(PROJECT_ROOT, 'dist');
/** Folders whose non-TypeScript files the harness reads at run time (schema, SQL, manifests, scripts). */
const ASSET_ROOTS = ['harness', 'scenarios', 'reference-impl', 'examples', 'provision'];

/** A process command with the tsx loader dropped and TypeScript entry files swapped for their output. */
function compiledCommand(command: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (arg === '--import' && command[i + 1] === 'tsx') {
      i++;
      continue;
    }
    if (arg === '--import=tsx') continue;
    out.push(/\.ts$/.test(arg) && !arg.endsWith('.d.ts') ? arg.replace(/\.ts$/, '.js') : arg);
  }
  return out;
}

function isManifest(value: unknown): value is { processes: Record<string, { command: string[] }> } {
  return typeof value === 'object' && value !== null && 'manifestVersion' in value && 'processes' in value;
}

/** Copies one asset, rewriting it when it is a SUT manifest; returns the manifest's entry files to check. */
function copyAsset(from: string, to: string): string[] {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  if (!from.endsWith('.json')) {
    fs.copyFileSync(from, to);
    return [];
  }
  const value: unknown = JSON.parse(fs.readFileSync(from, 'utf8'));
  if (!isManifest(value)) {
    fs.copyFileSync(from, to);
    return [];
  }
  const entries: string[] = [];
  for (const p of Object.values(value.processes)) {
    p.command = compiledCommand(p.command);
    for (const arg of p.command) if (arg.includes('tsx')) throw new Error(`${from}: still needs tsx: ${arg}`);
    entries.push(...p.command.filter((a) => a.endsWith('.js')));
  }
  fs.writeFileSync(to, `${JSON.stringify(value, null, 2)}\n`);
  return entries.map((e) => path.resolve(path.dirname(to), e.replace('${MANIFEST_DIR}', '.')));
}

function assetsUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return assetsUnder(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.mts') ? [] : [p];
  });
}

function build(): void {
  const started = Date.now();
  fs.rmSync(DIST, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  const entries: string[] = [];
  let copied = 0;
  for (const root of ASSET_ROOTS) {
    for (const file of assetsUnder(path.join(PROJECT_ROOT, root))) {
      const rel = path.relative(PROJECT_ROOT, file);
      entries.push(...copyAsset(file, path.join(DIST, rel)));
      copied++;
    }
  }
  // A manifest pointing at a file tsc did not emit would only fail when a user runs it.
  const missing = entries.filter((e) => !fs.existsSync(e));
  if (missing.length) throw new Error(`manifests in dist/ start files that were not built: ${missing.join(', ')}`);
  console.log(`[build] dist/: compiled, ${copied} assets copied, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  build();
} catch (err) {
  console.error(`build failed: ${(err as Error).message}`);
  process.exit(2);
}
