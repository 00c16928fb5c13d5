import { escapeHtml as h, verdictClass } from './assets.ts';
import type { ScenarioResults } from './results.ts';

export interface IndexEntry {
  /** The report folder, relative to the index. */
  readonly folder: string;
  readonly results: ScenarioResults;
  readonly hasReport: boolean;
}

/** reports/index.html: every run folder with its verdict, newest first. */
export function renderIndex(
  entries: readonly IndexEntry[],
  unreadable: readonly { folder: string; why: string }[],
): string {
  const sorted = [...entries].sort((a, b) => b.folder.localeCompare(a.folder));
  const rows = sorted.map(({ folder, results: r, hasReport }) => {
    const link = hasReport ? `<a href="${h(encodeURI(folder))}/report.html">${h(folder)}</a>` : h(folder);
    return `<tr class="${verdictClass(r.valid)}" data-verdict="${verdictClass(r.valid)}"><td>${link}</td><td>${h(r.sut)}</td><td>${h(r.scenario)}</td><td>${h(r.profile)}</td><td class="v">${verdictClass(r.valid)}</td><td class="num">${r.executions}</td><td>${h(r.anomalies.map((a) => a.kind).join(', '))}</td></tr>`;
  });
  const counts = { valid: 0, invalid: 0, unknown: 0 };
  for (const e of entries) counts[verdictClass(e.results.valid)]++;
  const skipped = unreadable.length
    ? `<h2>Folders skipped</h2><ul>${unreadable.map((u) => `<li><code>${h(u.folder)}</code>: ${h(u.why)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>outbox-chaos reports</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1180px; padding: 0 1em; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; } tr.valid td.v { color: #2ca02c; } tr.invalid td { background: #fde8e8; } tr.unknown td { background: #fff3e0; }
</style></head>
<body>
<h1>outbox-chaos reports</h1>
<p id="counts">${entries.length} run(s): ${counts.valid} valid, ${counts.invalid} invalid, ${counts.unknown} unknown.</p>
<table id="runs"><thead><tr><th>report</th><th>SUT</th><th>scenario</th><th>profile</th><th>verdict</th><th>executions</th><th>anomalies</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
${skipped}
</body></html>
`;
}
