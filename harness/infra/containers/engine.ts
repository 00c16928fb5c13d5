import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { CACHE_DIR } from '../../common/paths.ts';

/** The docker CLI, or a clear error naming the Debian package. */
export function dockerCli(): string {
  for (const candidate of ['/usr/bin/docker', '/usr/local/bin/docker']) if (fs.existsSync(candidate)) return candidate;
  throw new HarnessError(
    'the containers provider needs Docker: no docker CLI found (Debian: apt-get install docker.io)',
  );
}

/** Runs the docker CLI and returns stdout; a failure carries docker's own message. */
export function docker(args: readonly string[], options: { input?: Buffer | string; timeoutMs?: number } = {}): string {
  const result = spawnSync(dockerCli(), args, {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw new HarnessError(`docker ${args[0]}: ${result.error.message}`);
  if (result.status !== 0)
    throw new HarnessError(
      `docker ${args.join(' ').slice(0, 200)}: ${(result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n')}`,
    );
  return result.stdout;
}

/** True when a Docker engine answers, within a couple of seconds. */
export function engineReachable(): boolean {
  try {
    const result = spawnSync(dockerCli(), ['info', '--format', '{{.ServerVersion}}'], {
      encoding: 'utf8',
      timeout: 5_000,
    });
    return result.status === 0 && result.stdout.trim().length > 0;
  } catch {
    return false;
  }
}

/**
 * Makes sure a Docker engine runs: if none answers and we may start one (root, dockerd installed),
 * starts Debian's dockerd in the background, logging to the cache, and waits for it.
 */
export async function ensureEngine(log: (line: string) => void = () => {}): Promise<void> {
  if (engineReachable()) return;
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => fs.existsSync(p));
  if (!dockerd)
    throw new HarnessError('no Docker engine answers and dockerd is not installed (Debian: apt-get install docker.io)');
  if (process.getuid?.() !== 0)
    throw new HarnessError('no Docker engine answers; start one (sudo dockerd &) or run as root so the harness can');
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const logFile = path.join(CACHE_DIR, 'dockerd.log');
  log(`[containers] starting the Docker engine (${dockerd}); its log: ${logFile}`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  fs.closeSync(out);
  const deadline = Date.now() + 60_000;
  while (!engineReachable()) {
    if (Date.now() > deadline) throw new HarnessError(`dockerd did not answer within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
