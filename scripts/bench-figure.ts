// `npm run bench:figure -- <bench.json> <out.png>`: the README's bench figure. Renders the bench's
// own page (harness/bench/html.ts, uPlot) from a bench JSON report in headless Chromium and
// screenshots its plots, so the picture is the page's charts and nothing drawn by hand.
// Exit 0 with the PNG written, 2 on bad input or when the page drew nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderBenchHtml } from '../harness/bench/html.ts';
import type { BenchReport } from '../harness/bench/types.ts';
import { describeError, HarnessError } from '../harness/common/errors.ts';
import { withBrowser, withOfflinePage } from './chromium.ts';

function readReport(file: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HarnessError(`cannot read ${file} as JSON: ${describeError(err)}`);
  }
  const r = parsed as Partial<BenchReport> | null;
  // Only what the page reads to draw its plots; a wrong file fails here, not as a blank picture.
  if (!r || typeof r !== 'object' || !Array.isArray(r.suts) || typeof r.date !== 'string' || !r.machine)
    throw new HarnessError(`${file} is not a bench report (no date, machine or suts)`);
  return r as BenchReport;
}

async function screenshotPlots(html: string, out: string): Promise<number> {
  return withBrowser((browser) =>
    withOfflinePage(browser, html, { width: 1140, height: 900 }, async (page, errors) => {
      if (errors.length) throw new HarnessError(`the page reported errors: ${errors.join('; ')}`);
      // uPlot draws one canvas per plot; a plot whose axis has no values is left out by the page.
      const plots = await page.locator('#plots canvas').count();
      if (plots === 0)
        throw new HarnessError('the page drew no plot (the report has no drains, backlogs or steady runs)');
      // A still picture has no cursor, so the legends' live values would all read '--': show
      // them as plain keys (uPlot's own style for a legend that is not live), without the x entry.
      await page.evaluate(STILL_LEGENDS);
      await page.locator('#plots').screenshot({ path: out });
      return plots;
    }),
  );
}

// Sent as source text, so no transpiler helper ends up in the page.
const STILL_LEGENDS = `(() => {
  for (const legend of document.querySelectorAll('#plots .u-legend')) {
    legend.classList.remove('u-live');
    legend.querySelector('.u-series')?.remove();
  }
})()`;

let exitCode = 0;
const [input, output] = process.argv.slice(2);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-figure-'));
try {
  if (!input || !output || !output.endsWith('.png'))
    throw new HarnessError('usage: npm run bench:figure -- <bench.json> <out.png>');
  const report = readReport(input);
  const html = path.join(tmp, 'bench.html');
  fs.writeFileSync(html, renderBenchHtml(report));
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  const plots = await screenshotPlots(html, path.resolve(output));
  console.log(`${output}: ${plots} plot(s), ${fs.statSync(output).size} bytes`);
} catch (err) {
  console.error(`bench-figure: ${describeError(err)}`);
  exitCode = 2;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(exitCode);
