import path from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { HarnessError, describeError } from '../../common/errors.ts';
import { ManagedProcess } from '../processes.ts';
import { waitUntilHealthy } from '../../common/wait.ts';

export interface NativeToxiproxyOptions {
  readonly dir: string;
  readonly binary: string;
  readonly apiPort: number;
  readonly startTimeoutMs?: number;
}

/** The toxiproxy-server built by `npm run setup`, with its API on loopback. */
export class NativeToxiproxy {
  private proc: ManagedProcess | undefined;

  constructor(private readonly options: NativeToxiproxyOptions) {}

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.options.apiPort}`;
  }

  async start(): Promise<void> {
    this.proc = ManagedProcess.start({
      label: 'toxiproxy',
      command: this.options.binary,
      args: ['-host', '127.0.0.1', '-port', String(this.options.apiPort)],
      logFile: path.join(this.options.dir, 'toxiproxy.log'),
    });
    const client = new Toxiproxy(this.apiUrl);
    await waitUntilHealthy('toxiproxy', () => client.getVersion(), {
      timeoutMs: this.options.startTimeoutMs ?? 15_000,
      intervalMs: 50,
      process: this.proc,
    });
  }

  /** Creates a proxy; a failure carries the server's own explanation, which the client drops. */
  async createProxy(name: string, listen: string, upstream: string): Promise<void> {
    try {
      await new Toxiproxy(this.apiUrl).createProxy({ name, listen, upstream });
    } catch (err) {
      throw new HarnessError(
        `could not create proxy ${name} on ${listen} (${describeError(err)}); server log:\n${this.proc?.logTail(5) ?? ''}`,
      );
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop(2_000);
  }
}
