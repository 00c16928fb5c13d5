import { chartLibrary, escapeHtml as h, scriptJson } from '../report/assets.ts';
import { concurrencyText } from './limits.ts';
import { applyRate, drainRate, fractionCell, replicaCell } from './lines.ts';
import { bestDrain, shortfallLines } from './outcome.ts';
import { formatLatency as fmt } from './steady.ts';
import type { BenchReport, SutReport } from './types.ts';

/** The best delivered drain of a SUT at n replicas (over batch sizes), or null: the plot's point. */
const bestAt = (s: SutReport, n: number): number | null =>
  bestDrain(s.drains.filter((d) => d.replicas === n))?.eventsPerSec ?? null;

/**
 * Side by side: drain throughput against relay replicas (the limits as flat lines), drain rate
 * against backlog size, and commit-to-publish p99 against the writers' rate, one line per SUT.
 */
export function renderBenchHtml(r: BenchReport): string {
  const lib = chartLibrary();
  const replicas = [...new Set(r.suts.flatMap((s) => s.drains.map((d) => d.replicas)))].sort((a, b) => a - b);
  const backlogs = [...new Set(r.suts.flatMap((s) => s.curve.map((d) => d.backlog)))].sort((a, b) => a - b);
  const rates = [...new Set(r.suts.flatMap((s) => s.steady.runs.map((f) => f.rate)))].sort((a, b) => a - b);
  const data = {
    replicas: {
      x: replicas,
      series: r.suts.map((s) => ({ label: s.name, values: replicas.map((n) => bestAt(s, n)) })),
      limits: r.limits
        ? [
            { label: 'PostgreSQL claim+mark', values: replicas.map(() => r.limits!.pgClaimMark.eventsPerSec) },
            {
              label: 'PostgreSQL single statement',
              values: replicas.map(() => r.limits!.pgSingleStatement.eventsPerSec),
            },
            { label: 'Kafka producer', values: replicas.map(() => r.limits!.kafkaProducer.eventsPerSec) },
            { label: 'both at once', values: replicas.map(() => r.limits!.together.eventsPerSec) },
          ]
        : [],
    },
    backlog: {
      x: backlogs,
      series: r.suts.map((s) => ({
        label: s.name,
        values: backlogs.map((b) => s.curve.find((d) => d.backlog === b)?.eventsPerSec ?? null),
      })),
    },
    latency: {
      x: rates,
      series: r.suts.map((s) => ({
        label: `${s.name} p99 commit→publish`,
        values: rates.map((x) => s.steady.runs.find((f) => f.rate === x)?.publishMs.p99 ?? null),
      })),
    },
  };
  const cell = (v: string) => `<td class="num">${h(v)}</td>`;
  const summaryRows = r.suts
    .map((s) => {
      const top = s.steady.runs.filter((f) => f.sustained).at(-1);
      return `<tr><td>${h(s.name)}</td>${replicas
        .map((n) => cell(replicaCell(s, n)))
        .join(
          '',
        )}${cell(fractionCell(s))}${cell(applyRate(s.apply))}${cell(String(s.writerCeiling ?? '-'))}${cell(String(s.steady.sustainedMaxRate ?? 'none'))}${cell(top ? fmt(top.publishMs) : '-')}${cell(top ? fmt(top.effectMs) : '-')}</tr>`;
    })
    .join('');
  const errors = [
    ...r.suts.filter((s) => s.error).map((s) => `<p><strong>${h(s.name)}</strong> not measured: ${h(s.error!)}</p>`),
    ...shortfallLines(r.suts).map((line) => `<p>${h(line)}</p>`),
  ].join('');
  const drainRows = r.suts
    .flatMap((s) =>
      [...s.curve, ...s.drains].map(
        (d) =>
          `<tr><td>${h(s.name)}</td>${cell(String(d.backlog))}${cell(String(d.replicas))}${cell(String(d.batchSize ?? 'own'))}${cell(drainRate(d))}${cell(d.ms === null ? '-' : `${(d.ms / 1000).toFixed(2)} s`)}${cell(String(d.duplicates))}</tr>`,
      ),
    )
    .join('');
  const steadyRows = r.suts
    .flatMap((s) =>
      s.steady.runs.map(
        (f) =>
          `<tr><td>${h(s.name)}</td>${cell(String(f.rate))}${cell(String(f.achievedRate))}${cell(fmt(f.publishMs))}${cell(fmt(f.effectMs))}${cell(f.catchUpMs === null ? 'never' : `${f.catchUpMs} ms`)}${cell(f.lost === null ? `${f.missing} behind` : String(f.lost))}<td>${f.sustained ? 'yes' : 'no'}</td></tr>`,
      ),
    )
    .join('');
  const limits = r.limits
    ? `Limits, each at its best concurrency: PostgreSQL claim+mark <strong>${r.limits.pgClaimMark.eventsPerSec}</strong> events/s (${r.limits.pgClaimMark.concurrency} at once),
single statement <strong>${r.limits.pgSingleStatement.eventsPerSec}</strong> (${r.limits.pgSingleStatement.concurrency}), Kafka idempotent producer <strong>${r.limits.kafkaProducer.eventsPerSec}</strong> (${concurrencyText(r.limits.kafkaProducer)}); min(limits) ${r.limits.eventsPerSec} events/s.
Both at once, sharing the machine as a relay's two halves do: <strong>${r.limits.together.eventsPerSec}</strong> events/s.`
    : 'Limits not measured.';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>outbox-chaos bench ${h(r.date)}</title>
<style>${lib.css}</style>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; } table { border-collapse: collapse; margin: 0.5em 0 1.5em; } td, th { border: 1px solid #ddd; padding: 3px 8px; } td.num { text-align: right; }</style>
</head><body>
<h1>Outbox relays side by side</h1>
<p>${h(r.date)} on ${h(r.machine.host)}: ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${h(r.machine.node)}.
${r.events} events per drain over ${r.aggregates} aggregates, ${r.partitions} partitions, each drain after an untimed warm-up of ${r.warmUpEvents} events on the same relay processes. ${r.repeat > 1 ? `Every drain, steady run and limit was measured ${r.repeat} times; the median run is shown (a run that lost or stalled instead). ` : ''}Every figure counts only events found in Kafka by their id. ${limits}</p>
<table><thead><tr><th>SUT</th>${replicas.map((n) => `<th>${n} relay(s), events/s</th>`).join('')}<th>of min(limits)</th><th>consumer</th><th>writers' ceiling/s</th><th>highest rate sustained</th><th>commit→publish ms at it</th><th>commit→effect ms at it</th></tr></thead><tbody>${summaryRows}</tbody></table>${errors}
<section id="plots">
<h2>Drain throughput against relay replicas</h2><div id="replicas"></div>
<h2>Drain rate against backlog (1 replica)</h2><div id="backlog"></div>
<h2>Steady-state latency against the writers' rate</h2><div id="latency"></div>
</section>
<h2>Drains</h2>
<table><thead><tr><th>SUT</th><th>backlog</th><th>replicas</th><th>batch</th><th>rate</th><th>drain time</th><th>duplicates</th></tr></thead><tbody>${drainRows}</tbody></table>
<h2>Steady state</h2>
<table><thead><tr><th>SUT</th><th>rate/s</th><th>achieved/s</th><th>commit→publish ms p50/p95/p99/max</th><th>commit→effect ms p50/p95/p99/max</th><th>catch-up</th><th>lost</th><th>sustained</th></tr></thead><tbody>${steadyRows}</tbody></table>
<script id="bench-data" type="application/json">${scriptJson(data)}</script>
<script>${lib.js}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('bench-data').textContent);
  var colours = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  // y axes wide enough for '140,000' beside their label; right padding so the last x tick
  // ('1,000,000') is not cut; whole-number ticks where x counts things (relay replicas).
  function plot(id, chart, xLabel, yLabel, log, extra, whole) {
    if (!chart.x.length) return;
    var series = [{ label: xLabel }].concat(chart.series.map(function (s, i) { return { label: s.label, stroke: colours[i % colours.length], width: 2, points: { show: true } }; }));
    var columns = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
    (extra || []).forEach(function (s, i) { series.push({ label: s.label, stroke: ['#ff7f0e', '#d62728', '#7f7f7f', '#bcbd22'][i % 4], dash: [6, 4] }); columns.push(s.values); });
    var xAxis = whole ? { label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100] } : { label: xLabel };
    new uPlot({ width: 1040, height: 340, padding: [12, 40, 0, 0], scales: { x: log ? { time: false, distr: 3 } : { time: false } }, axes: [xAxis, { label: yLabel, size: 70 }], series: series }, columns, document.getElementById(id));
  }
  plot('replicas', d.replicas, 'relay replicas', 'events per second', false, d.replicas.limits, true);
  plot('backlog', d.backlog, 'backlog (events)', 'events per second', true);
  plot('latency', d.latency, 'writer rate, events/s', 'ms');
})();
</script>
</body></html>
`;
}
