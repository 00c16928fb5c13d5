import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { describeRun, type RunProgress } from '../run/property.ts';

/** Where progress goes: a line log and, on an interactive terminal, one bar per scenario. */
export interface ProgressSink {
  log(line: string): void;
  onRun(event: RunProgress): void;
  stop(): void;
}

/** Bars only for a person at a terminal: never in CI, never when output is piped or captured. */
export function barsWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return Boolean(process.stdout.isTTY && process.stderr.isTTY) && !ci;
}

/**
 * Progress on stderr, so --json output on stdout stays clean. Without bars, each execution is
 * one line; with them, the bars carry executions and other lines are printed above them.
 */
export function createProgress(options: { bars: boolean }): ProgressSink {
  const print = (line: string) => void process.stderr.write(`${line}\n`);
  if (!options.bars) {
    return { log: print, onRun: (e) => e.n > 0 && print(describeRun(e)), stop: () => {} };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {scenario} |{bar}| {value}/{total} {phase} {verdict}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  let stopped = false;
  const verdictLabel = (v: RunProgress['valid']) =>
    v === undefined ? '' : v === true ? pc.green('valid') : v === false ? pc.red('INVALID') : pc.yellow('unknown');
  return {
    // Executions are what the bars show; every other line goes above them.
    log: (line) => multi.log(`${line}\n`),
    onRun(e) {
      let bar = bars.get(e.scenario);
      if (!bar) {
        bar = multi.create(e.of, 0, { scenario: e.scenario.padEnd(20), phase: '', verdict: '' });
        bars.set(e.scenario, bar);
      }
      bar.setTotal(e.of);
      bar.update(e.n, { phase: e.phase === 'shrink' ? 'shrinking' : 'runs', verdict: verdictLabel(e.valid) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
