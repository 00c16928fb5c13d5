import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../harness/common/paths.ts';

export interface Held {
  id: string;
  pids: number[];
  dirs: string[];
}

/** Starts test/fixtures/hold-stack.ts as a separate harness process and waits for its report. */
export function holdStack(provider: 'native' | 'containers' = 'native'): Promise<{
  child: ReturnType<typeof spawn>;
  held: Held;
  exited: Promise<{ code: number | null; signal: string | null }>;
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-stack.ts', provider], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, held: JSON.parse(line) as Held, exited });
    });
    exited.then(({ code }) => reject(new Error(`hold-stack exited early (${code}): ${err}`)));
  });
}
