import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each stack-heavy file took in a full run on the 2-core machine (two files at a time).
 * Vitest orders a clean clone's files by size, which put the two three-line detection files, the
 * longest of all, last: the job then ended with one worker idle for ten minutes. Started longest
 * first, the two workers finish close together. Only the order depends on these figures, never a
 * verdict; a file missing here runs after the listed ones.
 */
export const SECONDS: Readonly<Record<string, number>> = {
  'test/detection/writer-and-relay.test.ts': 420,
  'test/detection/relay-and-consumer.test.ts': 360,
  'test/scenarios/network-and-servers.test.ts': 300,
  'test/scenarios/brokers.test.ts': 270,
  'test/scenarios/containers.test.ts': 210,
  'test/cli.test.ts': 200,
  'test/scenarios/processes.test.ts': 175,
  'test/bench.test.ts': 170,
  'test/infra/containers.test.ts': 210,
  'test/reference/variants.test.ts': 125,
  'test/nemesis.test.ts': 120,
  'test/package/install.test.ts': 70,
  'test/infra/stack.test.ts': 65,
  'test/reference/reference.test.ts': 60,
  'test/infra/lifecycle.test.ts': 45,
  'test/api/example.test.ts': 30,
};

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const weight = (f: TestSpecification) =>
      SECONDS[path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/')] ?? 0;
    // Array.prototype.sort is stable: unlisted files keep vitest's own order among themselves.
    return [...base].sort((a, b) => weight(b) - weight(a));
  }
}
