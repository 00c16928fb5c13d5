import { escapeHtml as h } from '../report/assets.ts';
import type { BenchReport, SutReport } from './types.ts';

/**
 * The side-by-side figure as a static SVG, for a README or any page without scripts: drain rate
 * against backlog (log scale) and against relay replicas, one line per SUT. Drains that did not
 * deliver everything have no rate, so they leave a gap rather than a point.
 */
const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 460;
const H = 300;
const PAD = { left: 60, right: 15, top: 30, bottom: 45 };

interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly xs: readonly number[];
  readonly log: boolean;
  readonly lines: readonly { label: string; values: readonly (number | null)[] }[];
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(Math.max(v, 1)));
  return Math.ceil(v / step) * step;
}

function panel(p: Panel, dx: number, yMax: number): string {
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const lo = p.log ? Math.log10(p.xs[0]!) : p.xs[0]!;
  const hi = p.log ? Math.log10(p.xs[p.xs.length - 1]!) : p.xs[p.xs.length - 1]!;
  const x = (v: number) => dx + PAD.left + (hi === lo ? iw / 2 : (((p.log ? Math.log10(v) : v) - lo) / (hi - lo)) * iw);
  const y = (v: number) => PAD.top + ih - (v / yMax) * ih;
  const parts: string[] = [
    `<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${h(p.title)}</text>`,
    `<line x1="${dx + PAD.left}" y1="${PAD.top + ih}" x2="${dx + PAD.left + iw}" y2="${PAD.top + ih}" stroke="#333"/>`,
    `<line x1="${dx + PAD.left}" y1="${PAD.top}" x2="${dx + PAD.left}" y2="${PAD.top + ih}" stroke="#333"/>`,
    `<text x="${dx + PAD.left + iw / 2}" y="${H - 8}" text-anchor="middle">${h(p.xLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${dx + PAD.left}" y1="${y(v)}" x2="${dx + PAD.left + iw}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${dx + PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v).toLocaleString('en')}</text>`,
    );
  }
  for (const v of p.xs)
    parts.push(`<text x="${x(v)}" y="${PAD.top + ih + 16}" text-anchor="middle">${v.toLocaleString('en')}</text>`);
  p.lines.forEach((l, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = p.xs.map((v, k) => [v, l.values[k]] as const).filter(([, r]) => r !== null && r !== undefined);
    if (points.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([v, r]) => `${x(v)},${y(r!)}`).join(' ')}"/>`,
      );
    for (const [v, r] of points) parts.push(`<circle cx="${x(v)}" cy="${y(r!)}" r="3" fill="${colour}"/>`);
  });
  return parts.join('\n');
}

function bestAt(s: SutReport, n: number): number | null {
  const rates = s.drains.filter((d) => d.replicas === n && d.eventsPerSec !== null).map((d) => d.eventsPerSec!);
  return rates.length ? Math.max(...rates) : null;
}

export function renderBenchSvg(r: BenchReport): string {
  const backlogs = [...new Set(r.suts.flatMap((s) => s.curve.map((d) => d.backlog)))].sort((a, b) => a - b);
  const replicas = [...new Set(r.suts.flatMap((s) => s.drains.map((d) => d.replicas)))].sort((a, b) => a - b);
  const curve: Panel = {
    title: 'Drain rate against backlog (1 relay)',
    xLabel: 'backlog, events',
    xs: backlogs,
    log: true,
    lines: r.suts.map((s) => ({
      label: s.name,
      values: backlogs.map((b) => s.curve.find((d) => d.backlog === b)?.eventsPerSec ?? null),
    })),
  };
  const scale: Panel = {
    title: `Drain rate against relay replicas (${r.events.toLocaleString('en')} events)`,
    xLabel: 'relay replicas',
    xs: replicas,
    log: false,
    lines: r.suts.map((s) => ({ label: s.name, values: replicas.map((n) => bestAt(s, n)) })),
  };
  const all = [curve, scale].flatMap((p) => p.lines.flatMap((l) => l.values)).filter((v): v is number => v !== null);
  const yMax = niceMax(Math.max(1, ...all));
  const legendY = H + 10;
  const legend = r.suts
    .map(
      (s, i) =>
        `<rect x="${PAD.left + (i % 2) * 430}" y="${legendY + Math.floor(i / 2) * 18}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>` +
        `<text x="${PAD.left + (i % 2) * 430 + 18}" y="${legendY + Math.floor(i / 2) * 18 + 10}">${h(s.name)}${s.best ? '' : ` (no ${r.events.toLocaleString('en')}-event drain complete: no rate)`}</text>`,
    )
    .join('\n');
  const limits = r.limits
    ? `min(limits) ${r.limits.eventsPerSec.toLocaleString('en')} events/s (PostgreSQL claim+mark ${r.limits.pgClaimMark.eventsPerSec.toLocaleString('en')}, single statement ${r.limits.pgSingleStatement.eventsPerSec.toLocaleString('en')}, Kafka producer ${r.limits.kafkaProducer.eventsPerSec.toLocaleString('en')})`
    : '';
  const height = legendY + Math.ceil(r.suts.length / 2) * 18 + 30;
  const panels = (backlogs.length ? panel(curve, 0, yMax) : '') + (replicas.length ? panel(scale, W, yMax) : '');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${PAD.left - 50}" y="${PAD.top - 8}" font-size="10">events/s</text>
${panels}
${legend}
<text x="${PAD.left}" y="${height - 10}" font-size="10">${h(`${r.date.slice(0, 10)}, ${r.machine.cpus} cores. ${limits}`)}</text>
</svg>
`;
}
