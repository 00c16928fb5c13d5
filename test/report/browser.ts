import type { Browser } from 'playwright-core';
import { withOfflinePage } from '../../scripts/chromium.ts';

export { CHROMIUM, withBrowser } from '../../scripts/chromium.ts';

export interface RenderedReport {
  readonly verdict: string | null;
  readonly anomalyRows: number;
  readonly anomalyIds: string[];
  readonly faultRects: number;
  readonly laneLabels: string[];
  /** Pixels on each chart canvas in (roughly) the colour of one of its series. */
  readonly throughputSeriesPixels: number;
  readonly latencySeriesPixels: number;
  readonly consoleErrors: string[];
  readonly screenshotBytes: number;
  readonly blankScreenshotBytes: number;
}

/** Opens a report offline and reads back what was drawn. */
export async function renderReport(browser: Browser, file: string): Promise<RenderedReport> {
  return withOfflinePage(browser, file, { width: 1280, height: 900 }, async (page, consoleErrors) => {
    const drawn = (await page.evaluate(IN_PAGE)) as Omit<
      RenderedReport,
      'consoleErrors' | 'screenshotBytes' | 'blankScreenshotBytes'
    >;
    const screenshotBytes = (await page.screenshot({ fullPage: true })).length;
    await page.goto('about:blank');
    const blankScreenshotBytes = (await page.screenshot({ fullPage: true })).length;
    return { ...drawn, consoleErrors, screenshotBytes, blankScreenshotBytes };
  });
}

// Sent as source text: a compiled function would carry the transpiler's helpers into the page.
// committed/s is drawn in #1f77b4; commit -> publish points in #ff7f0e.
const IN_PAGE = `(() => {
  const seriesPixels = (selector, rgb) => {
    const canvas = document.querySelector(selector + ' canvas');
    if (!canvas) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - rgb[0]) < 30 && Math.abs(data[i + 1] - rgb[1]) < 30 && Math.abs(data[i + 2] - rgb[2]) < 30) n++;
    }
    return n;
  };
  return {
    verdict: document.querySelector('#verdict')?.getAttribute('data-verdict') ?? null,
    anomalyRows: document.querySelectorAll('#anomalies tbody tr.anomaly').length,
    anomalyIds: [...document.querySelectorAll('#anomalies tbody tr.anomaly code')].map((c) => c.textContent),
    faultRects: document.querySelectorAll('#timeline rect.fault').length,
    laneLabels: [...document.querySelectorAll('#timeline text.lane-label')].map((t) => t.textContent),
    // Committed, published and applied lie on top of each other when delivery is immediate, so
    // any of the three colours counts as the series drawn.
    throughputSeriesPixels:
      seriesPixels('#throughput', [31, 119, 180]) +
      seriesPixels('#throughput', [255, 127, 14]) +
      seriesPixels('#throughput', [44, 160, 44]),
    latencySeriesPixels: seriesPixels('#latency', [255, 127, 14]),
  };
})()`;
