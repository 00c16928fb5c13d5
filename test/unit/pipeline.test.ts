// The harness is a pipeline, and its imports must say so: each stage may use the stages before it,
// never one after it, and no two files may need each other. A backward import is how a stage
// quietly starts to depend on its consumers; this test fails on the first one.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';

/** The stages in pipeline order. */
const PIPELINE = ['infra', 'sut', 'workload', 'nemesis', 'history', 'checker', 'report', 'run', 'cli'] as const;

/**
 * Where each folder of harness/ sits. common/ holds helpers every stage may use, so it comes
 * first and may import no stage. bench/ measures the whole stack and may use anything before the
 * CLI. The scenario catalogue (scenarios/, outside harness/) is built on the run stage, so only
 * the CLI may import it.
 */
function rankOf(folder: string): number | undefined {
  if (folder === 'common') return -1;
  // The programmatic API (harness/api.ts) puts the run stage and the catalogue together for
  // users' test suites: above both, and below the CLI, which may build on it.
  if (folder === 'api.ts') return PIPELINE.indexOf('cli') - 0.25;
  if (folder === 'bench') return PIPELINE.indexOf('cli') - 0.5;
  const i = PIPELINE.indexOf(folder as (typeof PIPELINE)[number]);
  return i < 0 ? undefined : i;
}
const CATALOGUE_RANK = PIPELINE.indexOf('run') + 0.5;

const HARNESS = path.join(PROJECT_ROOT, 'harness');

interface Edge {
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.d.mts') ? [p] : [];
  });
}

/** Every relative import of a file, static, re-export, type-only or dynamic, as repository paths. */
function importsOf(file: string): Edge[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => ({
      from: path.relative(PROJECT_ROOT, file),
      to: path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), spec)),
    }));
}

/** Why an import breaks the pipeline, or undefined when it is fine. */
function backwardReason(edge: Edge): string | undefined {
  const [root, folder] = edge.from.split(path.sep);
  if (root !== 'harness' || folder === undefined) return undefined;
  const from = rankOf(folder);
  if (from === undefined) return `${edge.from}: harness/${folder}/ has no place in the pipeline; add it to this test`;
  const [toRoot, toFolder] = edge.to.split(path.sep);
  if (toRoot === 'scenarios')
    return from > CATALOGUE_RANK
      ? undefined
      : `${edge.from} imports the scenario catalogue ${edge.to}, which is built on the run stage`;
  if (toRoot !== 'harness' || toFolder === undefined) return `${edge.from} imports ${edge.to}, outside the harness`;
  if (toFolder === folder) return undefined;
  const to = rankOf(toFolder);
  if (to === undefined) return `${edge.to}: harness/${toFolder}/ has no place in the pipeline; add it to this test`;
  if (folder === 'common') return `${edge.from} is a common helper, but imports the ${toFolder} stage (${edge.to})`;
  return to > from ? `${edge.from} (${folder}) imports ${edge.to} (${toFolder}), a later stage` : undefined;
}

/** Each import cycle as the list of files around it (strongly connected components of two or more). */
function cyclesOf(edges: readonly Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    if (!graph.has(e.to)) graph.set(e.to, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('the pipeline', () => {
  const files = sourceFiles(HARNESS);
  const edges = files.flatMap(importsOf);

  it('reads the whole harness', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.length).toBeGreaterThan(100);
  });

  it('has no import that runs back up the pipeline', () => {
    expect(edges.map(backwardReason).filter(Boolean)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(cyclesOf(edges)).toEqual([]);
  });

  it('would catch a backward import and a cycle', () => {
    const e = (from: string, to: string): Edge => ({
      from: path.join(...from.split('/')),
      to: path.join(...to.split('/')),
    });
    expect(backwardReason(e('harness/history/drain.ts', 'harness/checker/types.ts'))).toMatch(/a later stage/);
    expect(backwardReason(e('harness/checker/types.ts', 'harness/history/drain.ts'))).toBeUndefined();
    expect(backwardReason(e('harness/common/wait.ts', 'harness/infra/processes.ts'))).toMatch(/common helper/);
    expect(backwardReason(e('harness/run/suite.ts', 'scenarios/index.ts'))).toMatch(/catalogue/);
    expect(backwardReason(e('harness/cli/commands/run.ts', 'scenarios/index.ts'))).toBeUndefined();
    expect(backwardReason(e('harness/bench/index.ts', 'harness/cli/main.ts'))).toMatch(/a later stage/);
    expect(backwardReason(e('harness/api.ts', 'scenarios/index.ts'))).toBeUndefined();
    expect(backwardReason(e('harness/api.ts', 'harness/cli/main.ts'))).toMatch(/a later stage/);
    expect(backwardReason(e('harness/run/suite.ts', 'harness/api.ts'))).toMatch(/a later stage/);
    expect(cyclesOf([e('a.ts', 'b.ts'), e('b.ts', 'c.ts'), e('c.ts', 'a.ts'), e('c.ts', 'd.ts')])).toEqual([
      ['a.ts', 'b.ts', 'c.ts'],
    ]);
  });
});
