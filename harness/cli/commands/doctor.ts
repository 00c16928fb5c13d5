import type { Command } from 'commander';
import { checkPrerequisites, type PrerequisiteCheck } from '../../infra/prerequisites.ts';
import { NATIVE_PORT_COUNT } from '../../infra/native/index.ts';
import { out, outJson, type CommandContext } from '../context.ts';

const MARK: Record<PrerequisiteCheck['status'], string> = {
  found: 'found',
  'not-needed': 'not needed',
  'first-run': 'first run',
  missing: 'MISSING',
  optional: 'optional',
};

/** `doctor`: every prerequisite of a native run, found or missing, with the command that installs it. */
export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description(
      'check what a native run needs (Node, Java, PostgreSQL, the cache, ports, disk; Docker optional); exit 0 when a run can start, 2 otherwise',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (flags: { json?: boolean }) => {
      const result = await checkPrerequisites({ ports: NATIVE_PORT_COUNT, docker: true });
      if (flags.json) outJson({ ready: result.ready, checks: result.checks });
      else {
        const width = Math.max(...result.checks.map((c) => c.name.length));
        for (const c of result.checks) {
          out(`${MARK[c.status].padEnd(10)} ${c.name.padEnd(width)}  ${c.detail}`);
          if (c.install) out(`${''.padEnd(10)} ${''.padEnd(width)}  install: ${c.install}`);
        }
        out(
          result.ready
            ? 'A native run can start.'
            : 'A native run cannot start until what is MISSING above is installed.',
        );
      }
      ctx.setCode(result.ready ? 0 : 2);
    });
}
