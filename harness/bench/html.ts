import { chartLibrary, escapeHtml as h, scriptJson } from '../report/assets.ts';
import type { BenchReport } from './index.ts';
import { BENCH_AGGREGATES } from './workload.ts';

/** Throughput against relay replicas, one line per batch size, with the two baselines as flat lines. */
export function renderBenchHtml(r: BenchReport): string {
  const lib = chartLibrary();
  const replicas = [...new Set(r.relay.runs.map((x) => x.replicas))].sort((a, b) => a - b);
  const batchSizes = [...new Set(r.relay.runs.map((x) => x.batchSize))].sort((a, b) => a - b);
  const series = batchSizes.map((b) => replicas.map((n) => r.relay.runs.find((x) => x.replicas === n && x.batchSize === b)?.eventsPerSec ?? null));
  const data = {
    x: replicas,
    series: batchSizes.map((b, i) => ({ label: `relay, batch ${b}`, values: series[i] })),
    kafka: replicas.map(() => r.baseline.kafkaProducerEventsPerSec),
    pg: replicas.map(() => r.baseline.pgClaimMarkEventsPerSec),
  };
  const rows = r.relay.runs
    .map((x) => `<tr><td>${x.replicas}</td><td>${x.batchSize}</td><td class="num">${x.eventsPerSec}</td><td class="num">${(x.ms / 1000).toFixed(1)} s</td><td class="num">${x.duplicates}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>outbox-chaos bench ${h(r.date)}</title>
<style>${lib.css}</style>
<style>body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1000px; } table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; } td.num { text-align: right; }</style>
</head><body>
<h1>Relay drain throughput</h1>
<p>${r.events} events over ${BENCH_AGGREGATES} aggregates, ${r.partitions} partitions; ${r.machine.cpus} cores, Node ${h(r.machine.node)}; ${h(r.date)}.
Best: <strong>${r.relay.eventsPerSec} events/s</strong> (${r.relay.best.replicas} replica(s), batch ${r.relay.best.batchSize});
baselines: kafkajs producer ${r.baseline.kafkaProducerEventsPerSec} events/s, PG claim+mark ${r.baseline.pgClaimMarkEventsPerSec} events/s (batch ${r.baseline.batchSize});
ratio to the slower baseline: <strong>${r.ratio}</strong>.</p>
<div id="throughput"></div>
<table><thead><tr><th>replicas</th><th>batch</th><th>events/s</th><th>drain time</th><th>duplicates</th></tr></thead><tbody>${rows}</tbody></table>
<script id="bench-data" type="application/json">${scriptJson(data)}</script>
<script>${lib.js}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('bench-data').textContent);
  var colours = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b'];
  var series = [{ label: 'replicas' }].concat(d.series.map(function (s, i) { return { label: s.label, stroke: colours[i % 4], width: 2, points: { show: true } }; }))
    .concat([{ label: 'kafkajs producer', stroke: '#ff7f0e', dash: [6, 4] }, { label: 'PG claim+mark', stroke: '#d62728', dash: [6, 4] }]);
  var columns = [d.x].concat(d.series.map(function (s) { return s.values; })).concat([d.kafka, d.pg]);
  new uPlot({ width: 960, height: 360, scales: { x: { time: false } }, axes: [{ label: 'relay replicas' }, { label: 'events per second' }], series: series }, columns, document.getElementById('throughput'));
})();
</script>
</body></html>
`;
}
