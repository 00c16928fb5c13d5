import type { Anomaly } from '../checker/index.ts';
import type { EventTimes } from '../history/event-times.ts';
import type { HistoryEvent } from '../history/history.ts';
import { describeSchedule } from '../workload/schedule.ts';
import { describeFault, FAULTS } from '../nemesis/index.ts';
import { powerWarnings, verdictWord, type Power } from '../checker/index.ts';
import { chartLibrary, escapeHtml as h, scriptJson, verdictClass } from './assets.ts';
import type { ScenarioResults } from './results.ts';
import { buildTimeline, latencyPoints, throughputSeries, type Timeline } from './timeline.ts';

export interface ReportInput {
  readonly results: ScenarioResults;
  readonly history: readonly HistoryEvent[];
  readonly events: readonly EventTimes[];
}

/** One self-contained HTML page for one scenario's results: no network, charts inlined. */
export function renderReport(input: ReportInput): string {
  const { results } = input;
  const timeline = buildTimeline(input.history);
  const throughput = throughputSeries(input.events, timeline.t0, timeline.duration);
  const latency = latencyPoints(input.events, timeline.t0);
  const windows = timeline.spans.filter((s) => s.fault).map((s) => ({ from: s.from, to: s.to, label: s.label }));
  const lib = chartLibrary();
  const title = `${results.sut} · ${results.scenario}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>outbox-chaos: ${h(title)} (${verdictWord(results.valid)})</title>
<style>${lib.css}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>outbox-chaos <span class="muted">·</span> ${h(title)}</h1>
  <span id="verdict" class="verdict ${verdictClass(results.valid)}" data-verdict="${verdictClass(results.valid)}">${verdictWord(results.valid)}</span>
</header>
${summarySection(results)}
${anomaliesSection(results.anomalies)}
${powerSection(results)}
<section>
  <h2>Timeline${results.shownRun ? ` <span class="muted">(${h(results.shownRun)})</span>` : ''}</h2>
  <p class="muted">Fault windows are shaded on the lane they hit; hatched: a process down or paused. Dashed lines: end of workload, healed, drained, observed.</p>
  ${faultLegend(timeline)}
  ${timelineSvg(timeline)}
</section>
<section>
  <h2>Throughput</h2>
  <p class="muted">Events per second, in ${throughput.bucketSeconds} s buckets; fault windows shaded.</p>
  <div id="throughput" class="chart" data-points="${input.events.length}"></div>
</section>
<section>
  <h2>Latency</h2>
  <p class="muted">Per committed event: commit → first publish to Kafka, and commit → first effect, by commit time.</p>
  <div id="latency" class="chart" data-points="${latency.x.length}"></div>
</section>
${scheduleSection(results)}
${statsSection(results.stats)}
${runsSection(results)}
<footer class="muted">Written by outbox-chaos. The history of the run shown is history.jsonl next to this file.</footer>
<script id="report-data" type="application/json">${scriptJson({ throughput, latency, windows })}</script>
<script>${lib.js}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}

function summarySection(r: ScenarioResults): string {
  const rows: [string, string][] = [
    ['SUT', h(r.sut)],
    ['scenario', h(r.scenario)],
    ['profile', h(r.profile)],
    ['seed', h(r.seed)],
    ['started', h(r.startedAt || 'unknown')],
    ['executions', h(r.executions)],
  ];
  if (r.shard)
    rows.push([
      'shard',
      `${h(r.shard.index)} of ${h(r.shard.total)}: generated runs ${h(r.shard.from + 1)} to ${h(r.shard.from + r.shard.count)} of the seed`,
    ]);
  if (r.counterexample) {
    rows.push([
      'caught at',
      `generated run ${h(r.counterexample.runsToCatch)}, shrunk to ${h(r.counterexample.steps)} step(s) in ${h(r.counterexample.shrinkRuns)} shrink run(s)`,
    ]);
  }
  for (const u of r.unknownRuns) rows.push([`unknown: ${h(u.run)}`, h(u.because ?? 'no reason recorded')]);
  rows.push(['replay', `<code id="replay">${h(r.replay)}</code>`]);
  return `<section><h2>Summary</h2><dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></section>`;
}

const inFlight = (w: { writes: number; unpublished: number; unapplied: number }) =>
  `${w.writes} / ${w.unpublished} / ${w.unapplied}`;

/** What the runs exercised: a verdict is only as good as the work the faults met. */
function powerSection(r: ScenarioResults): string {
  const p = r.power;
  if (!p) return '';
  const warnings = [
    ...powerWarnings(p),
    ...(r.undeclaredCrashPoints?.length
      ? [`the SUT declares no crash point ${r.undeclaredCrashPoints.join(', ')}; those faults never ran`]
      : []),
  ];
  const shown = r.runs.find((x) => x.run === r.shownRun)?.power;
  const perRun = r.runs
    .map((x) => {
      const q = x.power;
      if (!q) return `<tr><td>${h(x.run)}</td><td colspan="4" class="muted">not observed</td></tr>`;
      const met = q.faultFree ? 'fault-free' : `${q.faults.filter((f) => f.metWork).length}/${q.faults.length}`;
      const crash = q.crashPoints.length
        ? `${q.crashPoints.reduce((a, c) => a + c.fired, 0)}/${q.crashPoints.reduce((a, c) => a + c.armed, 0)}`
        : '–';
      return `<tr><td>${h(x.run)}</td><td class="num">${q.committedEvents}</td><td class="num">${met}</td><td class="num">${crash}</td><td>${h(q.vacuous ?? '')}</td></tr>`;
    })
    .join('');
  return `<section><h2>Power</h2>
<p id="power-summary">${p.runs} run(s); committed events per run: median ${h(p.medianCommittedEvents ?? '–')}, least ${h(p.minCommittedEvents ?? '–')}, ${p.totalCommittedEvents} in all; runs whose every fault met work in flight: ${p.runsAllFaultsMetWork} of ${p.runsWithFaults}${p.faultFreeRuns ? `; ${p.faultFreeRuns} fault-free run(s)` : ''}; crash points fired ${p.crashPointsFired} of ${p.crashPointsArmed} armed.</p>
${warnings.length ? `<ul id="power-warnings" class="warning">${warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>` : ''}
${shown ? faultPowerTable(shown) : ''}
<table id="power-runs"><thead><tr><th>run</th><th>committed events</th><th>faults meeting work</th><th>crash points fired/armed</th><th>note</th></tr></thead><tbody>${perRun}</tbody></table></section>`;
}

function faultPowerTable(p: Power): string {
  if (p.faultFree) return '<p>The run shown was fault-free: load only.</p>';
  const rows = p.faults
    .map(
      (f) =>
        `<tr class="${f.metWork ? '' : 'invalid'}"><td>${h(f.step + 1)}</td><td>${h(f.target)}</td><td class="num">${f.firings}</td><td class="num">${inFlight(f.inFlightAtStart)}</td><td class="num">${inFlight(f.inFlightMax)}</td><td class="num">${f.committedDuring}</td><td>${f.metWork ? 'yes' : 'NO: tested nothing'}</td></tr>`,
    )
    .join('');
  return `<table id="power-faults"><thead><tr><th>fault</th><th>what</th><th>firings</th><th>in flight at start (writes / unpublished / unapplied)</th><th>most in flight at a firing</th><th>committed while active</th><th>met work</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Rows shown before the rest are summarised: under load one kind of loss can touch every aggregate. */
const ANOMALY_ROWS = 25;

function anomaliesSection(anomalies: readonly Anomaly[]): string {
  const shown = anomalies.slice(0, ANOMALY_ROWS);
  const rows = shown.length
    ? shown
        .map(
          (a) =>
            `<tr class="anomaly" data-kind="${h(a.kind)}"><td><strong>${h(a.kind)}</strong></td><td>${h(a.aggregateId ?? '')}</td><td>${h(a.detail)}</td><td>${a.eventIds.map((id) => `<code>${h(id)}</code>`).join(' ')}</td></tr>`,
        )
        .join('\n')
    : '<tr class="none"><td colspan="4">No anomalies.</td></tr>';
  const rest = anomalies.slice(ANOMALY_ROWS);
  const byKind = new Map<string, number>();
  for (const a of rest) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
  const more = rest.length
    ? `\n<tr class="more"><td colspan="4">and ${rest.length} more (${[...byKind].map(([k, n]) => `${n} ${h(k)}`).join(', ')}): every one is in results.json</td></tr>`
    : '';
  return `<section><h2>Anomalies</h2>
<table id="anomalies"><thead><tr><th>kind</th><th>aggregate</th><th>detail</th><th>event ids</th></tr></thead><tbody>
${rows}${more}
</tbody></table></section>`;
}

/** A fault the nemesis no longer knows (a report from an older version) is drawn in this colour. */
const UNKNOWN_FAULT_COLOUR = '#d62728';
const faultColour = (name: string) => FAULTS[name]?.colour ?? UNKNOWN_FAULT_COLOUR;
const MARK_COLOURS: Record<string, string> = {
  ok: '#2ca02c',
  fail: '#7f7f7f',
  info: '#ff7f0e',
  killed: '#d62728',
  exited: '#d62728',
  stopped: '#7f7f7f',
  started: '#2ca02c',
};

/** Each fault the run shows, in its colour, with the kind of lane it is drawn on. */
function faultLegend(t: Timeline): string {
  const shown = [...new Set(t.spans.filter((s) => s.fault).map((s) => s.kind))];
  if (!shown.length) return '';
  const items = shown.map((name) => {
    const lane = FAULTS[name]?.lane;
    return `<li data-fault="${h(name)}"><span class="swatch" style="background:${faultColour(name)}"></span>${h(name)}${lane ? ` <span class="muted">(${lane} lanes)</span>` : ''}</li>`;
  });
  return `<ul id="fault-legend" class="legend">${items.join('')}</ul>`;
}

function timelineSvg(t: Timeline): string {
  const labelW = 140;
  const plotW = 960;
  const laneH = 20;
  const top = 8;
  const axisH = 24;
  const height = top + t.lanes.length * laneH + axisH;
  const x = (sec: number) => labelW + (Math.max(0, Math.min(sec, t.duration)) / t.duration) * plotW;
  const laneY = new Map(t.lanes.map((l, i) => [l.id, top + i * laneH]));
  const out: string[] = [];
  out.push(
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${labelW + plotW + 10} ${height}" role="img" aria-label="timeline of faults and processes">`,
  );
  out.push(
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#999" opacity="0.5"/></pattern></defs>',
  );
  t.lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    out.push(
      `<rect class="lane lane-${lane.group}" x="${labelW}" y="${y}" width="${plotW}" height="${laneH}" fill="${i % 2 ? '#fafafa' : '#f0f0f0'}"/>`,
    );
    out.push(
      `<text x="${labelW - 6}" y="${y + laneH * 0.7}" text-anchor="end" class="lane-label">${h(lane.label)}</text>`,
    );
  });
  for (const s of t.spans) {
    const y = laneY.get(s.lane);
    if (y === undefined) continue;
    const w = Math.max(2, x(s.to) - x(s.from));
    const fill = s.fault ? faultColour(s.kind) : 'url(#hatch)';
    out.push(
      `<rect class="${s.fault ? 'fault' : 'state'}" data-fault="${h(s.kind)}" x="${x(s.from).toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${laneH - 4}" fill="${fill}" fill-opacity="${s.fault ? 0.45 : 1}"><title>${h(s.label)}: ${s.from.toFixed(2)}–${s.to.toFixed(2)} s</title></rect>`,
    );
  }
  for (const m of t.marks) {
    const y = laneY.get(m.lane);
    if (y === undefined) continue;
    const cx = x(m.at).toFixed(1);
    out.push(
      `<circle class="mark mark-${h(m.kind)}" cx="${cx}" cy="${y + laneH / 2}" r="${m.lane === 'writes' ? 2.5 : 4}" fill="${MARK_COLOURS[m.kind] ?? '#333'}"><title>${h(m.label)} at ${m.at.toFixed(2)} s</title></circle>`,
    );
  }
  const bottom = top + t.lanes.length * laneH;
  for (const p of t.phases) {
    const px = x(p.at).toFixed(1);
    out.push(
      `<line class="phase" x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="#555" stroke-dasharray="3,3"><title>${h(p.label)} at ${p.at.toFixed(2)} s</title></line>`,
    );
  }
  const step = niceStep(t.duration / 10);
  for (let sec = 0; sec <= t.duration + 1e-9; sec += step) {
    out.push(
      `<line x1="${x(sec)}" x2="${x(sec)}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/><text x="${x(sec)}" y="${bottom + 16}" text-anchor="middle" class="tick">${+sec.toFixed(2)} s</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
}

function scheduleSection(r: ScenarioResults): string {
  const c = r.counterexample;
  if (!c)
    return `<section><h2>Schedule</h2><p>No counterexample: every generated schedule ${r.valid === true ? 'passed' : 'passed or could not be judged'}.</p></section>`;
  const steps = describeSchedule(c.schedule, describeFault)
    .map((line) => `<li>${h(line)}</li>`)
    .join('');
  return `<section><h2>Shrunk schedule</h2>
<p>seed ${h(r.seed)}, path ${h(c.path ?? '(none: replay the recorded schedule)')}</p>
<ul id="schedule">${steps}</ul>
<p>Replay: <code>${h(c.replay)}</code></p></section>`;
}

function statsSection(stats: ScenarioResults['stats']): string {
  const rows = Object.entries(stats).map(
    ([k, v]) =>
      `<tr><td>${h(k)}</td><td class="num">${v === null ? '–' : h(Number.isInteger(v) ? v : v.toFixed(3))}</td></tr>`,
  );
  return `<section><h2>Measures</h2><table id="stats"><tbody>${rows.join('') || '<tr><td>none recorded</td></tr>'}</tbody></table></section>`;
}

function runsSection(r: ScenarioResults): string {
  if (!r.runs.length) return '';
  const rows = r.runs.map(
    (run) =>
      `<tr class="${verdictClass(run.valid)}"><td>${h(run.run)}</td><td>${h(run.phase)}</td><td>${verdictWord(run.valid)}</td><td class="num">${run.steps}</td><td class="num">${(run.durationMs / 1000).toFixed(1)} s</td><td>${h(run.unknownBecause ?? (run.anomalies ? `${run.anomalies} anomaly kind(s)` : ''))}</td></tr>`,
  );
  return `<section><h2>Executions</h2><table id="runs"><thead><tr><th>run</th><th>phase</th><th>verdict</th><th>steps</th><th>time</th><th>note</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1180px; padding: 0 1em; color: #222; }
header { display: flex; align-items: center; gap: 1em; }
h1 { font-size: 1.4em; margin: 0; } h2 { font-size: 1.1em; margin-top: 1.6em; }
.muted { color: #777; font-weight: normal; }
.verdict { padding: 0.2em 0.7em; border-radius: 4px; color: #fff; font-weight: bold; }
.verdict.valid { background: #2ca02c; } .verdict.invalid { background: #d62728; } .verdict.unknown { background: #ff7f0e; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; } tr.invalid td { background: #fde8e8; } tr.unknown td { background: #fff3e0; }
ul.warning { color: #8a4b00; background: #fff3e0; padding: 8px 24px; }
code { font: 12px ui-monospace, monospace; background: #f4f4f4; padding: 1px 3px; word-break: break-all; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 1em; } dt { color: #555; } dd { margin: 0; }
svg#timeline { width: 100%; height: auto; font: 11px system-ui, sans-serif; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; }
ul.legend .swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; opacity: 0.45; vertical-align: -0.1em; }
.chart { min-height: 300px; } .chart .empty { color: #777; padding: 2em; }
`;

// The page's own script: draws the two charts with the inlined uPlot and shades fault windows.
const CLIENT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  function shade(u) {
    var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    ctx.fillStyle = 'rgba(214, 39, 40, 0.12)';
    data.windows.forEach(function (w) {
      var x0 = u.valToPos(w.from, 'x', true), x1 = u.valToPos(w.to, 'x', true);
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    });
    ctx.restore();
  }
  function width(el) { return Math.max(400, el.clientWidth || 960); }
  function draw(id, series, columns, yLabel, points) {
    var el = document.getElementById(id);
    if (!columns[0].length) { el.innerHTML = '<div class="empty">No events were observed in this run.</div>'; return; }
    var opts = {
      width: width(el), height: 300,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds since the run began' }, { label: yLabel }],
      series: [{ label: 's' }].concat(series.map(function (s) {
        return points
          ? { label: s.label, stroke: s.colour, paths: function () { return null; }, points: { show: true, size: 5, stroke: s.colour, fill: s.colour } }
          : { label: s.label, stroke: s.colour, width: 2 };
      })),
      hooks: { drawClear: [shade] }
    };
    new uPlot(opts, columns, el);
  }
  var t = data.throughput;
  draw('throughput', [
    { label: 'committed/s', colour: '#1f77b4' },
    { label: 'published/s', colour: '#ff7f0e' },
    { label: 'applied/s', colour: '#2ca02c' }
  ], [t.x, t.committed, t.published, t.applied], 'events per second', false);
  var l = data.latency;
  draw('latency', [
    { label: 'commit → publish (ms)', colour: '#ff7f0e' },
    { label: 'commit → effect (ms)', colour: '#2ca02c' }
  ], [l.x, l.publishMs, l.effectMs], 'milliseconds', true);
})();
`;
