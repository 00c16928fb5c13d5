import fs from 'node:fs';
import path from 'node:path';
import type { EventTimes } from '../history/event-times.ts';
import type { HistoryEvent } from '../history/history.ts';
import { HarnessError } from '../common/errors.ts';
import { writeFileAtomically } from '../common/files.ts';
import { renderReport } from './html.ts';
import { renderIndex, type IndexEntry } from './index-page.ts';
import { junitXml } from './junit.ts';
import { RESULTS_FILE, readScenarioResults } from './results.ts';

/** The history as recorded; a last line cut short by a crash of the harness is left out. */
export function readHistory(file: string): HistoryEvent[] {
  if (!fs.existsSync(file)) return [];
  const events: HistoryEvent[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as HistoryEvent);
    } catch {
      break;
    }
  }
  return events;
}

function readEvents(file: string): EventTimes[] {
  if (!fs.existsSync(file)) return [];
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as EventTimes[];
  } catch {
    return [];
  }
}

/** report.html and junit.xml of one report folder, from the files in it. */
export function writeScenarioReport(dir: string): void {
  const results = readScenarioResults(dir);
  const history = readHistory(path.join(dir, 'history.jsonl'));
  const events = readEvents(path.join(dir, 'events.json'));
  writeFileAtomically(path.join(dir, 'junit.xml'), junitXml(results));
  writeFileAtomically(path.join(dir, 'report.html'), renderReport({ results, history, events }));
}

export interface IndexOutcome {
  readonly file: string;
  readonly reports: number;
  readonly skipped: readonly { folder: string; why: string }[];
}

/**
 * reports/index.html over every report folder in reportDir. With `pages`, each folder's
 * report.html and junit.xml are written again first (after an upgrade, say). A folder that
 * cannot be read is listed as skipped, never dropped in silence, and never deleted.
 */
export function rebuildIndex(reportDir: string, options: { pages?: boolean } = {}): IndexOutcome {
  let names: string[];
  try {
    names = fs
      .readdirSync(reportDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (err) {
    throw new HarnessError(
      `cannot read the report folder ${reportDir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`,
    );
  }
  const entries: IndexEntry[] = [];
  const skipped: { folder: string; why: string }[] = [];
  for (const folder of names) {
    const dir = path.join(reportDir, folder);
    if (!fs.existsSync(path.join(dir, RESULTS_FILE))) continue; // not a run folder
    try {
      const results = readScenarioResults(dir);
      if (options.pages) writeScenarioReport(dir);
      entries.push({ folder, results, hasReport: fs.existsSync(path.join(dir, 'report.html')) });
    } catch (err) {
      skipped.push({ folder, why: (err as Error).message });
    }
  }
  const file = path.join(reportDir, 'index.html');
  writeFileAtomically(file, renderIndex(entries, skipped));
  return { file, reports: entries.length, skipped };
}
