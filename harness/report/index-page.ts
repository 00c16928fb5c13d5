import { escapeHtml as h, verdictClass } from './assets.ts';
import type { ScenarioResults } from './results.ts';

export interface IndexEntry {
  /** The report folder, relative to the index. */
  readonly folder: string;
  readonly results: ScenarioResults;
  readonly hasReport: boolean;
}

export interface IndexOptions {
  readonly title?: string;
  /**
   * Problems that concern the whole set rather than one folder (a merge's missing shard), shown
   * above the table so an incomplete set never reads as a complete one.
   */
  readonly problems?: readonly string[];
}

/** reports/index.html: every run folder with its verdict, newest first. */
export function renderIndex(
  entries: readonly IndexEntry[],
  unreadable: readonly { folder: string; why: string }[],
  options: IndexOptions = {},
): string {
  const title = options.title ?? 'outbox-chaos reports';
  const sorted = [...entries].sort((a, b) => b.folder.localeCompare(a.folder));
  // The shard column appears only where some run was a shard.
  const sharded = entries.some((e) => e.results.shard);
  const shardCell = (r: ScenarioResults) =>
    !sharded
      ? ''
      : `<td>${r.shard ? `${r.shard.index}/${r.shard.total} <span class="muted">(runs ${r.shard.from + 1}–${r.shard.from + r.shard.count})</span>` : ''}</td>`;
  const rows = sorted.map(({ folder, results: r, hasReport }) => {
    const link = hasReport ? `<a href="${h(encodeURI(folder))}/report.html">${h(folder)}</a>` : h(folder);
    return `<tr class="${verdictClass(r.valid)}" data-verdict="${verdictClass(r.valid)}"><td>${link}</td><td>${h(r.sut)}</td><td>${h(r.scenario)}</td><td>${h(r.profile)}</td>${shardCell(r)}<td class="v">${verdictClass(r.valid)}</td><td class="num">${r.executions}</td><td>${h(r.anomalies.map((a) => a.kind).join(', '))}</td></tr>`;
  });
  const problems = options.problems?.length
    ? `<ul id="problems" class="problems">${options.problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul>`
    : '';
  const counts = { valid: 0, invalid: 0, unknown: 0 };
  for (const e of entries) counts[verdictClass(e.results.valid)]++;
  const skipped = unreadable.length
    ? `<h2>Folders skipped</h2><ul>${unreadable.map((u) => `<li><code>${h(u.folder)}</code>: ${h(u.why)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1180px; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; } .muted { color: #777; } ul.problems { background: #fff3e0; padding: 0.5em 2em; } tr.valid td.v { color: #2ca02c; } tr.invalid td { background: #fde8e8; } tr.unknown td { background: #fff3e0; }
</style></head>
<body>
<h1>${h(title)}</h1>
${problems}
<p id="counts">${entries.length} run(s): ${counts.valid} valid, ${counts.invalid} invalid, ${counts.unknown} unknown.</p>
<table id="runs"><thead><tr><th>report</th><th>SUT</th><th>scenario</th><th>profile</th>${sharded ? '<th>shard</th>' : ''}<th>verdict</th><th>executions</th><th>anomalies</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
${skipped}
</body></html>
`;
}
