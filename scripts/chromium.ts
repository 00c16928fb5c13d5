// Debian's Chromium driven by playwright-core, for the dev tools and tests that render the
// harness's own pages: playwright-core downloads no browser of its own. Dev-only (playwright-core
// is a devDependency), so nothing under harness/ imports this.
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HarnessError } from '../harness/common/errors.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// As root Chromium needs --no-sandbox; the rest keep it from reaching out or starting background
// services, since every page it opens is a local file with everything inlined.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  if (!fs.existsSync(CHROMIUM))
    throw new HarnessError(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/**
 * Opens a local HTML file offline in a fresh context and hands fn the page once loaded, with the
 * errors the page logged or threw so far (the array keeps filling while fn runs).
 */
export async function withOfflinePage<T>(
  browser: Browser,
  file: string,
  viewport: { width: number; height: number },
  fn: (page: Page, errors: string[]) => Promise<T>,
): Promise<T> {
  const context = await browser.newContext({ viewport, offline: true });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForLoadState('load');
    return await fn(page, errors);
  } finally {
    await context.close();
  }
}
