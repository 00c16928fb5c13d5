import { spawn } from 'node:child_process';
import path from 'node:path';
import { HarnessError, describeError } from '../common/errors.ts';

export interface CommandOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly timeoutMs?: number;
}

/**
 * Runs a short-lived command to completion. Its output is kept only to explain a failure, which
 * becomes one HarnessError naming the command and showing the last of what it printed.
 */
export function runCommand(cmd: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs).unref() : undefined;
    const name = `${path.basename(cmd)} ${args.slice(0, 2).join(' ')}`.trim();
    child.on('error', (err) => reject(new HarnessError(`${name} could not start: ${describeError(err)}`)));
    // 'close', not 'exit': only then has all of the output been read.
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new HarnessError(`${name} failed (${signal ?? `exit ${code}`}); last output:\n${output.trim()}`));
    });
  });
}
