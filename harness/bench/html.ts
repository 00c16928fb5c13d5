import { chartLibrary, escapeHtml as h, scriptJson } from '../report/assets.ts';
import type { BenchReport } from './types.ts';
import { thirdPartyFigure } from './third-party.ts';
import { formatLatency as fmt } from './steady.ts';
import { BENCH_AGGREGATES } from './workload.ts';

/**
 * Throughput against relay replicas, one line per batch size, with the two baselines and the
 * third-party relay as flat lines; and steady-state latency against the writers' rate.
 */
export function renderBenchHtml(r: BenchReport): string {
  const lib = chartLibrary();
  const replicas = [...new Set(r.relay.runs.map((x) => x.replicas))].sort((a, b) => a - b);
  const batchSizes = [...new Set(r.relay.runs.map((x) => x.batchSize))].sort((a, b) => a - b);
  const series = batchSizes.map((b) =>
    replicas.map((n) => r.relay.runs.find((x) => x.replicas === n && x.batchSize === b)?.eventsPerSec ?? null),
  );
  const data = {
    x: replicas,
    series: batchSizes.map((b, i) => ({ label: `relay, batch ${b}`, values: series[i] })),
    kafka: replicas.map(() => r.baseline.kafkaProducerEventsPerSec),
    pg: replicas.map(() => r.baseline.pgClaimMarkEventsPerSec),
    thirdParty: r.thirdParty
      ? { label: r.thirdParty.name, values: replicas.map(() => r.thirdParty!.eventsPerSec) }
      : null,
    steady: {
      x: r.steady.runs.map((f) => f.rate),
      series: [
        { label: 'commit→publish p50', values: r.steady.runs.map((f) => f.publishMs.p50) },
        { label: 'commit→publish p99', values: r.steady.runs.map((f) => f.publishMs.p99) },
        { label: 'commit→effect p50', values: r.steady.runs.map((f) => f.effectMs.p50) },
        { label: 'commit→effect p99', values: r.steady.runs.map((f) => f.effectMs.p99) },
      ],
    },
  };
  const steadyRows = r.steady.runs
    .map(
      (f) =>
        `<tr><td class="num">${f.rate}</td><td class="num">${f.achievedRate}</td><td class="num">${fmt(f.publishMs)}</td><td class="num">${fmt(f.effectMs)}</td><td class="num">${f.catchUpMs} ms</td><td>${f.sustained ? 'yes' : 'no'}</td></tr>`,
    )
    .join('');
  const rows = r.relay.runs
    .map(
      (x) =>
        `<tr><td>${x.replicas}</td><td>${x.batchSize}</td><td class="num">${x.eventsPerSec}</td><td class="num">${(x.ms / 1000).toFixed(1)} s</td><td class="num">${x.duplicates}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>outbox-chaos bench ${h(r.date)}</title>
<style>${lib.css}</style>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1000px; } table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; } td.num { text-align: right; }</style>
</head><body>
<h1>Relay drain throughput</h1>
<p>${r.events} events over ${BENCH_AGGREGATES} aggregates, ${r.partitions} partitions; ${r.machine.cpus} cores, Node ${h(r.machine.node)}; ${h(r.date)}.
Best: <strong>${r.relay.eventsPerSec} events/s</strong> (${r.relay.best.replicas} replica(s), batch ${r.relay.best.batchSize});
baselines: kafkajs producer ${r.baseline.kafkaProducerEventsPerSec} events/s, PG claim+mark ${r.baseline.pgClaimMarkEventsPerSec} events/s (batch ${r.baseline.batchSize});
ratio to the slower baseline: <strong>${r.ratio}</strong>.${r.thirdParty ? ` ${h(r.thirdParty.name)} on the same workload: ${h(thirdPartyFigure(r.thirdParty))}.` : ''}</p>
<div id="throughput"></div>
<table><thead><tr><th>replicas</th><th>batch</th><th>events/s</th><th>drain time</th><th>duplicates</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Steady-state latency</h2>
<p>Writers commit one event per transaction at each rate for ${r.steady.windowSeconds} s. Highest rate sustained: <strong>${r.steady.sustainedMaxRate ?? 'none'}</strong> events/s.</p>
<div id="latency"></div>
<table><thead><tr><th>rate/s</th><th>achieved/s</th><th>commit→publish ms p50/p95/p99/max</th><th>commit→effect ms p50/p95/p99/max</th><th>catch-up</th><th>sustained</th></tr></thead><tbody>${steadyRows}</tbody></table>
<script id="bench-data" type="application/json">${scriptJson(data)}</script>
<script>${lib.js}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('bench-data').textContent);
  var colours = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b'];
  var series = [{ label: 'replicas' }].concat(d.series.map(function (s, i) { return { label: s.label, stroke: colours[i % 4], width: 2, points: { show: true } }; }))
    .concat([{ label: 'kafkajs producer', stroke: '#ff7f0e', dash: [6, 4] }, { label: 'PG claim+mark', stroke: '#d62728', dash: [6, 4] }]);
  var columns = [d.x].concat(d.series.map(function (s) { return s.values; })).concat([d.kafka, d.pg]);
  if (d.thirdParty) { series.push({ label: d.thirdParty.label, stroke: '#7f7f7f', dash: [2, 3] }); columns.push(d.thirdParty.values); }
  new uPlot({ width: 960, height: 360, scales: { x: { time: false } }, axes: [{ label: 'relay replicas' }, { label: 'events per second' }], series: series }, columns, document.getElementById('throughput'));
  if (d.steady.x.length) {
    var lseries = [{ label: 'events/s' }].concat(d.steady.series.map(function (s, i) { return { label: s.label, stroke: colours[i % 4], width: 2, points: { show: true } }; }));
    new uPlot({ width: 960, height: 320, scales: { x: { time: false } }, axes: [{ label: 'writer rate, events/s' }, { label: 'ms' }], series: lseries },
      [d.steady.x].concat(d.steady.series.map(function (s) { return s.values; })), document.getElementById('latency'));
  }
})();
</script>
</body></html>
`;
}
