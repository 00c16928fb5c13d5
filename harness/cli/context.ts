import type { ProgressSink } from './progress.ts';

/** What every command gets from the entry point: where progress goes, and how to set the exit code. */
export interface CommandContext {
  readonly progress: ProgressSink;
  /** The process's exit code once the command has finished. */
  setCode(code: number): void;
}

/** One line on stdout, where the outcome goes (progress goes to stderr). */
export const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** A value as indented JSON on stdout, for --json. */
export const outJson = (value: unknown): void => out(JSON.stringify(value, null, 2));
