import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_REPORT_DIR } from '../../common/paths.ts';
import { mergeShardReports } from '../../report/merge.ts';
import { rebuildIndex } from '../../report/write.ts';
import { out, outJson, type CommandContext } from '../context.ts';
import { printMerge } from '../summary.ts';

/** `report`: the index over every report folder, and optionally every page again; `report merge`: shards. */
export function registerReport(program: Command, ctx: CommandContext): void {
  const report = program.command('report');
  report
    .command('merge')
    .description(
      'merge the report folders of "run --shard k/n" into one index, one junit.xml and one verdict; exit 0 valid, 1 anomalies, 2 unknown, missing shard or error',
    )
    .argument('<dirs...>', 'shard report folders (or folders holding them one level down)')
    .option('--out <dir>', 'a new folder for the merged report', 'outbox-chaos-merged')
    .option('--json', 'print the outcome as JSON on stdout')
    .action((dirs: string[], flags: { out: string; json?: boolean }) => {
      const merged = mergeShardReports({ dirs, out: flags.out });
      if (flags.json) outJson(merged);
      else printMerge(merged, out);
      ctx.setCode(merged.exitCode);
    });
  report
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
