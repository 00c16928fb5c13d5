import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_REPORT_DIR } from '../../common/paths.ts';
import { rebuildIndex } from '../../report/write.ts';
import { out, type CommandContext } from '../context.ts';

/** `report`: the index over every report folder, and optionally every page again. */
export function registerReport(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description(
      "rebuild the report folder's index.html over every run in it (and, with --pages, each report.html and junit.xml)",
    )
    .argument('[dir]', 'the report folder', DEFAULT_REPORT_DIR)
    .option('--pages', 'write every report.html and junit.xml again from its results')
    .action((dir: string, flags: { pages?: boolean }) => {
      const index = rebuildIndex(path.resolve(dir), { pages: flags.pages });
      out(`${index.file}: ${index.reports} report(s)`);
      for (const s of index.skipped) process.stderr.write(`skipped ${s.folder}: ${s.why}\n`);
      ctx.setCode(index.skipped.length ? 2 : 0);
    });
}
